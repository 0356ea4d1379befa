/**
 * A simulated aarch64 board reachable over SSH, on this machine only:
 *   - OpenSSH's sshd on 127.0.0.1 at a free port, with its own config, host key and authorized
 *     key in a temp dir. As root sshd needs /run/sshd: it runs in a private mount namespace
 *     (`unshare --mount`) with a tmpfs on /run, so the host is never changed;
 *   - every command goes through a ForceCommand wrapper, the "board": aarch64 ELF files run
 *     under qemu-aarch64-static with the board's CPU model (cortex-a53: no dotprod,
 *     cortex-a76: dotprod), `uname -m` answers aarch64, SFTP is OpenSSH's sftp-server;
 *   - inside the namespace, <root>/tiny is a 256 KiB tmpfs (full-disk faults) and <root>/ro a
 *     read-only bind mount (write-permission faults);
 *   - `passphrase`: the client key is protected by it; `password`: root may also log in with
 *     it (a bind-mounted /etc/shadow inside the namespace, the host's file is never changed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect, descendants, freePort, killQuietly, waitUntil } from './procs.js';

export interface SshBoard {
  port: number;
  keyPath: string;
  /** board folder (absolute; use as the device's dir) */
  dir: string;
  root: string;
  cpu: string;
  readonly sshdPid: number;
  /** Kills every SSH session of this board (connections drop mid-transfer); sshd keeps listening. */
  killSessions(): void;
  /** New host key (a re-imaged board, or a man in the middle). */
  regenerateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

const WRAPPER = `#!/bin/bash
# Simulated aarch64 board (ForceCommand of the test sshd).
cmd="$SSH_ORIGINAL_COMMAND"
case "$cmd" in
  ""|internal-sftp|sftp|*/sftp-server*) exec /usr/lib/openssh/sftp-server ;;
esac
eval "set -- $cmd"
if [ "$1" = uname ] && [ "$2" = -m ]; then echo aarch64; exit 0; fi
if [ -f "$1" ] && [ "$(head -c 4 -- "$1" | od -An -tx1 | tr -d ' \\n')" = 7f454c46 ]; then
  exec qemu-aarch64-static -cpu "$EQ_BOARD_CPU" "$@"
fi
exec /bin/bash -c "$cmd"
`;

export async function startSshBoard(o: { cpu: 'cortex-a53' | 'cortex-a76'; passphrase?: string; password?: string }): Promise<SshBoard> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-sshboard-'));
  const dir = path.join(root, 'board');
  fs.mkdirSync(dir);
  fs.mkdirSync(path.join(root, 'tiny'));
  fs.mkdirSync(path.join(root, 'ro'));
  const hostKey = path.join(root, 'host_key');
  const keyPath = path.join(root, 'client_key');
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', o.passphrase ?? '', '-f', keyPath]);
  const shadow = path.join(root, 'shadow');
  if (o.password !== undefined) {
    const hash = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: o.password, encoding: 'utf8' });
    if (hash.status !== 0) throw new Error(`openssl passwd failed: ${hash.stderr}`);
    const lines = fs
      .readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .map((l) =>
        l.startsWith('root:')
          ? l
              .split(':')
              .map((f, i) => (i === 1 ? hash.stdout.trim() : f))
              .join(':')
          : l,
      );
    fs.writeFileSync(shadow, lines.join('\n'), { mode: 0o600 });
  }
  fs.copyFileSync(`${keyPath}.pub`, path.join(root, 'authorized_keys'));
  const wrapper = path.join(root, 'board-shell.sh');
  fs.writeFileSync(wrapper, WRAPPER, { mode: 0o755 });
  const port = await freePort();
  const cfg = path.join(root, 'sshd_config');
  fs.writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(root, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(root, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      `PasswordAuthentication ${o.password !== undefined ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${o.password !== undefined ? 'yes' : 'prohibit-password'}`,
      `SetEnv EQ_BOARD_CPU=${o.cpu}`,
      `ForceCommand ${wrapper}`,
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const setup = [
    'mount -t tmpfs -o mode=755 tmpfs /run',
    'mkdir -p /run/sshd',
    `mount -t tmpfs -o size=256k tmpfs ${q(path.join(root, 'tiny'))}`,
    `mount --bind ${q(path.join(root, 'ro'))} ${q(path.join(root, 'ro'))}`,
    `mount -o remount,bind,ro ${q(path.join(root, 'ro'))}`,
    ...(o.password !== undefined ? [`mount --bind ${q(shadow)} /etc/shadow`] : []),
    `exec /usr/sbin/sshd -D -e -f ${q(cfg)}`,
  ].join(' && ');
  let proc: ChildProcess;
  let exited = false;
  const launch = async () => {
    proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = false;
    proc.on('exit', () => (exited = true));
    await waitUntil(async () => exited || (await canConnect(port)), 'sshd to listen', 30_000);
    if (exited) throw new Error(`sshd did not start: ${stderr}`);
  };
  const halt = async () => {
    const pid = proc.pid!;
    for (const p of descendants(pid)) killQuietly(p);
    killQuietly(pid, 'SIGTERM');
    await waitUntil(() => exited, 'sshd to stop', 10_000).catch(() => killQuietly(pid));
  };
  await launch();
  return {
    port,
    keyPath,
    dir,
    root,
    cpu: o.cpu,
    get sshdPid() {
      return proc.pid!;
    },
    killSessions() {
      for (const p of descendants(proc.pid!)) killQuietly(p);
    },
    async regenerateHostKey() {
      await halt();
      fs.rmSync(hostKey);
      fs.rmSync(`${hostKey}.pub`);
      sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      await launch();
    },
    async stop() {
      await halt();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
