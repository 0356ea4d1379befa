/**
 * State of one TFLite → ONNX conversion: the ONNX nodes and initializers written so far,
 * and for every TFLite tensor the ONNX value holding it and that value's layout. 4-D
 * activations produced by spatial ops are kept in NCHW; a Transpose is inserted only where
 * an op needs the other layout (see `value`).
 */
import type { Node } from '../graph/ir.js';
import { floatTensor, int64Tensor, type Tensor } from '../graph/tensor.js';
import { ModelFormatError } from '../onnx/model-format.js';
import { padToRank4, permuteDims, TO_NCHW, TO_NHWC, transposeData } from './layout.js';
import type { TflModel, TflOperator, TflTensor } from './read-model.js';
import { Activation } from './schema.js';
import { constFloat, constInts } from './weights.js';

export type Layout = 'nchw' | 'native';

interface Value {
  name: string;
  layout: Layout;
}

export class ConvertContext {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  private readonly used = new Set<string>();
  private readonly values = new Map<number, Value>();
  private readonly transposed = new Map<string, string>();
  /** initializers already written for a constant tensor, by `index:layout` */
  private readonly constNames = new Map<string, string>();
  /** float values of constants produced while converting (DEQUANTIZE of a constant) */
  private readonly folded = new Map<number, Float32Array>();
  /** tensors of a zero PAD left out because the convolution reading them takes the pads */
  readonly padded = new Map<number, { source: number; pads: number[] }>();
  private consumerMap?: Map<number, TflOperator[]>;

  constructor(
    readonly model: TflModel,
    readonly file: string,
  ) {}

  tensor(idx: number): TflTensor {
    const t = this.model.tensors[idx];
    if (!t) throw new ModelFormatError(`${this.file}: reference to missing tensor ${idx}`);
    return t;
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  error(op: TflOperator, msg: string): ModelFormatError {
    const out = op.outputs.length > 0 ? this.tensor(op.outputs[0]!).name : '?';
    return new ModelFormatError(`${this.file}: TFLite operator #${op.index} ${op.op} (output tensor '${out}'): ${msg}`);
  }

  /** the operators reading tensor idx */
  consumers(idx: number): TflOperator[] {
    if (!this.consumerMap) {
      this.consumerMap = new Map();
      for (const op of this.model.operators) {
        for (const i of new Set(op.inputs)) {
          if (i >= 0) this.consumerMap.set(i, [...(this.consumerMap.get(i) ?? []), op]);
        }
      }
    }
    return this.consumerMap.get(idx) ?? [];
  }

  isConst(idx: number): boolean {
    return this.folded.has(idx) || this.tensor(idx).data !== null;
  }

  constFloat(idx: number): Float32Array {
    return this.folded.get(idx) ?? constFloat(this.tensor(idx), this.file);
  }

  constInts(idx: number): number[] {
    return constInts(this.tensor(idx), this.file);
  }

  setFolded(idx: number, data: Float32Array): void {
    this.folded.set(idx, data);
  }

  rank(idx: number): number {
    return this.tensor(idx).shape.length;
  }

  layoutOf(idx: number): Layout | undefined {
    return this.values.get(idx)?.layout;
  }

  init(base: string, t: Tensor): string {
    const name = this.fresh(base);
    this.initializers.set(name, t);
    return name;
  }

  ints(base: string, values: number[]): string {
    return this.init(base, int64Tensor([values.length], values));
  }

  floats(base: string, dims: number[], data: Float32Array): string {
    return this.init(base, floatTensor(dims, data));
  }

  /** Declares an ONNX value (graph input) holding tensor idx. */
  bindInput(idx: number): string {
    const name = this.fresh(this.tensor(idx).name);
    this.values.set(idx, { name, layout: 'native' });
    return name;
  }

  /** Name of the ONNX value holding tensor idx in the wanted layout (Transpose added when needed). */
  value(idx: number, want: Layout): string {
    const t = this.tensor(idx);
    if (this.isConst(idx)) {
      const key = `${idx}:${want === 'nchw' && t.shape.length === 4 ? 'nchw' : 'native'}`;
      let name = this.constNames.get(key);
      if (!name) {
        const data = this.constFloat(idx);
        name =
          want === 'nchw' && t.shape.length === 4
            ? this.floats(`${t.name}_nchw`, permuteDims(t.shape, TO_NCHW), transposeData(data, t.shape, TO_NCHW))
            : this.floats(t.name, [...t.shape], data);
        this.constNames.set(key, name);
      }
      return name;
    }
    const v = this.values.get(idx);
    if (!v) throw new ModelFormatError(`${this.file}: tensor '${t.name}' is read before any operator writes it`);
    if (v.layout === want || t.shape.length !== 4) return v.name;
    const key = `${v.name}->${want}`;
    let name = this.transposed.get(key);
    if (!name) {
      name = this.fresh(`${t.name}_${want === 'nchw' ? 'nchw' : 'nhwc'}`);
      this.node('Transpose', [v.name], [name], { perm: want === 'nchw' ? TO_NCHW : TO_NHWC }, name);
      this.transposed.set(key, name);
    }
    return name;
  }

  /** A constant broadcast against a 4-D activation in `layout` (numpy rules, right-aligned). */
  broadcastConst(idx: number, layout: Layout): string {
    const t = this.tensor(idx);
    if (layout === 'native' || t.shape.length === 0) return this.value(idx, 'native');
    const dims = padToRank4(t.shape);
    const data = this.constFloat(idx);
    return this.floats(`${t.name}_nchw`, permuteDims(dims, TO_NCHW), transposeData(data, dims, TO_NCHW));
  }

  node(op: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, base?: string): void {
    const name = this.fresh(`${base ?? outputs[0]}_${op}`);
    this.nodes.push({ name, op, domain: '', inputs, outputs, attrs });
  }

  /** Declares tensor idx as written in `layout`; returns the ONNX name to write. */
  output(idx: number, layout: Layout): string {
    const t = this.tensor(idx);
    const name = this.fresh(t.name);
    this.values.set(idx, { name, layout: t.shape.length === 4 ? layout : 'native' });
    return name;
  }

  /**
   * Writes op `type` for TFLite operator `op` into its first output, followed by the fused
   * activation (TFLite `fused_activation_function`) when there is one.
   */
  emit(op: TflOperator, type: string, inputs: string[], attrs: Node['attrs'], layout: Layout, act: number = Activation.NONE): void {
    const out = this.output(op.outputs[0]!, layout);
    if (act === Activation.NONE) {
      this.node(type, inputs, [out], attrs);
      return;
    }
    const pre = this.fresh(`${out}_pre_act`);
    this.node(type, inputs, [pre], attrs, out);
    this.activation(op, act, pre, out);
  }

  activation(op: TflOperator, act: number, input: string, out: string): void {
    switch (act) {
      case Activation.RELU:
        return this.node('Relu', [input], [out]);
      case Activation.RELU6:
        return this.node('Clip', [input, this.floats(`${out}_min`, [], Float32Array.of(0)), this.floats(`${out}_max`, [], Float32Array.of(6))], [out]);
      case Activation.RELU_N1_TO_1:
        return this.node('Clip', [input, this.floats(`${out}_min`, [], Float32Array.of(-1)), this.floats(`${out}_max`, [], Float32Array.of(1))], [out]);
      case Activation.TANH:
        return this.node('Tanh', [input], [out]);
      default:
        throw this.error(op, `fused activation ${act} is not supported`);
    }
  }

  /** Final ONNX names of the graph outputs, all in their TFLite (native) layout. */
  finishOutputs(): string[] {
    return this.model.outputs.map((idx) => {
      const v = this.values.get(idx);
      const t = this.tensor(idx);
      if (!v) throw new ModelFormatError(`${this.file}: graph output '${t.name}' is not written by any operator`);
      if (v.layout === 'native' || t.shape.length !== 4) return v.name;
      // the NCHW value gets a new name so the graph output keeps the TFLite tensor name
      const inner = this.fresh(`${v.name}_nchw`);
      for (const n of this.nodes) {
        n.outputs = n.outputs.map((o) => (o === v.name ? inner : o));
        n.inputs = n.inputs.map((i) => (i === v.name ? inner : i));
      }
      this.node('Transpose', [inner], [v.name], { perm: TO_NHWC }, v.name);
      return v.name;
    });
  }
}
