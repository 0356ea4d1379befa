/**
 * Every TFLite model of the zoo (.eq-cache/zoo, filled by `npm run zoo:fetch`; EQ_ZOO_DIR
 * overrides) is imported, run in onnxruntime and compared with the TFLite model itself run
 * by LiteRT (test/helpers/litert.ts) on the same fixed random input. Outputs written by a
 * sigmoid are compared once more as logits (a patched copy of the model), as on random input
 * they sit at 0 or 1 where a comparison shows little.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { runTflite } from '../helpers/litert.js';
import { logitOutputs } from '../helpers/tflite-patch.js';

const ZOO_DIR = path.resolve(process.env.EQ_ZOO_DIR ?? path.join(PROJECT_ROOT, '.eq-cache', 'zoo'));
interface ZooModel {
  id: string;
  format: string;
}
const zoo = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'scripts/zoo/zoo.json'), 'utf8')) as { models: ZooModel[] }).models;
const tflite = zoo.filter((m) => m.format === 'tflite').map((m) => ({ ...m, file: path.join(ZOO_DIR, `${m.id}.tflite`) }));
const present = tflite.filter((m) => fs.existsSync(m.file));

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

if (present.length === 0) {
  console.warn(`[skip] tflite zoo: no .tflite model in ${ZOO_DIR} (run \`npm run zoo:fetch\` or set EQ_ZOO_DIR)`);
}

/** Imports `bytes`, runs it in onnxruntime and in LiteRT on x; checks shapes and closeness. */
async function compare(id: string, bytes: Uint8Array, file: string, x: Float32Array): Promise<void> {
  const loaded = loadModelBytes(bytes, file);
  const input = loaded.graph.inputs[0]!;
  const session = await ort.InferenceSession.create(loaded.bytes);
  const res = await session.run({ [input.name]: new ort.Tensor('float32', x, input.dims) });
  const outs = session.outputNames.map((k) => res[k]!);
  for (const o of outs) expect([...(o.data as Float32Array)].every(Number.isFinite)).toBe(true);
  expect(outs.map((o) => [...o.dims])).toEqual(loaded.graph.outputs.map((o) => o.dims));
  const ref = await runTflite(bytes, [x]);
  expect(ref.map((r) => r.dims)).toEqual(outs.map((o) => [...o.dims]));
  ref.forEach((r, i) => {
    const got = outs[i]!.data as Float32Array;
    let diff = 0;
    for (let j = 0; j < got.length; j++) diff = Math.max(diff, Math.abs(got[j]! - r.data[j]!));
    const tol = 1e-3 * Math.max(1, maxAbs(r.data));
    expect(diff, `${id} output ${session.outputNames[i]}: max |onnx - tflite| = ${diff}`).toBeLessThanOrEqual(tol);
  });
}

describe.skipIf(present.length === 0)('TFLite zoo models: import → onnxruntime vs TFLite', () => {
  for (const m of present) {
    it(`${m.id}`, async () => {
      const bytes = new Uint8Array(fs.readFileSync(m.file));
      const dims = loadModelBytes(bytes, m.file).graph.inputs[0]!.dims;
      const x = random(
        dims.reduce((a, b) => a * b, 1),
        7,
      );
      await compare(m.id, bytes, m.file, x);
      const logits = logitOutputs(bytes);
      if (logits) await compare(`${m.id} (logits)`, logits, m.file, x);
    }, 300_000);
  }
});
