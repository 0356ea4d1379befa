/**
 * Acceptance 2 (serial faults) on a simulated board (socat pty pair, `eqrun agent` under
 * qemu-aarch64-static): the link cut 5 times mid-transfer, 5 % of frames corrupted, a board that
 * does not answer, a full disk and a permission error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSession, sha256Hex } from '../../src-main/deploy/session.js';
import type { SerialTransport } from '../../src-main/deploy/serial-transport.js';
import { DeployError } from '../../src-main/deploy/transport.js';
import { payload } from './helpers/payload.js';
import { ensureRunner } from './helpers/runners.js';
import { startSerialBoard, type SerialBoard } from './helpers/serial-board.js';
import { scaled } from './helpers/timeouts.js';

describe('serial transfer faults', () => {
  let runner: string;
  let home: string;
  const boards: SerialBoard[] = [];
  const freshHome = () => fs.mkdtempSync(path.join(home, 'h-'));
  const board = async (o: Omit<Parameters<typeof startSerialBoard>[0], 'runner'>) => {
    const b = await startSerialBoard({ ...o, runner });
    boards.push(b);
    return b;
  };
  const open = (b: SerialBoard, timeoutMs = scaled(20_000)) =>
    DeviceSession.open({ transport: 'serial', name: 'serial-board', path: b.hostPath, baud: 115200, dir: 'eq', timeoutMs }, { home: freshHome() });

  beforeAll(() => {
    runner = ensureRunner('linux-aarch64');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-deployhome-'));
  });
  afterAll(async () => {
    for (const b of boards) await b.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('a link closed 5 times mid-transfer resumes from the partial file each time; only the verified file appears', async () => {
    const b = await board({ cpu: 'cortex-a53' });
    const data = payload(3 << 20, 11);
    const target = path.join(b.root, 'eq', 'model.eqm');
    const s = await open(b);
    const cuts = [0.1, 0.25, 0.4, 0.55, 0.7];
    const cutAt: number[] = [];
    const targetSeenEarly: boolean[] = [];
    let restarting: Promise<void> | undefined;
    const r = await s.push(data, 'eq/model.eqm', 0o644, (acked) => {
      if (restarting || cutAt.length >= cuts.length || acked < cuts[cutAt.length]! * data.length) return;
      cutAt.push(acked);
      targetSeenEarly.push(fs.existsSync(target));
      // the cable is pulled (socat and the agent die) and plugged back 200 ms later
      restarting = b.restart().finally(() => (restarting = undefined));
    });
    await s.close();
    console.log(
      `[faults-serial] cuts after ${cutAt.map((x) => (x / 1e6).toFixed(2)).join(', ')} MB acknowledged; resumed from ${r.resumes.map((x) => (x / 1e6).toFixed(2)).join(', ')} MB`,
    );
    expect(cutAt).toHaveLength(5);
    expect(targetSeenEarly).toEqual([false, false, false, false, false]);
    expect(r.resumes).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(r.resumes[i]).toBeGreaterThanOrEqual(cutAt[i]!); // nothing acknowledged was sent again
    expect(r.sha256).toBe(sha256Hex(data));
    expect(fs.readFileSync(target).equals(data)).toBe(true);
    expect(fs.readdirSync(path.join(b.root, 'eq')).filter((f) => f.includes('eqpart'))).toEqual([]);
  });

  // Three corruption sequences. One of them once stalled for minutes before the frame header
  // got its own check (frame.ts): a damaged length left the host waiting for bytes.
  for (const seed of [5, 6, 7]) {
    it(`5% of frames corrupted in both directions (seed ${seed}): the transfer and a command still complete correctly`, { timeout: scaled(120_000) }, async () => {
      const b = await board({ cpu: 'cortex-a76', corrupt: 0.05, seed });
      const data = payload(2 << 20, 12);
      const t0 = Date.now();
      const s = await open(b);
      const t1 = Date.now();
      const r = await s.push(data, 'eq/data.bin');
      const t2 = Date.now();
      const hash = await s.exec(['eqrun', 'hash', 'eq/data.bin']);
      console.log(`[faults-serial] 5% seed ${seed}: connect ${t1 - t0} ms, push ${t2 - t1} ms, exec ${Date.now() - t2} ms`);
      const stats = (s.transport as SerialTransport).stats;
      await s.close();
      console.log(
        `[faults-serial] 5% seed ${seed}: ${b.framesCorrupted()} frames corrupted, ${stats.naks} NAKs, ${stats.retransmits} timeouts; ${(r.sent / 1e6).toFixed(2)} MB sent for ${(data.length / 1e6).toFixed(2)} MB`,
      );
      expect(b.framesCorrupted()).toBeGreaterThan(20);
      expect(stats.naks + stats.retransmits).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(b.root, 'eq', 'data.bin')).equals(data)).toBe(true);
      expect(hash.code).toBe(0);
      expect(hash.stdout).toBe(`${sha256Hex(data)}  eq/data.bin\n`);
    });
  }

  it('a board that does not answer times out with a clear message within the configured timeout', async () => {
    const b = await board({ cpu: 'cortex-a53', agent: false });
    const t0 = Date.now();
    const err = await open(b, 1500).then(
      () => null,
      (e: unknown) => e as DeployError,
    );
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(DeployError);
    expect(err!.kind).toBe('timeout');
    expect(err!.message).toMatch(/no answer from eqrun agent within 1500 ms/);
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(1500 + scaled(2000));
  });

  it('a full disk on the board gives a clear message', async () => {
    const b = await board({ cpu: 'cortex-a53', tinyTmpfs: true });
    const s = await open(b);
    try {
      const err = await s.push(payload(1 << 20, 13), 'tiny/model.eqm').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/write tiny\/\.model\.eqm\.eqpart: No space left on device/);
    } finally {
      await s.close();
    }
  });

  it('a folder the agent may not write gives a clear permission message', async () => {
    const b = await board({ cpu: 'cortex-a53', uid: 65534 });
    const s = await open(b);
    try {
      const err = await s.push(payload(4096, 14), 'model.eqm').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/cannot create \.model\.eqm\.eqpart: Permission denied/);
    } finally {
      await s.close();
    }
  });
});
