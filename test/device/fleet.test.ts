/**
 * Acceptance 3: three simulated boards profiled concurrently (SSH cortex-a53, serial
 * cortex-a76, and an SSH board that never answers). Both good boards return bench and accuracy
 * results (bit-exact with the host), the third is reported as failed, and every outcome is
 * stored as a result record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import type { Variant } from '../../src-main/deploy/prepare.js';
import { profileFleet } from '../../src-main/deploy/profile.js';
import type { Device } from '../../src-main/contract/device.js';
import { DeviceResultStore } from '../../src-main/app/device-result-store.js';
import { sha256Hex } from '../../src-main/deploy/session.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { randomInputs, tinyQuantized } from '../helpers/native-models.js';
import { silentServer } from './helpers/procs.js';
import { ensureRunner } from './helpers/runners.js';
import { startSerialBoard, type SerialBoard } from './helpers/serial-board.js';
import { startSshBoard, type SshBoard } from './helpers/ssh-board.js';
import { scaled } from './helpers/timeouts.js';

describe('fleet', () => {
  let ssh: SshBoard;
  let serial: SerialBoard;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let home: string;
  beforeAll(async () => {
    const runner = ensureRunner('linux-aarch64');
    ensureNativeAddon();
    ssh = await startSshBoard({ cpu: 'cortex-a53' });
    serial = await startSerialBoard({ cpu: 'cortex-a76', runner });
    silent = await silentServer();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-deployhome-'));
  });
  afterAll(async () => {
    await ssh?.stop();
    await serial?.stop();
    await silent?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('profiles two reachable boards concurrently and reports the unreachable one as failed', async () => {
    const q = await tinyQuantized(7);
    const eqm = Buffer.from(compileEqm(q.graph, q.plan, q.table));
    const variant: Variant = { label: 'int7', eqm, bits: 7, method: 'minmax', modelSha256: sha256Hex(eqm) };
    const devices: Device[] = [
      { transport: 'ssh', name: 'ssh-a53', host: '127.0.0.1', port: ssh.port, user: 'root', keyPath: ssh.keyPath, dir: ssh.dir, timeoutMs: scaled(20_000) },
      { transport: 'serial', name: 'serial-a76', path: serial.hostPath, baud: 115200, dir: 'eq', timeoutMs: scaled(20_000) },
      { transport: 'ssh', name: 'dead', host: '127.0.0.1', port: silent.port, user: 'root', keyPath: ssh.keyPath, dir: '/tmp/never', timeoutMs: 2000 },
    ];
    const started: Record<string, number> = {};
    const results = new DeviceResultStore(path.join(home, 'data'), path.join(home, 'old-home'));
    const outcomes = await profileFleet({
      devices,
      variants: [variant],
      evalSet: { samples: randomInputs(q.dims, 4, 21), labels: [null, null, null, null], dims: q.dims, outputIndex: 0, labelOffset: 0, files: [] },
      bench: { warmup: 0, runs: 3, threads: 1 },
      session: { home },
      timeoutMs: scaled(900_000),
      log: (m) => {
        const dev = m.split(':')[0]!;
        started[dev] ??= Date.now();
      },
      record: (r) => results.add(r),
    });
    expect(outcomes.map((o) => [o.device, o.ok])).toEqual([
      ['ssh-a53', true],
      ['serial-a76', true],
      ['dead', false],
    ]);
    for (const o of outcomes.slice(0, 2)) {
      if (!o.ok) throw new Error(o.error);
      const v = o.result.variants[0]!;
      expect(o.result.machine).toBe('aarch64');
      expect(v.bench!.runs).toBe(3);
      expect(v.bench!.isa).toBe(o.device === 'serial-a76' ? 'dotprod' : 'neon');
      expect(v.accuracy!.bitExact).toBe(4);
      expect(v.accuracy!.agreement).toBe(1);
    }
    const dead = outcomes[2]!;
    expect(!dead.ok && dead.error).toMatch(/no SSH connection within 2000 ms/);
    expect(dead.seconds).toBeLessThan(scaled(10_000) / 1000);
    // the two good boards were worked on at the same time
    const sshDone = outcomes[0]!.seconds * 1000 + started['ssh-a53']!;
    expect(started['serial-a76']!).toBeLessThan(sshDone);
    const records = results.query({ modelSha256: variant.modelSha256, bits: 7 });
    expect(records.map((r) => [r.device, r.error === null])).toEqual(
      expect.arrayContaining([
        ['ssh-a53', true],
        ['serial-a76', true],
        ['dead', false],
      ]),
    );
    expect(records).toHaveLength(3);
    results.close();
  });
});
