/**
 * FP32 reference pass over the calibration images through onnxruntime-node: records each
 * group input's max |x| and full activations (to the disk-backed store), and each layer's
 * pre-activation output at the sampled positions EQ scores (kept in memory: small).
 */
import type { LoadedModel } from '../core/graph/load.js';
import { OrtReference } from './ort-reference.js';
import type { QuantPlan } from '../core/quant/plan.js';
import { samplePositions } from '../core/quant/linear-geom.js';
import { sampleOutput } from '../core/quant/fake-quant-layer.js';
import { ActivationStore } from '../io/activation-store.js';
import type { CalibCapture, ExtraInput } from '../core/calib/capture-types.js';
import { ProgressClock, type ProgressSink } from '../core/calib/progress.js';

export type { CalibCapture };

export async function captureReference(
  model: LoadedModel,
  plan: QuantPlan,
  samples: Float32Array[],
  inputDims: number[],
  positionsPerImage: number,
  onProgress?: ProgressSink,
  /** further tensors whose max |x| is needed (inputs of int8 average pooling / Add) */
  measureOnly: string[] = [],
  shouldStop?: () => boolean,
  /** the other graph inputs of a multi-input model (sample i of each goes with samples[i]) */
  extraInputs: readonly ExtraInput[] = [],
): Promise<CalibCapture> {
  const inputs = [...new Set(plan.groups.map((g) => g.input))];
  const preActs = plan.layers.map((l) => l.preAct);
  const ref = await OrtReference.create(model.bytes, [...inputs, ...preActs, ...measureOnly]);
  const store = new ActivationStore();
  const maxAbs = new Map<string, number>();
  const positions = new Map<string, Int32Array | undefined>();
  const preAct = new Map<string, Float32Array[]>();
  for (const l of plan.layers) {
    positions.set(l.name, samplePositions(l.geom.P, positionsPerImage));
    preAct.set(l.name, []);
  }
  const clock = new ProgressClock();
  try {
    for (let i = 0; i < samples.length; i++) {
      if (shouldStop?.()) throw new Error('calibration cancelled');
      const { captures } = await ref.run(
        samples[i]!,
        inputDims,
        extraInputs.map((x) => ({ name: x.name, dims: x.dims, data: x.samples[i]! })),
      );
      const measure = (name: string) => {
        const t = captures.get(name);
        if (!t) throw new Error(`FP32 reference did not produce tensor '${name}'`);
        const d = t.data as Float32Array;
        let m = maxAbs.get(name) ?? 0;
        for (let k = 0; k < d.length; k++) {
          const a = Math.abs(d[k]!);
          if (a > m) m = a;
        }
        maxAbs.set(name, m);
        return t;
      };
      for (const name of inputs) store.append(name, measure(name).data);
      for (const name of measureOnly) measure(name);
      for (const l of plan.layers) {
        const t = captures.get(l.preAct);
        if (!t) throw new Error(`FP32 reference did not produce tensor '${l.preAct}'`);
        preAct.get(l.name)!.push(sampleOutput(l.geom, t.data, positions.get(l.name)));
      }
      onProgress?.(clock.event({ stage: 'capture', index: i + 1, total: samples.length, name: `image ${i + 1}` }));
    }
  } catch (e) {
    store.dispose();
    throw e;
  } finally {
    await ref.release();
  }
  return { images: samples.length, maxAbs, positions, preAct, store, dispose: () => store.dispose() };
}
