/**
 * The FP32 reference: the original ONNX model in onnxruntime-node. To capture intermediate
 * tensors (layer inputs and pre-activation outputs) a copy of the model gets them as extra
 * graph outputs, as ORT's own calibrator does; results are handed out image by image. A value
 * the import added for a 1-D conv (`<v>::h1`) is captured as `<v>` with a unit axis 2.
 */
import * as ort from 'onnxruntime-node';
import { onnx } from '../core/onnx/proto.js';
import type { FloatTensor } from '../core/graph/tensor.js';
import type { InputFeed } from '../core/engine/types.js';
import { h1Source } from '../core/graph/passes/conv1d-as-2d.js';
import { ortCall } from './ort-stop.js';

/** The original model's value behind a capture name. */
const sourceOf = (name: string): string => h1Source(name) ?? name;

/** A capture of `name` from the tensor of its source value. */
function asCapture(name: string, t: FloatTensor): FloatTensor {
  return h1Source(name) === undefined ? t : { ...t, dims: [...t.dims.slice(0, 2), 1, ...t.dims.slice(2)] };
}

export interface OrtRunResult {
  outputs: Map<string, FloatTensor>;
  captures: Map<string, FloatTensor>;
}

function toFloat(t: ort.Tensor): FloatTensor {
  if (t.type !== 'float32') throw new Error(`onnxruntime returned a ${t.type} tensor, expected float32`);
  return { dtype: 'float32', dims: t.dims.map(Number), data: t.data as Float32Array };
}

export class OrtReference {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputNames: string[],
    private readonly captureNames: string[],
  ) {}

  /** `capture`: tensor names to return as well (graph inputs are returned from the feed). */
  static async create(modelBytes: Uint8Array, capture: string[] = [], threads = 1): Promise<OrtReference> {
    const model = onnx.ModelProto.decode(modelBytes);
    const g = model.graph!;
    const outputs = (g.output ??= []);
    const outputNames = outputs.map((o) => o.name ?? '');
    const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
    const inputNames = (g.input ?? []).map((i) => i.name ?? '').filter((n) => !inits.has(n));
    const extra = [...new Set(capture.map(sourceOf))].filter((c) => !outputNames.includes(c) && !inputNames.includes(c) && !inits.has(c));
    for (const name of extra) outputs.push(onnx.ValueInfoProto.create({ name }));
    const bytes = extra.length > 0 ? onnx.ModelProto.encode(model).finish() : modelBytes;
    const session = await ortCall(() =>
      ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      }),
    );
    return new OrtReference(session, inputNames[0]!, outputNames, [...new Set(capture)]);
  }

  /** `extra`: the other graph inputs of a multi-input model, by name. */
  async run(input: Float32Array, dims: number[], extra: readonly InputFeed[] = []): Promise<OrtRunResult> {
    const feed: Record<string, ort.Tensor> = { [this.inputName]: new ort.Tensor('float32', input, dims) };
    for (const f of extra) feed[f.name] = new ort.Tensor('float32', f.data, f.dims);
    const res = await ortCall(() => this.session.run(feed));
    const outputs = new Map<string, FloatTensor>();
    for (const n of this.outputNames) outputs.set(n, toFloat(res[n]!));
    const captures = new Map<string, FloatTensor>();
    for (const name of this.captureNames) {
      const c = sourceOf(name);
      const fed = extra.find((f) => f.name === c);
      if (c === this.inputName) captures.set(name, asCapture(name, { dtype: 'float32', dims, data: input }));
      else if (fed) captures.set(name, asCapture(name, { dtype: 'float32', dims: fed.dims, data: fed.data }));
      else if (res[c]) captures.set(name, asCapture(name, toFloat(res[c]!)));
    }
    return { outputs, captures };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
