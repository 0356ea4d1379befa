/**
 * Acceptance 2 (SSH faults) on a simulated board: connections killed mid-upload, a changed host
 * key, an unreachable board, a full disk and a read-only folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSession, sha256Hex } from '../../src-main/deploy/session.js';
import type { Device } from '../../src-main/contract/device.js';
import { DeployError } from '../../src-main/deploy/transport.js';
import { payload } from './helpers/payload.js';
import { silentServer } from './helpers/procs.js';
import { startSshBoard, type SshBoard } from './helpers/ssh-board.js';
import { scaled } from './helpers/timeouts.js';

describe('SSH transfer faults', () => {
  let board: SshBoard;
  let home: string;
  /** a deploy home of its own (known_hosts, cache) for one test */
  const freshHome = () => fs.mkdtempSync(path.join(home, 'h-'));
  const device = (over: Partial<Device> = {}): Device =>
    ({ transport: 'ssh', name: 'faulty', host: '127.0.0.1', port: board.port, user: 'root', keyPath: board.keyPath, dir: board.dir, timeoutMs: scaled(15_000), ...over }) as Device;

  beforeAll(async () => {
    board = await startSshBoard({ cpu: 'cortex-a53' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-deployhome-'));
  });
  afterAll(async () => {
    await board?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('an upload whose connection is killed 5 times resumes each time, is verified, and never exposes a partial file', async () => {
    const data = payload(48 << 20, 7);
    const target = path.join(board.dir, 'big.bin');
    const s = await DeviceSession.open(device(), { home: freshHome() });
    // cut when the board's temporary file has grown past each mark (what really reached the board)
    const cuts = [0.1, 0.25, 0.4, 0.55, 0.7];
    const cutAt: number[] = [];
    const targetSeenEarly: boolean[] = [];
    const watcher = setInterval(() => {
      if (cutAt.length >= cuts.length) return;
      const part = fs.readdirSync(board.dir).find((f) => f.startsWith('.big.bin.eqpart-'));
      const size = part ? fs.statSync(path.join(board.dir, part)).size : 0;
      if (size >= cuts[cutAt.length]! * data.length) {
        cutAt.push(size);
        targetSeenEarly.push(fs.existsSync(target));
        board.killSessions(); // kills the sshd session processes: the TCP connection drops
      }
    }, 10);
    const r = await s.push(data, target, 0o644).finally(() => clearInterval(watcher));
    await s.close();
    console.log(
      `[faults-ssh] cuts at ${cutAt.map((x) => (x / 1e6).toFixed(1)).join(', ')} MB on the board; resumed from ${r.resumes.map((x) => (x / 1e6).toFixed(1)).join(', ')} MB; ${(r.sent / 1e6).toFixed(1)} MB sent for ${(data.length / 1e6).toFixed(1)} MB`,
    );
    expect(cutAt).toHaveLength(5);
    expect(targetSeenEarly).toEqual([false, false, false, false, false]);
    expect(r.resumes).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      expect(r.resumes[i]).toBeGreaterThan(0);
      if (i) expect(r.resumes[i]).toBeGreaterThanOrEqual(r.resumes[i - 1]!);
    }
    expect(r.sha256).toBe(sha256Hex(data));
    expect(fs.readFileSync(target).equals(data)).toBe(true);
    expect(fs.readdirSync(board.dir).filter((f) => f.includes('eqpart'))).toEqual([]);
  });

  it('a changed host key is refused with both fingerprints', async () => {
    const seen: string[] = [];
    const h = freshHome();
    const s = await DeviceSession.open(device(), { home: h, onNewHostKey: (_h, fp) => seen.push(fp) });
    await s.close();
    expect(seen).toHaveLength(1);
    // the same key again: accepted silently
    await (await DeviceSession.open(device(), { home: h, onNewHostKey: (_h, fp) => seen.push(fp) })).close();
    expect(seen).toHaveLength(1);
    await board.regenerateHostKey();
    const err = await DeviceSession.open(device(), { home: h }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).kind).toBe('hostkey');
    expect((err as DeployError).message).toMatch(/HOST KEY CHANGED/);
    expect((err as DeployError).message).toContain(seen[0]!);
  });

  it('an unreachable board times out with a clear message within the configured timeout', async () => {
    const silent = await silentServer();
    try {
      const t0 = Date.now();
      const err = await DeviceSession.open(device({ port: silent.port, timeoutMs: 1500 }), { home: freshHome() }).then(
        () => null,
        (e: unknown) => e as DeployError,
      );
      const ms = Date.now() - t0;
      expect(err).toBeInstanceOf(DeployError);
      expect(err!.kind).toBe('timeout');
      expect(err!.message).toMatch(/within 1500 ms|timed out/i);
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(ms).toBeLessThan(1500 + scaled(2000));
    } finally {
      await silent.close();
    }
  });

  it('a full disk on the board gives a clear message', async () => {
    const s = await DeviceSession.open(device({ dir: path.join(board.root, 'tiny') }), { home: freshHome() });
    try {
      const err = await s.push(payload(1 << 20, 3), path.join(board.root, 'tiny', 'model.eqm')).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/no space left on device: .*tiny has \d+ KiB free/);
    } finally {
      await s.close();
    }
  });

  it('a folder the board cannot write gives a clear permission message', async () => {
    const s = await DeviceSession.open(device({ dir: path.join(board.root, 'ro') }), { home: freshHome() });
    try {
      const err = await s.push(payload(4096, 4), path.join(board.root, 'ro', 'model.eqm')).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/permission denied: cannot write to .*\/ro on the board/);
    } finally {
      await s.close();
    }
  });
});
