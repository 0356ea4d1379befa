/**
 * A board's runner answer (`eqrun bench --json`, printed by native/tools/eqrun/run.cc) is parsed
 * against the contract's schema when it arrives: a malformed answer is refused with the board
 * and the field named. Stored profile results are read back through their schema too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bench } from '../../src-main/deploy/operations.js';
import type { DeviceSession } from '../../src-main/deploy/session.js';
import { DeployError } from '../../src-main/deploy/transport.js';
import { ProjectStore } from '../../src-main/store/project-store.js';
import type { ProfileResult } from '../../src-main/contract/bench-report.js';

// what run.cc prints (field for field)
const GOOD = {
  model: '.easyquant/models/0123456789abcdef.eqm',
  warmup: 2,
  runs: 10,
  threads: 1,
  isa: 'neon',
  latencyMs: { min: 1.25, median: 1.5, p90: 1.75, max: 2, mean: 1.55 },
  layers: [{ name: 'conv1', kind: 'Conv', kernel: 'igemm_s8_neon', work: 118013952, ms: 0.75 }],
};

// a real answer: `eqrun bench m.eqm --runs 3 --warmup 1 --threads 1 --json` (x86-64 runner, the MNIST model)
const REAL =
  '{"model":".easyquant/models/0123456789abcdef.eqm","warmup":1,"runs":3,"threads":1,"isa":"avx512vnni","latencyMs":{"min":0.053241,"median":0.077668,"p90":0.1061784,"max":0.113306,"mean":0.081405},"layers":[{"name":"Input3::q","kind":"quantize","kernel":"int8:quantize","work":784,"ms":0.000290666667},{"name":"Convolution28","kind":"qlinear","kernel":"gemm:avx512vnni-dpbusd","work":156800,"ms":0.0135126667},{"name":"Pooling66","kind":"qmaxpool","kernel":"int8:qmaxpool","work":6384,"ms":0.00957166667},{"name":"Convolution110","kind":"qlinear","kernel":"gemm:avx512vnni-dpbusd","work":627200,"ms":0.0495916667},{"name":"Pooling160","kind":"qmaxpool","kernel":"int8:qmaxpool","work":2352,"ms":0.00610866667},{"name":"Pooling160_Output_0_reshape0::q","kind":"qreshape","kernel":"int8:qreshape","work":256,"ms":5.66666667e-05},{"name":"Times212","kind":"qlinear","kernel":"gemm:avx512vnni-dpbusd","work":2560,"ms":0.00161333333}]}';

function board(answer: string): DeviceSession {
  return { device: { name: 'rpi4' }, runner: async () => answer } as unknown as DeviceSession;
}
const run = (answer: unknown) => bench(board(typeof answer === 'string' ? answer : JSON.stringify(answer)), 'm.eqm', { warmup: 2, runs: 10, threads: 1 });

describe("the runner's bench report", () => {
  it('a well-formed answer comes back as the report, every field kept', async () => {
    expect(await run(GOOD)).toEqual(GOOD);
    expect(await run(REAL)).toEqual(JSON.parse(REAL));
  });

  it('malformed answers are refused naming the board and the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...GOOD, latencyMs: { ...GOOD.latencyMs, median: null } }, /^rpi4: eqrun bench answered with an unexpected report: latencyMs\.median: .*\(got null\)/],
      [{ ...GOOD, isa: undefined }, /^rpi4: .*isa: .*\(got nothing\)/],
      [{ ...GOOD, runs: 0 }, /^rpi4: .*runs: .*\(got 0\)/],
      [{ ...GOOD, layers: [{ ...GOOD.layers[0], ms: '0.75' }] }, /^rpi4: .*layers\.0\.ms: .*\(got "0\.75"\)/],
      [{ ...GOOD, layers: 'none' }, /^rpi4: .*layers: /],
      [[1, 2], /^rpi4: .*\(report\): /],
    ];
    for (const [answer, re] of cases) {
      const err = await run(answer).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(answer)).toBeInstanceOf(DeployError);
      expect((err as DeployError).message).toMatch(re);
      expect((err as DeployError).kind).toBe('integrity');
    }
  });

  it('an answer that is not JSON at all', async () => {
    await expect(run('Segmentation fault')).rejects.toThrow(/^rpi4: eqrun bench printed no JSON: Segmentation fault/);
  });
});

describe('stored profile results', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-profile-rows-'));
  const store = new ProjectStore(root);
  afterAll(() => {
    store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const p = store.createProject('p');
  const d = store.addDevice('rpi4', { transport: 'ssh', host: 'h', port: 22, user: 'u', keyPath: '/k' }, null);

  it('a profile result round-trips typed; an early one (machine only) still lists', () => {
    const result: ProfileResult = {
      machine: 'aarch64',
      seconds: 12.5,
      variants: [
        {
          label: 'EQ INT8',
          bits: 8,
          isa: 'neon',
          latencyMs: GOOD.latencyMs,
          layers: GOOD.layers,
          accuracy: { images: 50, top1: 0.5, agreement: 1, bitExact: 50 },
          pushed: { runner: 10, model: 20 },
        },
      ],
    };
    const a = store.createProfile(p.id, d.id, null);
    store.finishProfile(a.id, 'done', result, null);
    const b = store.createProfile(p.id, d.id, null);
    store.db.prepare(`UPDATE profiles SET status = 'done', result_json = ? WHERE id = ?`).run('{"machine":"aarch64"}', b.id);
    const rows = store.listProfiles(p.id);
    expect(rows.find((r) => r.id === a.id)!.result).toEqual(result);
    expect(rows.find((r) => r.id === b.id)!.result).toEqual({ machine: 'aarch64', variants: [] });
  });

  it('a stored result that does not match is left out with a note naming the row and field', () => {
    const c = store.createProfile(p.id, d.id, null);
    store.db.prepare(`UPDATE profiles SET status = 'done', result_json = ? WHERE id = ?`).run('{"machine":"aarch64","variants":[{"label":"x"}]}', c.id);
    const row = store.listProfiles(p.id).find((r) => r.id === c.id)!;
    expect(row.result).toBeNull();
    expect(row.error).toMatch(new RegExp(`profile ${c.id} result_json: stored value does not match its schema: variants\\.0\\.bits`));
  });
});
