/**
 * A small-sample SqueezeNet run for CI: EQ INT8 and INT7 on 4 calibration images with a short
 * grid, the integer program checked to be int8 from the first conv to the last, and the
 * integer reference compared with FP32 on 16 real images. The full 1000-image table is
 * `npm run bench:accuracy`.
 */
import { expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { firstN, openDataset, takeValid } from '../../src-main/io/data/dataset.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { evaluate } from '../../src-main/pipeline/evaluate.js';
import { exportQdqOnnx } from '../../src-main/core/export/qdq-onnx.js';
import { loadModel } from '../../src-main/io/model-file.js';
import * as ort from 'onnxruntime-node';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

describeShared('SqueezeNet 1.1, small sample', () => {
  const model = loadModel(modelPath('squeezenet1.1'));
  const dims = model.graph.inputs[0]!.dims;
  const spec = cardToSpec(readCard(cardPath('squeezenet1.1')));

  for (const bits of [8, 7]) {
    it(`EQ INT${bits}: int8 program, integer reference agrees with FP32, QDQ export runs`, async () => {
      const ds = await openDataset(IMAGENET_DIR, { spec, inputDims: dims, limit: 16 });
      const { indices } = await takeValid(ds, 4, () => {});
      const samples: Float32Array[] = [];
      for (const i of indices) samples.push((await ds.load(i))!);
      const res = await calibrate(model, samples, dims, { ...DEFAULT_SETTINGS, bits, steps: 8, samplePositions: 16 });
      expect(res.table.layers.length).toBe(26);
      for (const g of res.groups) expect(g.cosAfter!).toBeGreaterThanOrEqual(g.cosBefore!);
      const prog = lowerToIntProgram(model.graph, res.plan, res.table);
      const kinds = prog.ops.map((o) => o.kind);
      // quantize once, 26 int8 convs, int8 pools and concats; only the global pool and softmax run in FP32
      expect(kinds.filter((k) => k === 'quantize').length).toBe(1);
      expect(kinds.filter((k) => k === 'qlinear').length).toBe(26);
      expect(kinds.filter((k) => k === 'float').length).toBe(2);
      expect(kinds).not.toContain('requantize');
      const r = await evaluate(model, firstN(ds, 16), { engine: 'int-ref', table: res.table });
      expect(r.images).toBe(16);
      expect(r.agreement!).toBeGreaterThanOrEqual(bits === 8 ? 0.8 : 0.7);
      expect(r.mean_cosine!).toBeGreaterThan(bits === 8 ? 0.98 : 0.95);
      const s = await ort.InferenceSession.create(exportQdqOnnx(model.graph, res.table));
      const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', samples[0]!, dims) });
      expect(out[s.outputNames[0]!]!.dims.map(Number)).toEqual([1, 1000, 1, 1]);
      await s.release();
    });
  }
});
