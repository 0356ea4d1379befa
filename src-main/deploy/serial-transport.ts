/**
 * Serial link to a board running `eqrun agent`, through the `serialport` package and our
 * framed protocol (frame.ts; protocol description in docs/deploy.md):
 *   - requests (HELLO, OPEN, COMMIT, HASH, READ, EXEC) carry an id in `seq` and are retried on
 *     timeout; every one of them is idempotent on the device;
 *   - uploads are go-back-N: DATA frames carry their byte offset, the device answers with
 *     cumulative ACKs and with NAKs on a gap or a bad frame; no progress for a while rewinds
 *     to the last acknowledged offset;
 *   - command output is streamed with offsets; missing pieces are fetched again after EXIT.
 * The link counts as lost when the port closes or nothing (not even the device's 100 ms
 * keepalive) arrives for `linkTimeoutMs`.
 */
import { SerialPort } from 'serialport';
import { encodeFrame, FrameDecoder, FrameType as T, MAX_PAYLOAD, nulFields, type Frame } from './frame.js';
import { DeployError, type ExecResult, type Transport, type UploadOptions, type UploadReport } from './transport.js';

export interface SerialOptions {
  path: string;
  baud: number;
  /** connect timeout (open + HELLO answered) */
  timeoutMs: number;
  /** no byte from the device for this long = link lost */
  linkTimeoutMs?: number;
  /** data frame payload size */
  chunk?: number;
  /** frames in flight */
  window?: number;
  /** tests: transform every outgoing frame (e.g. corrupt some) */
  mangle?: (frame: Buffer) => Buffer;
}

interface Waiter {
  match: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
}

const IDLE_RESET_MS = 200;
const DEBUG = !!process.env.EQ_SERIAL_DEBUG;

export class SerialTransport implements Transport {
  readonly kind = 'serial' as const;
  private readonly dec = new FrameDecoder();
  private waiters: Waiter[] = [];
  private listeners = new Set<(f: Frame) => void>();
  private lastByte = Date.now();
  private lostError?: DeployError;
  private onLost = new Set<(e: DeployError) => void>();
  private timer?: NodeJS.Timeout;
  private reqId = (Math.random() * 0x7fffffff) >>> 0;
  private hello?: { machine: string; root: string };
  /** statistics for tests and reports */
  readonly stats = { framesSent: 0, retransmits: 0, naks: 0 };

  private constructor(
    private readonly port: SerialPort,
    private readonly o: SerialOptions,
  ) {
    port.on('data', (d: Buffer) => this.onData(d));
    port.on('close', () => this.fail(new DeployError(`${o.path}: serial link closed`, 'link')));
    port.on('error', (e: Error) => this.fail(new DeployError(`${o.path}: ${e.message}`, 'link')));
    this.timer = setInterval(() => this.tick(), 50);
  }

  static async connect(o: SerialOptions): Promise<SerialTransport> {
    const port = new SerialPort({ path: o.path, baudRate: o.baud, autoOpen: false });
    const deadline = Date.now() + o.timeoutMs;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new DeployError(`${o.path}: could not open the serial port within ${o.timeoutMs} ms`, 'timeout')), o.timeoutMs);
      port.open((err) => {
        clearTimeout(t);
        if (err) reject(new DeployError(`${o.path}: cannot open serial port: ${err.message}`, 'link'));
        else resolve();
      });
    });
    const t = new SerialTransport(port, o);
    try {
      const f = await t.request(T.Hello, Buffer.alloc(0), [T.HelloOk], Math.max(500, deadline - Date.now()), 'HELLO');
      const info = JSON.parse(f.payload.toString('utf8')) as { machine: string; root: string };
      t.hello = info;
      return t;
    } catch (e) {
      await t.close();
      if (e instanceof DeployError && e.kind === 'timeout')
        throw new DeployError(`${o.path}: no answer from eqrun agent within ${o.timeoutMs} ms (is the agent running on the board?)`, 'timeout');
      throw e;
    }
  }

  private onData(d: Buffer): void {
    this.lastByte = Date.now();
    this.dispatch(this.dec.push(d));
  }

  private dispatch(frames: Frame[]): void {
    for (const f of frames) {
      if (DEBUG && f.type !== T.Keepalive) process.stderr.write(`[serial] <- ${f.type.toString(16)} seq ${f.seq} len ${f.payload.length}\n`);
      for (const l of this.listeners) l(f);
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(f);
    }
  }

  private tick(): void {
    const idle = Date.now() - this.lastByte;
    if (this.dec.partial && idle > IDLE_RESET_MS) this.dispatch(this.dec.timeout());
    if (idle > (this.o.linkTimeoutMs ?? 5000)) this.fail(new DeployError(`${this.o.path}: no data from the board for ${idle} ms (link down?)`, 'timeout'));
  }

  private fail(e: DeployError): void {
    if (this.lostError) return;
    this.lostError = e;
    if (this.timer) clearInterval(this.timer);
    for (const l of this.onLost) l(e);
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  private send(type: number, seq: number, payload?: Buffer): void {
    if (this.lostError) throw this.lostError;
    if (DEBUG) process.stderr.write(`[serial] -> ${type.toString(16)} seq ${seq} len ${payload?.length ?? 0}\n`);
    let f = encodeFrame(type, seq, payload);
    if (this.o.mangle) f = this.o.mangle(f);
    this.stats.framesSent++;
    this.port.write(f);
  }

  /** Resolves with the first frame matching, rejects on timeout or link loss. */
  private waitFor(match: (f: Frame) => boolean, timeoutMs: number, what: string): Promise<Frame> {
    return new Promise((resolve, reject) => {
      if (this.lostError) return reject(this.lostError);
      const w: Waiter = {
        match,
        resolve: (f) => {
          cleanup();
          resolve(f);
        },
      };
      const lost = (e: DeployError) => {
        cleanup();
        reject(e);
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new DeployError(`${this.o.path}: no answer to ${what} within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((x) => x !== w);
        this.onLost.delete(lost);
      };
      this.waiters.push(w);
      this.onLost.add(lost);
    });
  }

  /** Sends a request and waits for its answer (or an ERROR with the same id); retries on timeout. */
  private async request(type: number, payload: Buffer, replies: number[], timeoutMs: number, what: string): Promise<Frame> {
    const id = ++this.reqId >>> 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const wait = this.waitFor((f) => f.seq === id && (replies.includes(f.type) || f.type === T.Error), Math.min(1000, Math.max(1, deadline - Date.now())), what);
      this.send(type, id, payload);
      try {
        const f = await wait;
        if (f.type === T.Error) throw new DeployError(`${this.o.path}: ${f.payload.toString('utf8')}`, 'remote');
        return f;
      } catch (e) {
        if (!(e instanceof DeployError) || e.kind !== 'timeout' || Date.now() >= deadline) throw e;
        this.stats.retransmits++;
      }
    }
  }

  async machine(): Promise<string> {
    return this.hello!.machine;
  }

  async exec(argv: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('empty command');
    const id = ++this.reqId >>> 0;
    const deadline = Date.now() + (opts.timeoutMs ?? 3_600_000);
    const streams = { [T.Stdout]: [] as Buffer[], [T.Stderr]: [] as Buffer[] };
    const got = { [T.Stdout]: 0, [T.Stderr]: 0 };
    const listener = (f: Frame) => {
      if ((f.type === T.Stdout || f.type === T.Stderr) && f.seq === got[f.type]) {
        streams[f.type].push(f.payload);
        got[f.type] += f.payload.length;
      }
    };
    this.listeners.add(listener);
    try {
      let exit: { code: number; signal: number; stdout: number; stderr: number } | undefined;
      while (!exit) {
        if (Date.now() >= deadline) throw new DeployError(`${this.o.path}: '${argv.join(' ')}' did not finish within ${opts.timeoutMs} ms`, 'timeout');
        // a repeated EXEC with the same id is a status query: the agent re-sends EXIT when done
        const wait = this.waitFor((f) => f.seq === id && (f.type === T.Exit || f.type === T.Error), 1000, 'EXEC');
        this.send(T.Exec, id, nulFields(argv));
        try {
          const f = await wait;
          if (f.type === T.Error) throw new DeployError(`${this.o.path}: ${f.payload.toString('utf8')}`);
          exit = JSON.parse(f.payload.toString('utf8'));
        } catch (e) {
          if (!(e instanceof DeployError) || e.kind !== 'timeout') throw e;
        }
      }
      for (const [type, want] of [[T.Stdout, exit.stdout] as const, [T.Stderr, exit.stderr] as const]) {
        while (got[type] < want) {
          const before = got[type];
          const more = this.waitFor(() => got[type] >= want, 1000, 'FETCH').catch(() => undefined);
          this.send(T.Fetch, id, nulFields([type === T.Stdout ? 1 : 2, before]));
          await more;
          if (Date.now() >= deadline) throw new DeployError(`${this.o.path}: output of '${argv[0]}' incomplete`, 'timeout');
        }
      }
      return {
        code: exit.code,
        signal: exit.signal ? String(exit.signal) : undefined,
        stdout: Buffer.concat(streams[T.Stdout]).toString('utf8'),
        stderr: Buffer.concat(streams[T.Stderr]).toString('utf8'),
      };
    } finally {
      this.listeners.delete(listener);
    }
  }

  async mkdirp(dir: string): Promise<void> {
    const r = await this.exec(['mkdir', '-p', '--', dir], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new DeployError(`${this.o.path}: cannot create ${dir}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  async hash(p: string): Promise<string | null> {
    const f = await this.request(T.Hash, Buffer.from(p, 'utf8'), [T.HashOk], 120_000, 'HASH');
    const s = f.payload.toString('utf8');
    return s || null;
  }

  async upload(data: Buffer, remote: string, sha256: string, opts: UploadOptions = {}): Promise<UploadReport> {
    const chunk = Math.min(this.o.chunk ?? 4096, MAX_PAYLOAD);
    const window = (this.o.window ?? 16) * chunk;
    const open = await this.request(T.Open, nulFields([remote, data.length, sha256, (opts.mode ?? 0o644).toString(8)]), [T.OpenOk], 30_000, 'OPEN');
    const resumedFrom = Number(open.payload.toString('utf8'));
    if (!Number.isInteger(resumedFrom) || resumedFrom < 0 || resumedFrom > data.length) throw new DeployError(`${this.o.path}: bad OPEN answer '${open.payload.toString('utf8')}'`);
    opts.onStart?.(resumedFrom);
    let base = resumedFrom;
    let next = base;
    let sent = 0;
    let lastProgress = Date.now();
    let rewoundTo = -1;
    let rewoundAt = 0;
    const rewind = (to: number) => {
      next = to;
      rewoundTo = to;
      rewoundAt = Date.now();
    };
    await new Promise<void>((resolve, reject) => {
      let finished = false;
      const done = (err?: Error) => {
        if (finished) return;
        finished = true;
        this.listeners.delete(onFrame);
        this.onLost.delete(onLost);
        clearInterval(timer);
        if (err) reject(err);
        else resolve();
      };
      const pump = () => {
        try {
          while (next < data.length && next - base < window) {
            const n = Math.min(chunk, data.length - next);
            this.send(T.Data, next, data.subarray(next, next + n));
            sent += n;
            next += n;
          }
        } catch (e) {
          done(e as Error);
        }
      };
      const onFrame = (f: Frame) => {
        if (f.type === T.Ack || f.type === T.Nak) {
          if (f.seq > base && f.seq <= data.length) {
            base = f.seq;
            lastProgress = Date.now();
            opts.onProgress?.(base, data.length);
          } else if (f.type === T.Ack && f.seq === base && next > base && Date.now() - lastProgress > 150 && Date.now() - rewoundAt > 300) {
            // the device's periodic ACK still points at `base` although more was sent: lost frames
            this.stats.retransmits++;
            rewind(base);
            lastProgress = Date.now();
          }
          if (f.type === T.Nak) {
            this.stats.naks++;
            // a second NAK for the offset just resent, within a round trip, is about the old window
            if (!(f.seq === rewoundTo && Date.now() - rewoundAt < 300)) rewind(Math.max(base, f.seq));
          }
          if (base >= data.length) return done();
          pump();
        } else if (f.type === T.Error) {
          done(new DeployError(`${this.o.path}: ${f.payload.toString('utf8')}`, 'remote'));
        }
      };
      const onLost = (e: DeployError) => done(e);
      // no progress for a while: resend from the last acknowledged offset
      const timer = setInterval(() => {
        if (Date.now() - lastProgress > 400 && next > base) {
          this.stats.retransmits++;
          rewind(base);
          lastProgress = Date.now();
          pump();
        }
      }, 100);
      this.listeners.add(onFrame);
      this.onLost.add(onLost);
      if (base >= data.length) return done();
      pump();
    });
    const commit = await this.request(T.Commit, nulFields([remote, sha256]), [T.CommitOk], 120_000, 'COMMIT');
    if (commit.payload.toString('utf8') !== sha256)
      throw new DeployError(`${this.o.path}: device reports sha256 ${commit.payload.toString('utf8')} for ${remote}, expected ${sha256}`, 'integrity');
    return { bytes: data.length, sent, resumedFrom };
  }

  async download(remote: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const f = await this.request(T.Read, nulFields([remote, offset, MAX_PAYLOAD - 16]), [T.ReadData], 30_000, 'READ');
      const size = Number(f.payload.readBigUInt64LE(0));
      const at = Number(f.payload.readBigUInt64LE(8));
      if (at !== offset) continue;
      const piece = f.payload.subarray(16);
      parts.push(piece);
      offset += piece.length;
      if (offset >= size) break;
      if (piece.length === 0) throw new DeployError(`${this.o.path}: ${remote} shrank while reading`);
    }
    return Buffer.concat(parts);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.lostError ??= new DeployError(`${this.o.path}: closed`, 'link');
    if (this.port.isOpen) await new Promise<void>((r) => this.port.close(() => r()));
  }
}
