/**
 * SSH link to a board through the `ssh2` package: host-key check against our known-hosts file
 * (trust on first use, changed key refused), optional jump host, remote commands built from
 * quoted argv, SFTP uploads to a temporary name that resume after a cut connection, sha256
 * check on the board, then an atomic rename (posix-rename@openssh.com).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { KnownHosts } from './known-hosts.js';
import { quoteCommand } from './shell-quote.js';
import { DeployError, type ExecResult, type Transport, type UploadOptions, type UploadReport } from './transport.js';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  keyPath: string;
}

/** How to log in to a board: a key file (maybe passphrase-protected) or a password. */
export interface SshAuth {
  keyPath?: string;
  /** decrypts `keyPath` (never logged, never part of an error message) */
  passphrase?: string;
  /** password login when there is no key path (never logged, never part of an error message) */
  password?: string;
}

export interface SshOptions extends Omit<SshEndpoint, 'keyPath'>, SshAuth {
  /** the board's name, for error messages */
  board?: string;
  jump?: SshEndpoint;
  knownHosts: KnownHosts;
  /** connect (TCP + handshake) timeout */
  timeoutMs: number;
  /** called with the fingerprint when a host key is trusted for the first time */
  onNewHostKey?: (host: string, fingerprint: string) => void;
}

const CHUNK = 32 * 1024;

/**
 * Reads a private key and checks that ssh2 can use it (with `passphrase` when given), so a wrong
 * file, a missing or a wrong passphrase is reported as such before any connection, naming the
 * board (ssh2's own texts are "Encrypted private OpenSSH key detected, but no passphrase given"
 * and "OpenSSH key integrity check failed -- bad passphrase?").
 */
export function readKey(p: string, passphrase?: string, board?: string): Buffer {
  const of = board ? ` of board '${board}'` : '';
  let buf: Buffer;
  try {
    buf = fs.readFileSync(p);
  } catch (e) {
    throw new DeployError(`cannot read SSH key ${p}${of}: ${(e as Error).message}`, 'config');
  }
  // ssh2 is CommonJS: `utils` is not a named export Node's ESM loader can see
  const parsed = ssh2.utils.parseKey(buf, passphrase);
  if (parsed instanceof Error) {
    if (passphrase === undefined && /encrypted|passphrase/i.test(parsed.message)) {
      throw new DeployError(
        `SSH key ${p}${of} is protected by a passphrase and none is stored for this board: add the board in the desktop app ` +
          `with the key's passphrase, or give it a key without one (ssh-keygen -t ed25519 -N '' -f <file>, then add <file>.pub to the board's ~/.ssh/authorized_keys)`,
        'config',
      );
    }
    if (passphrase !== undefined && /passphrase|integrity|malformed|decrypt/i.test(parsed.message)) {
      throw new DeployError(
        `the passphrase stored for board '${board ?? p}' does not unlock its SSH key ${p}: remove the board and add it again with the right passphrase`,
        'config',
      );
    }
    throw new DeployError(`SSH key ${p}${of} is not a private key ssh2 can read (${parsed.message})`, 'config');
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new DeployError(`SSH key ${p}${of} is a public key; give the private key (the same name without .pub)`, 'config');
  return buf;
}

/** Opens one authenticated ssh2 client (over `sock` when going through a jump host). */
function connectClient(ep: Omit<SshEndpoint, 'keyPath'> & SshAuth, o: SshOptions, sock?: Duplex): Promise<Client> {
  return new Promise((resolve, reject) => {
    const board = o.board ? `board '${o.board}' (${ep.user}@${ep.host}:${ep.port})` : `${ep.user}@${ep.host}:${ep.port}`;
    if (!ep.keyPath && ep.password === undefined) return reject(new DeployError(`${board}: no SSH key path and no password: give the board a private key or a password`, 'config'));
    let privateKey: Buffer | undefined;
    try {
      privateKey = ep.keyPath ? readKey(ep.keyPath, ep.passphrase, o.board) : undefined;
    } catch (e) {
      return reject(e as Error);
    }
    const c = new Client();
    let hostKeyError: DeployError | undefined;
    let settled = false;
    const where = `${ep.user}@${ep.host}:${ep.port}`;
    // ssh2's readyTimeout does not cover a TCP connect that never completes: our own timer does
    const timer = setTimeout(() => finish(new DeployError(`${where}: no SSH connection within ${o.timeoutMs} ms (unreachable or not answering)`, 'timeout')), o.timeoutMs);
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        c.end();
        c.destroy();
        reject(err);
      } else resolve(c);
    };
    c.on('ready', () => finish());
    // boards using PAM ask for the password through keyboard-interactive
    c.on('keyboard-interactive', (_name, _instr, _lang, prompts, answer) => answer(prompts.map(() => ep.password ?? '')));
    c.on('error', (e: Error & { level?: string }) => {
      if (hostKeyError) return finish(hostKeyError);
      const how = ep.keyPath ? `key ${ep.keyPath}` : 'the stored password';
      // a refused login does not get better by reconnecting: 'config', not 'link'
      if (e.level === 'client-authentication') return finish(new DeployError(`${board}: authentication with ${how} failed (the board refused it)`, 'config'));
      finish(new DeployError(`${where}: ${e.message}`, /timed out/i.test(e.message) ? 'timeout' : 'link'));
    });
    c.on('close', () => finish(hostKeyError ?? new DeployError(`${where}: connection closed during the handshake`, 'link')));
    const cfg: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      ...(privateKey ? { privateKey, ...(ep.passphrase !== undefined ? { passphrase: ep.passphrase } : {}) } : { password: ep.password, tryKeyboard: true }),
      readyTimeout: o.timeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const r = o.knownHosts.check(ep.host, ep.port, key);
        if (r.status === 'changed') {
          hostKeyError = new DeployError(
            `${where}: HOST KEY CHANGED: the board presents ${r.fingerprint} but ${o.knownHosts.file} has ${r.expected}; refusing to connect ` +
              `(if the board was re-imaged, remove the old key with 'easyquant devices forget-key')`,
            'hostkey',
          );
          return false;
        }
        if (r.status === 'new') o.onNewHostKey?.(`${ep.host}:${ep.port}`, r.fingerprint);
        return true;
      },
      ...(sock ? { sock } : {}),
    };
    c.connect(cfg);
    c.setNoDelay(true); // small SFTP writes would otherwise wait for Nagle's algorithm
  });
}

export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  private sftpP?: Promise<SFTPWrapper>;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly jump: Client | undefined,
    private readonly where: string,
  ) {
    client.on('close', () => {
      this.closed = true;
    });
    client.on('error', () => {
      this.closed = true;
    });
  }

  static async connect(o: SshOptions): Promise<SshTransport> {
    let jump: Client | undefined;
    let sock: Duplex | undefined;
    if (o.jump) {
      jump = await connectClient(o.jump, o);
      const j = jump;
      sock = await new Promise<Duplex>((resolve, reject) =>
        j.forwardOut('127.0.0.1', 0, o.host, o.port, (err, ch) =>
          err ? reject(new DeployError(`jump host ${o.jump!.host}: cannot reach ${o.host}:${o.port}: ${err.message}`, 'link')) : resolve(ch),
        ),
      );
    }
    try {
      const c = await connectClient(o, o, sock);
      return new SshTransport(c, jump, `${o.user}@${o.host}:${o.port}`);
    } catch (e) {
      jump?.end();
      throw e;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private lost(what: string, e?: Error): DeployError {
    return new DeployError(`${this.where}: connection lost during ${what}${e ? ` (${e.message})` : ''}`, 'link');
  }

  exec(argv: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const cmd = quoteCommand(argv);
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.lost(argv[0]!));
      this.client.exec(cmd, (err, stream) => {
        if (err) return reject(this.lost(argv[0]!, err));
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        let done = false;
        if (opts.timeoutMs) {
          timer = setTimeout(() => {
            done = true;
            stream.close();
            reject(new DeployError(`${this.where}: '${argv.join(' ')}' did not finish within ${opts.timeoutMs} ms`, 'timeout'));
          }, opts.timeoutMs);
        }
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errb.push(d));
        stream.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          if (done) return;
          done = true;
          if (code === null || code === undefined) {
            if (signal) return resolve({ code: -1, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8') });
            return reject(this.lost(argv[0]!));
          }
          resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8') });
        });
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= new Promise((resolve, reject) => this.client.sftp((err, s) => (err ? reject(this.lost('sftp start', err)) : resolve(s))));
    return this.sftpP;
  }

  async machine(): Promise<string> {
    const r = await this.exec(['uname', '-m'], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new DeployError(`${this.where}: uname -m failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }

  async mkdirp(dir: string): Promise<void> {
    const r = await this.exec(['mkdir', '-p', '--', dir], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new DeployError(`${this.where}: cannot create ${dir}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  async hash(p: string): Promise<string | null> {
    const r = await this.exec(['sha256sum', '--', p], { timeoutMs: 120_000 });
    if (r.code !== 0) {
      if (/No such file/i.test(r.stderr)) return null;
      throw new DeployError(`${this.where}: sha256sum ${p} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
    return r.stdout.trim().split(/\s+/)[0] ?? null;
  }

  private sizeOf(s: SFTPWrapper, p: string): Promise<number | null> {
    return new Promise((resolve) => s.stat(p, (err, st) => resolve(err ? null : st.size)));
  }

  private call(what: string, f: (cb: (err?: Error | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) =>
      f((err) => {
        if (!err) return resolve();
        if (this.closed) return reject(this.lost(what, err));
        reject(new DeployError(`${this.where}: ${what}: ${describeSftpError(err)}`));
      }),
    );
  }

  async upload(data: Buffer, remote: string, sha256: string, opts: UploadOptions = {}): Promise<UploadReport> {
    const s = await this.sftp();
    const tmp = path.posix.join(path.posix.dirname(remote), `.${path.posix.basename(remote)}.eqpart-${sha256.slice(0, 16)}`);
    let offset = (await this.sizeOf(s, tmp)) ?? 0;
    if (offset > data.length) offset = 0;
    const handle = await new Promise<Buffer>((resolve, reject) =>
      s.open(tmp, offset > 0 ? 'r+' : 'w', 0o600, (err, h) => {
        if (!err) return resolve(h);
        if (this.closed) return reject(this.lost(`upload of ${remote}`, err));
        reject(new DeployError(`${this.where}: cannot create ${tmp}: ${describeSftpError(err)}`));
      }),
    ).catch((e) => this.explainWriteFailure(e, tmp, data.length - offset));
    const resumedFrom = offset;
    opts.onStart?.(offset);
    // a few writes in flight, in order (sftp-server applies them in order, so a cut leaves a prefix)
    let pos = offset;
    const inflight: Promise<void>[] = [];
    try {
      while (pos < data.length) {
        const n = Math.min(CHUNK, data.length - pos);
        const at = pos;
        inflight.push(this.call(`write ${tmp}`, (cb) => s.write(handle, data, at, n, at, (e) => cb(e))));
        pos += n;
        if (inflight.length >= 8) await inflight.shift();
        opts.onProgress?.(pos, data.length);
      }
      await Promise.all(inflight);
    } catch (e) {
      await Promise.allSettled(inflight);
      await this.explainWriteFailure(e, tmp, data.length - pos);
    } finally {
      if (!this.closed) await new Promise<void>((r) => s.close(handle, () => r()));
    }
    const got = await this.hash(tmp);
    if (got !== sha256) {
      await this.call(`remove ${tmp}`, (cb) => s.unlink(tmp, cb)).catch(() => undefined);
      throw new DeployError(`${this.where}: sha256 of uploaded ${remote} is ${got}, expected ${sha256}; the temporary file was removed`, 'integrity');
    }
    if (opts.mode !== undefined) await this.call(`chmod ${tmp}`, (cb) => s.chmod(tmp, opts.mode!, cb));
    await this.call(`rename ${tmp} to ${remote}`, (cb) => s.ext_openssh_rename(tmp, remote, cb));
    return { bytes: data.length, sent: data.length - resumedFrom, resumedFrom };
  }

  /**
   * SFTP reports a full disk or a read-only folder as a bare "Failure": ask the board (df,
   * test -w) and throw an error that says which it is.
   */
  private async explainWriteFailure(e: unknown, file: string, needBytes: number): Promise<never> {
    if (!(e instanceof DeployError) || e.kind !== 'remote' || this.closed) throw e;
    const dir = path.posix.dirname(file);
    const w = await this.exec(['test', '-w', dir], { timeoutMs: 30_000 }).catch(() => null);
    if (w && w.code !== 0) throw new DeployError(`${this.where}: permission denied: cannot write to ${dir} on the board (read-only or not writable by this user)`);
    const df = await this.exec(['df', '-Pk', '--', dir], { timeoutMs: 30_000 }).catch(() => null);
    const freeKb = Number(df?.stdout.trim().split('\n').pop()?.split(/\s+/)[3]);
    if (Number.isFinite(freeKb) && freeKb * 1024 < needBytes)
      throw new DeployError(`${this.where}: no space left on device: ${dir} has ${freeKb} KiB free, ${Math.ceil(needBytes / 1024)} KiB more needed`);
    throw e;
  }

  async download(remote: string): Promise<Buffer> {
    const s = await this.sftp();
    return new Promise((resolve, reject) =>
      s.readFile(remote, (err: Error | null | undefined, b: Buffer) =>
        err ? reject(this.closed ? this.lost(`download of ${remote}`, err) : new DeployError(`${this.where}: cannot read ${remote}: ${describeSftpError(err)}`)) : resolve(b),
      ),
    );
  }

  async close(): Promise<void> {
    this.client.end();
    this.jump?.end();
  }

  /** Tests: cut the TCP connection without a clean SSH disconnect. */
  destroy(): void {
    this.client.destroy();
  }
}

/** SFTP status codes carry little text: spell out the common ones (full disk, permissions). */
function describeSftpError(err: Error & { code?: number }): string {
  const byCode: Record<number, string> = { 2: 'no such file or directory', 3: 'permission denied (or read-only file system)', 4: 'failure (often: no space left on device)' };
  const extra = err.code !== undefined ? byCode[err.code] : undefined;
  return extra && !err.message.toLowerCase().includes(extra.split(' ')[0]!) ? `${err.message} (${extra})` : err.message;
}
