/**
 * TF.js models of the zoo: face-api's Tiny-YOLOv2 topology built over a weights manifest
 * (core/tfjs/faceapi-tiny-yolo.ts), and every `tfjs` zoo entry found in the cache
 * (.eq-cache/zoo, `npm run zoo:fetch`; EQ_ZOO_DIR overrides) imported and run in onnxruntime.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { faceApiTinyYoloModel, type WeightsManifest } from '../../src-main/core/tfjs/faceapi-tiny-yolo.js';
import { tfjsToOnnxBytes } from '../../src-main/core/tfjs/import.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { readModelFile } from '../../src-main/io/model-file.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

/** face-api's separable Tiny-YOLOv2 weights (filter sizes 3,16,32,...,512) as one float32 group */
function manifest(drop?: string): WeightsManifest {
  const sizes = [3, 16, 32, 64, 128, 256, 512];
  const weights = [
    { name: 'conv0/filters', shape: [3, 3, 3, 16], dtype: 'float32' },
    { name: 'conv0/bias', shape: [16], dtype: 'float32' },
  ];
  for (let i = 1; i <= 5; i++) {
    weights.push({ name: `conv${i}/depthwise_filter`, shape: [3, 3, sizes[i]!, 1], dtype: 'float32' });
    weights.push({ name: `conv${i}/pointwise_filter`, shape: [1, 1, sizes[i]!, sizes[i + 1]!], dtype: 'float32' });
    weights.push({ name: `conv${i}/bias`, shape: [sizes[i + 1]!], dtype: 'float32' });
  }
  weights.push({ name: 'conv8/filters', shape: [1, 1, 512, 25], dtype: 'float32' }, { name: 'conv8/bias', shape: [25], dtype: 'float32' });
  return [{ paths: ['w.bin'], weights: weights.filter((w) => w.name !== drop) }];
}

describe('face-api Tiny-YOLOv2 topology', () => {
  it('builds the detector: zero weights leave the head bias in every cell of the grid', async () => {
    const m = manifest();
    const n = m[0]!.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
    const data = new Float32Array(n);
    data.set(
      Float32Array.from({ length: 25 }, (_, i) => i - 12),
      n - 25,
    ); // conv8/bias
    const bytes = tfjsToOnnxBytes(faceApiTinyYoloModel(m, 'tiny.json', 64), [new Uint8Array(data.buffer)], 'tiny.json');
    const loaded = loadModelBytes(bytes, 'tiny.json');
    // 64 → conv0 valid 62 → pools 31, 16, 8, 4, 2 → stride-1 pool 2
    expect(loaded.graph.outputs.map((o) => o.dims)).toEqual([[1, 2, 2, 25]]);
    const session = await ort.InferenceSession.create(bytes);
    const res = await session.run({ input: new ort.Tensor('float32', new Float32Array(64 * 64 * 3).fill(0.3), [1, 64, 64, 3]) });
    const out = res[session.outputNames[0]!]!.data as Float32Array;
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo((i % 25) - 12, 5);
  });

  it('refuses a face-api manifest of another network, naming the missing weight', () => {
    expect(() => faceApiTinyYoloModel(manifest('conv3/pointwise_filter'), 'other.json')).toThrow(
      /other\.json: a face-api weights manifest without 'conv3\/pointwise_filter'; only the Tiny-YOLOv2 face detector/,
    );
  });
});

const ZOO_DIR = path.resolve(process.env.EQ_ZOO_DIR ?? path.join(PROJECT_ROOT, '.eq-cache', 'zoo'));
interface ZooModel {
  id: string;
  format: string;
  inputs: { shape: number[] }[];
}
const zoo = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'scripts/zoo/zoo.json'), 'utf8')) as { models: ZooModel[] }).models;
const EXPECTED: Record<string, number[][]> = {
  'faceapi-tiny-face-detector': [[1, 13, 13, 25]],
  'human-faceres': [
    [1, 1],
    [1, 1024],
    [1, 100],
  ],
  'nsfwjs-mobilenet-v2-mid': [[1, 5]],
  'keras-resnet50-imagenet': [[1, 1000]],
};
const tfjs = zoo.filter((m) => m.format === 'tfjs').map((m) => ({ ...m, dir: path.join(ZOO_DIR, `${m.id}.tfjs`) }));
const present = tfjs.filter((m) => fs.existsSync(m.dir));
if (present.length === 0) console.warn(`[skip] tfjs zoo: no <id>.tfjs model in ${ZOO_DIR} (run \`npm run zoo:fetch\` or set EQ_ZOO_DIR)`);

describe('TF.js zoo models', () => {
  it('every tfjs zoo entry has its expected output shapes listed here', () => {
    expect(tfjs.map((m) => m.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.skipIf(present.length === 0).each(present)(
    '$id imports and runs with the expected shapes',
    async (m) => {
      const bytes = readModelFile(m.dir);
      const loaded = loadModelBytes(bytes, m.dir);
      expect(loaded.graph.inputs[0]!.dims).toEqual(m.inputs[0]!.shape);
      expect(loaded.graph.outputs.map((o) => o.dims)).toEqual(EXPECTED[m.id]);
      const session = await ort.InferenceSession.create(bytes);
      const x = Float32Array.from({ length: m.inputs[0]!.shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919) % 255) / 255);
      const res = await session.run({ [loaded.graph.inputs[0]!.name]: new ort.Tensor('float32', x, m.inputs[0]!.shape) });
      for (const k of session.outputNames) expect([...(res[k]!.data as Float32Array)].every(Number.isFinite)).toBe(true);
      if (m.id === 'human-faceres') {
        const age = res[session.outputNames[2]!]!.data as Float32Array;
        expect(age.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      }
      if (m.id === 'nsfwjs-mobilenet-v2-mid') {
        // a 5-class softmax whose classes all occur: the unwrapped uint8 weights are the real ones
        const p = res[session.outputNames[0]!]!.data as Float32Array;
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(Math.max(...p)).toBeLessThan(0.9999);
      }
    },
    120_000,
  );
});
