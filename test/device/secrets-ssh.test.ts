/**
 * Boards with a secret (issue 13): a passphrase-protected key and a password login, stored
 * encrypted through the app's SecretBox (a real AES-GCM box standing in for Electron's
 * safeStorage), decrypted only to connect, and found nowhere else: not in any log line, error
 * message, event, the SQLite files or any file of the data folder. A wrong or missing secret
 * gives a message naming the board instead of ssh2's raw text.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService, type SecretBox } from '../../src-main/app/app-service.js';
import { toDeployDevice } from '../../src-main/app/deploy-backend.js';
import type { DeviceConfig } from '../../src-main/contract/app-types.js';
import { deployModel } from '../../src-main/deploy/operations.js';
import { DeviceSession } from '../../src-main/deploy/session.js';
import { deployHome } from '../../src-main/store/deploy-home.js';
import { payload } from './helpers/payload.js';
import { startSshBoard, type SshBoard } from './helpers/ssh-board.js';
import { scaled } from './helpers/timeouts.js';

const PASSPHRASE = `pp-${crypto.randomBytes(12).toString('hex')}`;
const PASSWORD = `pw-${crypto.randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${crypto.randomBytes(12).toString('hex')}`;
const SECRETS = [PASSPHRASE, PASSWORD, WRONG];

/** AES-256-GCM with a key held in memory only, like safeStorage with an OS keychain. */
function aesBox(): SecretBox {
  const key = crypto.randomBytes(32);
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(enc) {
      const d = crypto.createDecipheriv('aes-256-gcm', key, enc.subarray(0, 12));
      d.setAuthTag(enc.subarray(12, 28));
      return Buffer.concat([d.update(enc.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** A stand-in eqrun for the board (a shell script: the board's wrapper runs non-ELF files with bash). */
function fakeRunnersDir(root: string): string {
  const dir = path.join(root, 'runners');
  fs.mkdirSync(path.join(dir, 'linux-aarch64'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'linux-aarch64', 'eqrun'),
    `#!/bin/sh\n[ "$1" = info ] && { echo '{"arch":"aarch64","isa":"neon","features":[]}'; exit 0; }\necho "unexpected: $*" >&2; exit 2\n`,
    { mode: 0o755 },
  );
  return dir;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('boards with a passphrase or a password', () => {
  let board: SshBoard;
  let root: string;
  let svc: AppService;
  const box = aesBox();
  const seen: string[] = []; // every log line, event and error message of the test
  const restore: (() => void)[] = [];
  const ssh = (over: Partial<DeviceConfig> = {}): DeviceConfig =>
    ({ transport: 'ssh', host: '127.0.0.1', port: board.port, user: 'root', keyPath: board.keyPath, dir: board.dir, timeoutMs: scaled(30_000), ...over }) as DeviceConfig;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-secrets-'));
    board = await startSshBoard({ cpu: 'cortex-a53', passphrase: PASSPHRASE, password: PASSWORD });
    vi.stubEnv('EQ_RUNNERS_DIR', fakeRunnersDir(root));
    for (const name of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const orig = console[name].bind(console);
      const spy = vi.spyOn(console, name).mockImplementation((...a: unknown[]) => {
        seen.push(a.map(String).join(' '));
        orig(...a);
      });
      restore.push(() => spy.mockRestore());
    }
    for (const stream of [process.stdout, process.stderr]) {
      const orig = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        seen.push(String(chunk));
        return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = orig));
    }
    svc = new AppService({ dataRoot: path.join(root, 'data'), mode: 'desktop', secrets: box });
    svc.events.on((e) => seen.push(JSON.stringify(e)));
  });
  afterAll(async () => {
    for (const r of restore) r();
    vi.unstubAllEnvs();
    await svc?.close();
    await board?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a passphrase-protected key: probe and deploy work with the stored passphrase', async () => {
    const dev = svc.addDevice('pp-board', ssh(), PASSPHRASE);
    expect(dev.hasSecret).toBe(true);
    const first = await svc.testDevice(dev.id);
    seen.push(first.message);
    expect(first).toMatchObject({ ok: true, message: 'connected: aarch64' });
    // deploy as the profile job does: the decrypted secret goes to the session, never into the device record
    const s = await DeviceSession.open(toDeployDevice(dev), {
      home: deployHome(path.join(root, 'data')),
      secret: box.decrypt(svc.store.deviceSecret(dev.id)!),
      log: (m) => seen.push(m),
    });
    const eqm = payload(300_000, 3);
    const dep = await deployModel(s, { eqm, scales: Buffer.from('{"scales":[]}') }).finally(() => s.close());
    expect(fs.readFileSync(dep.remoteModel).equals(eqm)).toBe(true);
    expect(dep.runner?.sent).toBeGreaterThan(0);
    // the pushed runner answers: the probe now includes `eqrun info`
    const again = await svc.testDevice(dev.id);
    expect(again.ok).toBe(true);
    expect((again.probe?.info as { arch?: string } | undefined)?.arch).toBe('aarch64');
  });

  it('a password login (no key path) connects with the stored password', async () => {
    const dev = svc.addDevice('pw-board', ssh({ keyPath: undefined }), PASSWORD);
    const r = await svc.testDevice(dev.id);
    seen.push(r.message);
    expect(r).toMatchObject({ ok: true, message: 'connected: aarch64' });
  });

  it('a wrong or missing secret gets a message naming the board, not ssh2 text', async () => {
    const cases = [
      { name: 'pp-wrong', config: ssh(), secret: WRONG, want: /passphrase stored for board 'pp-wrong' does not unlock its SSH key/ },
      { name: 'pp-none', config: ssh(), secret: undefined, want: /SSH key .* of board 'pp-none' is protected by a passphrase and none is stored/ },
      { name: 'pw-wrong', config: ssh({ keyPath: undefined }), secret: WRONG, want: /board 'pw-wrong' \(root@127\.0\.0\.1:\d+\): authentication with the stored password failed/ },
    ];
    for (const c of cases) {
      const dev = svc.addDevice(c.name, c.config, c.secret);
      const r = await svc.testDevice(dev.id);
      seen.push(r.message);
      console.log(`[secrets] ${c.name}: ${r.message}`);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(c.want);
      expect(r.message).not.toMatch(/integrity check failed|no passphrase given|All configured authentication methods failed/);
    }
  });

  it('no secret appears in logs, errors, events, the database or any file of the data folder', async () => {
    await svc.close(); // flush the SQLite WAL into the file as well
    const files = filesUnder(root).filter((f) => !f.startsWith(path.join(root, 'runners')));
    expect(files.some((f) => f.endsWith('.sqlite') || f.endsWith('.db'))).toBe(true);
    let hits = 0;
    for (const f of files) {
      const b = fs.readFileSync(f);
      for (const sec of SECRETS) {
        if (!b.includes(sec)) continue;
        hits++;
        console.error(`[secrets] found a secret in ${f}`);
      }
    }
    for (const line of seen) for (const sec of SECRETS) if (line.includes(sec)) hits++;
    console.log(`[secrets] scanned ${files.length} files and ${seen.length} log lines/messages: ${hits} secret hits`);
    expect(seen.length).toBeGreaterThan(5);
    expect(hits).toBe(0);
    svc = new AppService({ dataRoot: path.join(root, 'data'), mode: 'desktop', secrets: box }); // for afterAll
  });
});
