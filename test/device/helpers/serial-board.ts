/**
 * A simulated aarch64 board on a serial line, on this machine only: a `socat` pty pair (the
 * host opens `hostPath`), with `eqrun agent` under qemu-aarch64-static on the other end.
 *   - restart(): the link is cut (socat and the agent killed) and comes back, like a board that
 *     lost its cable; files (and partial uploads) in `root` survive;
 *   - corrupt: a relay between the pty and the agent's stdin/stdout damages one byte in that
 *     fraction of frames, in both directions;
 *   - wrap: a command prefix for the agent (e.g. setpriv to drop root, or unshare + a tiny tmpfs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { killQuietly, waitUntil } from './procs.js';

export interface SerialBoardOptions {
  cpu: 'cortex-a53' | 'cortex-a76';
  runner: string;
  /** fraction of frames damaged by the relay (0: direct pty link) */
  corrupt?: number;
  /** argv prefix for the agent process */
  wrap?: string[];
  /** seed of the corruption choices */
  seed?: number;
  /** false: no agent on the line (a board that does not answer) */
  agent?: boolean;
  /** run `runner` directly instead of under qemu-aarch64-static (a host-architecture runner) */
  native?: boolean;
  /** the agent sees a 256 KiB tmpfs at <root>/tiny (private mount namespace): full-disk faults */
  tinyTmpfs?: boolean;
  /** run the agent as this unprivileged uid (setpriv): permission faults */
  uid?: number;
}

export interface SerialBoard {
  hostPath: string;
  /** agent root (absolute; use as the device's dir or pass relative paths) */
  root: string;
  framesCorrupted: () => number;
  restart(): Promise<void>;
  /** cut the link now (socat and the agent die), without bringing it back */
  cut(): void;
  stop(): Promise<void>;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Cuts a byte stream into frames by their header (the input is clean) and damages some. */
class FrameCorrupter {
  private buf = Buffer.alloc(0);
  corrupted = 0;
  constructor(
    private readonly p: number,
    private readonly rnd: () => number,
  ) {}
  push(d: Buffer): Buffer {
    this.buf = Buffer.concat([this.buf, d]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.buf.length < 12) break;
      if (this.buf[0] !== 0xa5 || this.buf[1] !== 0x51) {
        // not at a frame start (should not happen on a clean stream): pass one byte on
        out.push(this.buf.subarray(0, 1));
        this.buf = this.buf.subarray(1);
        continue;
      }
      const total = 12 + this.buf.readUInt32LE(8) + 4;
      if (this.buf.length < total) break;
      const f = Buffer.from(this.buf.subarray(0, total));
      this.buf = this.buf.subarray(total);
      if (this.rnd() < this.p) {
        const at = 2 + Math.floor(this.rnd() * (total - 2));
        f[at] = f[at]! ^ (1 + Math.floor(this.rnd() * 255));
        this.corrupted++;
      }
      out.push(f);
    }
    return Buffer.concat(out);
  }
}

export async function startSerialBoard(o: SerialBoardOptions): Promise<SerialBoard> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-serialboard-'));
  const root = path.join(tmp, 'board');
  fs.chmodSync(tmp, 0o755); // an agent running as another user must reach its root and the pty
  fs.mkdirSync(root, { mode: 0o755 });
  const hostPath = path.join(tmp, 'host');
  const devPath = path.join(tmp, 'dev');
  let socat: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let relayPort: SerialPort | undefined;
  const corrupters: FrameCorrupter[] = [];
  const rnd = lcg(o.seed ?? 1);
  let generation = 0;

  const startLink = async () => {
    const gen = ++generation;
    for (const p of [hostPath, devPath]) fs.rmSync(p, { force: true });
    socat = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devPath}`], { stdio: 'ignore' });
    await waitUntil(() => fs.existsSync(hostPath) && fs.existsSync(devPath), 'socat ptys');
    // the agent may run as an unprivileged user
    fs.chmodSync(fs.realpathSync(devPath), 0o666);
    if (o.agent === false) return;
    const wrap = [...(o.wrap ?? [])];
    if (o.uid !== undefined) wrap.push('setpriv', `--reuid=${o.uid}`, `--regid=${o.uid}`, '--clear-groups');
    if (o.tinyTmpfs) {
      fs.mkdirSync(path.join(root, 'tiny'), { recursive: true });
      wrap.unshift('unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=256k tmpfs '${path.join(root, 'tiny')}' && exec "$@"`, 'sh');
    }
    const base = [...(o.native ? [] : ['qemu-aarch64-static', '-cpu', o.cpu]), o.runner, 'agent', '--root', root];
    if (!o.corrupt) {
      const argv = [...wrap, ...base, '--tty', devPath];
      agent = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
      return;
    }
    const argv = [...wrap, ...base];
    const a = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    agent = a;
    const port = new SerialPort({ path: devPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((r, j) => port.open((e) => (e ? j(e) : r())));
    relayPort = port;
    const toAgent = new FrameCorrupter(o.corrupt, rnd);
    const toHost = new FrameCorrupter(o.corrupt, rnd);
    corrupters.push(toAgent, toHost);
    port.on('data', (d: Buffer) => {
      if (gen === generation && a.stdin!.writable) a.stdin!.write(toAgent.push(d));
    });
    port.on('error', () => undefined);
    a.stdin!.on('error', () => undefined);
    a.stdout!.on('data', (d: Buffer) => {
      if (gen === generation && port.isOpen) port.write(toHost.push(d));
    });
  };

  const cut = () => {
    generation++;
    if (agent?.pid) killQuietly(agent.pid);
    if (socat?.pid) killQuietly(socat.pid);
    if (relayPort?.isOpen) relayPort.close(() => undefined);
    agent = socat = relayPort = undefined;
  };

  await startLink();
  return {
    hostPath,
    root,
    framesCorrupted: () => corrupters.reduce((a, c) => a + c.corrupted, 0),
    cut,
    async restart() {
      cut();
      await new Promise((r) => setTimeout(r, 200));
      await startLink();
    },
    async stop() {
      cut();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
