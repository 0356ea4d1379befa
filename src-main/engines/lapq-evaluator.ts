/**
 * The LAPQ objective: a scale table → the quantized network's mean output loss against FP32 on
 * the calibration images. The FP32 outputs are computed once (onnxruntime); every evaluation
 * compiles the table to EQM in memory and runs it on the native runtime (no autotuning), or on
 * the TypeScript integer reference when the addon is not there (bit-exact, much slower).
 */
import type { LoadedModel } from '../core/graph/load.js';
import { lapqImageLoss, type LapqLoss } from '../core/calib/lapq.js';
import { runIntProgram } from '../core/engine/int-ref.js';
import { lowerToIntProgram, type WeightCache } from '../core/engine/lower.js';
import { compileEqm } from '../core/eqm/write-eqm.js';
import type { QuantPlan } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { Runtime } from './native/native-runtime.js';
import { OrtReference } from './ort-reference.js';

export interface LapqEvaluator {
  accel: 'native' | 'ts';
  loss(table: ScaleTable): Promise<number>;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** FP32 outputs of every sample, in graph output order. */
export async function fp32Outputs(model: LoadedModel, samples: Float32Array[], inputDims: number[]): Promise<Float32Array[][]> {
  const ref = await OrtReference.create(model.bytes);
  try {
    const out: Float32Array[][] = [];
    for (const s of samples) out.push([...(await ref.run(s, inputDims)).outputs.values()].map((t) => Float32Array.from(t.data)));
    return out;
  } finally {
    await ref.release();
  }
}

export async function lapqEvaluator(
  model: LoadedModel,
  plan: QuantPlan,
  samples: Float32Array[],
  inputDims: number[],
  kind: LapqLoss,
  opts: { accel: 'auto' | 'native' | 'ts'; threads: number; warn: (m: string) => void; shouldStop?: () => boolean },
): Promise<LapqEvaluator> {
  const refs = await fp32Outputs(model, samples, inputDims);
  const graph = model.graph;
  // a Softmax output already holds probabilities: KL is taken on them directly
  const first = graph.outputs[0]?.name;
  const probabilities = graph.nodes.some((n) => n.op === 'Softmax' && n.outputs[0] === first);
  let native = opts.accel !== 'ts';
  if (native && !Runtime.available()) {
    if (opts.accel === 'native') Runtime.version(); // throws the loader's message
    opts.warn('native runtime not available; LAPQ evaluates with the TypeScript integer reference (much slower)');
    native = false;
  }
  const mean = async (run: (x: Float32Array) => Float32Array[]): Promise<number> => {
    let sum = 0;
    for (let i = 0; i < samples.length; i++) {
      if (opts.shouldStop?.()) return NaN;
      sum += lapqImageLoss(kind, refs[i]!, run(samples[i]!), probabilities);
      if (!native) await yieldToLoop();
    }
    return sum / samples.length;
  };
  if (native) {
    const threads = opts.threads > 0 ? opts.threads : undefined;
    // without weight multipliers every table shares the start's weightScales arrays: quantize once
    const weightCache: WeightCache = new WeakMap();
    return {
      accel: 'native',
      async loss(table) {
        const session = Runtime.load(compileEqm(graph, plan, table, weightCache), { threads, autotune: false });
        const v = await mean((x) => session.run(x, inputDims));
        await yieldToLoop(); // signals and cancel requests get a turn between evaluations
        return v;
      },
    };
  }
  return {
    accel: 'ts',
    async loss(table) {
      const prog = lowerToIntProgram(graph, plan, table);
      return mean((x) => runIntProgram(graph, prog, x, inputDims).outputs.map((t) => t.data as Float32Array));
    },
  };
}
