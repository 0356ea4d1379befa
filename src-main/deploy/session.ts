/**
 * One board, connected: opens the right transport for the device, reconnects after a lost
 * link (an upload then resumes from the board's partial file), pushes files through the
 * per-device cache, and runs the runner.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { KnownHosts } from './known-hosts.js';
import { PushCache } from './push-cache.js';
import type { Device } from '../contract/device.js';
import { SerialTransport } from './serial-transport.js';
import { SshTransport } from './ssh-transport.js';
import { DeployError, type Transport } from './transport.js';

export interface SessionOptions {
  home: string;
  /** overrides the device's connect timeout */
  timeoutMs?: number;
  /** reconnect attempts after a lost link, per operation */
  maxReconnects?: number;
  onNewHostKey?: (host: string, fingerprint: string) => void;
  log?: (msg: string) => void;
  /**
   * The board's decrypted secret (SSH boards): the key's passphrase when it has a key path,
   * else its login password. Kept out of Device so it is never written or logged with it.
   */
  secret?: string;
  /** tests: serial frame mangler (fault injection) */
  serialMangle?: (frame: Buffer) => Buffer;
}

export interface PushResult {
  remote: string;
  sha256: string;
  bytes: number;
  /** bytes sent by the attempt that completed (0 when the cache and the board already had it) */
  sent: number;
  cached: boolean;
  /** offsets the upload resumed from after lost links (empty: no interruption) */
  resumes: number[];
}

export function sha256Hex(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

export function connectTransport(d: Device, o: SessionOptions): Promise<Transport> {
  const timeoutMs = o.timeoutMs ?? d.timeoutMs;
  if (d.transport === 'ssh') {
    return SshTransport.connect({
      host: d.host,
      port: d.port,
      user: d.user,
      board: d.name,
      keyPath: d.keyPath,
      ...(d.keyPath ? { passphrase: o.secret } : { password: o.secret }),
      jump: d.jump,
      knownHosts: new KnownHosts(path.join(o.home, 'known_hosts')),
      timeoutMs,
      onNewHostKey: o.onNewHostKey,
    });
  }
  return SerialTransport.connect({ path: d.path, baud: d.baud, timeoutMs, mangle: o.serialMangle });
}

export class DeviceSession {
  private constructor(
    readonly device: Device,
    private t: Transport,
    private readonly o: SessionOptions,
  ) {}

  static async open(device: Device, o: SessionOptions): Promise<DeviceSession> {
    return new DeviceSession(device, await connectTransport(device, o), o);
  }

  get transport(): Transport {
    return this.t;
  }

  /** Remote path inside the device folder. */
  remote(...parts: string[]): string {
    return path.posix.join(this.device.dir, ...parts);
  }

  /**
   * argv running the runner. Over SSH it is the pushed binary; over serial the agent is the
   * runner and runs its own subcommands (argv[0] "eqrun").
   */
  runnerArgv(args: string[]): string[] {
    return this.device.transport === 'serial' ? ['eqrun', ...args] : [this.remote('eqrun'), ...args];
  }

  async reconnect(): Promise<void> {
    await this.t.close().catch(() => undefined);
    const deadline = Date.now() + (this.o.timeoutMs ?? this.device.timeoutMs);
    let last: Error | undefined;
    while (Date.now() < deadline) {
      try {
        this.t = await connectTransport(this.device, { ...this.o, timeoutMs: Math.max(1000, deadline - Date.now()) });
        return;
      } catch (e) {
        last = e as Error;
        if (e instanceof DeployError && (e.kind === 'hostkey' || e.kind === 'config')) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw last ?? new DeployError(`${this.device.name}: reconnect failed`, 'timeout');
  }

  /** Runs `fn`, reconnecting and retrying after a lost link. */
  async retrying<T>(what: string, fn: (t: Transport) => Promise<T>, onRetry?: () => void): Promise<T> {
    const max = this.o.maxReconnects ?? 10;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(this.t);
      } catch (e) {
        if (!(e instanceof DeployError) || e.kind !== 'link' || attempt >= max) throw e;
        this.o.log?.(`${this.device.name}: ${what}: ${e.message}; reconnecting (attempt ${attempt + 1}/${max})`);
        onRetry?.();
        await this.reconnect();
      }
    }
  }

  async exec(argv: string[], timeoutMs?: number) {
    return this.retrying(argv[0]!, (t) => t.exec(argv, { timeoutMs }));
  }

  /** Runs the runner; a non-zero exit becomes an error with the runner's message. */
  async runner(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.exec(this.runnerArgv(args), timeoutMs);
    if (r.code !== 0)
      throw new DeployError(`${this.device.name}: eqrun ${args[0]} failed (exit ${r.signal ? `signal ${r.signal}` : r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** Uploads `data` unless the cache says the board has it and the board confirms the sha256. */
  async push(data: Buffer, remote: string, mode?: number, onProgress?: (sent: number, total: number) => void): Promise<PushResult> {
    const sha = sha256Hex(data);
    const cache = new PushCache(this.o.home, this.device.name);
    if (cache.get(remote) === sha && (await this.retrying('hash', (t) => t.hash(remote))) === sha) {
      return { remote, sha256: sha, bytes: data.length, sent: 0, cached: true, resumes: [] };
    }
    await this.retrying('mkdir', (t) => t.mkdirp(path.posix.dirname(remote)));
    let sent = 0;
    const resumes: number[] = [];
    await this.retrying(`upload ${remote}`, async (t) => {
      const u = await t.upload(data, remote, sha, {
        mode,
        onProgress,
        onStart: (offset) => {
          if (offset > 0) resumes.push(offset);
        },
      });
      sent += u.sent;
      return u;
    });
    cache.set(remote, sha);
    return { remote, sha256: sha, bytes: data.length, sent, cached: false, resumes };
  }

  async close(): Promise<void> {
    await this.t.close();
  }
}
