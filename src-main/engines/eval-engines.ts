/** Builds the evaluation engines behind one `run(input)` interface. */
import * as ort from 'onnxruntime-node';
import type { LoadedModel } from '../core/graph/load.js';
import type { FloatTensor } from '../core/graph/tensor.js';
import { runIntProgram } from '../core/engine/int-ref.js';
import { lowerToIntProgram } from '../core/engine/lower.js';
import { OrtReference } from './ort-reference.js';
import { createSimEngine } from '../core/engine/sim.js';
import type { EngineKind, InputFeed, LayerTap } from '../core/engine/types.js';
import { exportQdqOnnx } from '../core/export/qdq-onnx.js';
import { compileEqm } from '../core/eqm/write-eqm.js';
import type { QuantPlan } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { ortCall } from './ort-stop.js';

export interface Engine {
  kind: EngineKind;
  /** whether run() reports per-layer pre-activations to a LayerTap (ort-qdq and fp32 do not) */
  taps: boolean;
  /** `extra`: the other graph inputs of a multi-input model (fp32, sim and ort-qdq take them) */
  run(input: Float32Array, dims: number[], tap?: LayerTap, extra?: readonly InputFeed[]): Promise<FloatTensor[]>;
  release(): Promise<void>;
}

export async function createEngine(kind: EngineKind, model: LoadedModel, plan: QuantPlan, table?: ScaleTable): Promise<Engine> {
  const graph = model.graph;
  if (kind === 'fp32') {
    const ref = await OrtReference.create(model.bytes);
    return {
      kind,
      taps: false,
      async run(input, dims, _tap, extra) {
        const r = await ref.run(input, dims, extra);
        return [...r.outputs.values()];
      },
      release: () => ref.release(),
    };
  }
  if (!table) throw new Error(`engine ${kind} needs a scale table (--scales)`);
  if (kind === 'sim') {
    const sim = createSimEngine(graph, plan, table);
    return { kind, taps: true, run: async (input, dims, tap, extra) => sim.run(input, dims, tap, extra).outputs, release: async () => {} };
  }
  if (kind === 'int-ref') {
    const prog = lowerToIntProgram(graph, plan, table);
    return { kind, taps: true, run: async (input, dims, tap) => runIntProgram(graph, prog, input, dims, tap).outputs, release: async () => {} };
  }
  if (kind === 'ort-qdq') {
    const bytes = exportQdqOnnx(graph, table);
    const session = await ortCall(() => ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }));
    const inName = session.inputNames[0]!;
    return {
      kind,
      taps: false,
      async run(input, dims, _tap, extra = []) {
        const feed: Record<string, ort.Tensor> = { [inName]: new ort.Tensor('float32', input, dims) };
        for (const f of extra) feed[f.name] = new ort.Tensor('float32', f.data, f.dims);
        const r = await ortCall(() => session.run(feed));
        return session.outputNames.map((n) => ({ dtype: 'float32', dims: r[n]!.dims.map(Number), data: r[n]!.data as Float32Array }));
      },
      release: () => session.release(),
    };
  }
  if (kind === 'native') {
    // the native EQM runtime (C++ kernels through the Node-API addon): bit-exact with int-ref
    const { Runtime } = await import('./native/native-runtime.js');
    const session = Runtime.load(compileEqm(graph, plan, table));
    const outDims = graph.outputs.map((o) => o.dims);
    return {
      kind,
      taps: true,
      async run(input, dims, tap) {
        if (!tap) return session.run(input, dims).map((d, i) => ({ dtype: 'float32', dims: outDims[i]!, data: d }));
        const r = session.runWithTaps(input, dims);
        for (const [name, t] of Object.entries(r.taps)) tap(name, t);
        return r.outputs.map((d, i) => ({ dtype: 'float32', dims: outDims[i]!, data: d }));
      },
      release: async () => {},
    };
  }
  throw new Error(`unknown engine '${kind}' (expected fp32, sim, int-ref, ort-qdq or native)`);
}
