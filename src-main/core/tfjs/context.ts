/**
 * State of one TF.js graph → ONNX conversion: ONNX nodes and initializers written so far, and
 * for every TF tensor the ONNX value holding it, its layout and its (TF, NHWC) shape. As in the
 * TFLite importer, 4-D activations written by spatial ops stay NCHW and a Transpose is inserted
 * only where an op needs the other layout.
 */
import type { Node } from '../graph/ir.js';
import { floatTensor, int64Tensor, type Tensor } from '../graph/tensor.js';
import { ModelFormatError } from '../onnx/model-format.js';
import { padToRank4, permuteDims, TO_NCHW, TO_NHWC, transposeData } from '../tflite/layout.js';
import type { ConstTensor, TfjsNode } from './model-json.js';

export type Layout = 'nchw' | 'native';

interface Value {
  name: string;
  layout: Layout;
  shape: number[];
}

/** "x", "x:0" → "x"; "x:2" stays; "^x" (control input) → undefined */
export function tensorRef(input: string): string | undefined {
  if (input.startsWith('^')) return undefined;
  return input.endsWith(':0') ? input.slice(0, -2) : input;
}

export class TfjsContext {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  private readonly used = new Set<string>();
  private readonly values = new Map<string, Value>();
  private readonly transposed = new Map<string, string>();
  private readonly constNames = new Map<string, string>();

  constructor(
    readonly consts: Map<string, ConstTensor>,
    readonly file: string,
    /** how many node inputs read each tensor (graph outputs count as a reader) */
    private readonly readers: Map<string, number> = new Map(),
  ) {}

  /** tensors that share their value with another name (Identity) */
  private readonly shared = new Set<string>();

  /** true when tensor `ref` has exactly one reader (so an op may be folded into its producer) */
  onlyReader(ref: string): boolean {
    return this.readers.get(ref) === 1 && !this.shared.has(ref);
  }

  /** `ref` becomes another name of `src` (Identity): neither may then be folded away */
  share(node: TfjsNode, ref: string, src: string): void {
    this.alias(node, ref, src);
    this.shared.add(ref).add(src);
  }

  error(node: TfjsNode, msg: string): ModelFormatError {
    return new ModelFormatError(`${this.file}: TF.js node '${node.name}' (op ${node.op}): ${msg}`);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** the data inputs of a node (control inputs dropped) */
  inputs(node: TfjsNode): string[] {
    return (node.input ?? []).map(tensorRef).filter((r): r is string => r !== undefined);
  }

  isConst(ref: string): boolean {
    return this.consts.has(ref);
  }

  constant(node: TfjsNode, ref: string): ConstTensor {
    const c = this.consts.get(ref);
    if (!c) throw this.error(node, `input '${ref}' must be a constant`);
    return c;
  }

  constInts(node: TfjsNode, ref: string): number[] {
    return Array.from(this.constant(node, ref).data);
  }

  shape(node: TfjsNode, ref: string): number[] {
    const c = this.consts.get(ref);
    if (c) return c.dims;
    const v = this.values.get(ref);
    if (!v) throw this.error(node, `input '${ref}' is not written by any supported node before it is read`);
    return v.shape;
  }

  layoutOf(ref: string): Layout | undefined {
    return this.values.get(ref)?.layout;
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

  /** Declares a graph input. */
  bindInput(ref: string, shape: number[]): string {
    const name = this.fresh(ref);
    this.values.set(ref, { name, layout: 'native', shape });
    return name;
  }

  /** `ref` becomes another name for `src` (Identity). */
  alias(node: TfjsNode, ref: string, src: string): void {
    const c = this.consts.get(src);
    if (c) {
      this.consts.set(ref, c);
      return;
    }
    const v = this.values.get(src);
    if (!v) throw this.error(node, `input '${src}' is not written by any supported node before it is read`);
    this.values.set(ref, v);
  }

  /** ONNX value holding `ref` in the wanted layout (a Transpose is added when needed). */
  value(node: TfjsNode, ref: string, want: Layout): string {
    const c = this.consts.get(ref);
    if (c) {
      const nchw = want === 'nchw' && c.dims.length === 4;
      const key = `${ref}:${nchw ? 'nchw' : 'native'}`;
      let name = this.constNames.get(key);
      if (!name) {
        name = nchw
          ? this.floats(`${ref}_nchw`, permuteDims(c.dims, TO_NCHW), transposeData(c.data, c.dims, TO_NCHW))
          : c.integer
            ? this.init(ref, int64Tensor([...c.dims], c.data))
            : this.floats(ref, [...c.dims], c.data);
        this.constNames.set(key, name);
      }
      return name;
    }
    const v = this.values.get(ref);
    if (!v) throw this.error(node, `input '${ref}' is not written by any supported node before it is read`);
    if (v.layout === want || v.shape.length !== 4) return v.name;
    const key = `${v.name}->${want}`;
    let name = this.transposed.get(key);
    if (!name) {
      name = this.fresh(`${v.name}_${want === 'nchw' ? 'nchw' : 'nhwc'}`);
      this.node('Transpose', [v.name], [name], { perm: want === 'nchw' ? TO_NCHW : TO_NHWC });
      this.transposed.set(key, name);
    }
    return name;
  }

  /** A float constant broadcast against a 4-D activation in `layout` (numpy rules). */
  broadcastConst(node: TfjsNode, ref: string, layout: Layout): string {
    const c = this.constant(node, ref);
    if (layout === 'native' || c.dims.length === 0) return this.floats(`${ref}_f`, [...c.dims], c.data);
    const dims = padToRank4(c.dims);
    return this.floats(`${ref}_nchw`, permuteDims(dims, TO_NCHW), transposeData(c.data, dims, TO_NCHW));
  }

  node(op: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): void {
    const name = this.fresh(`${outputs[0]}_${op}`);
    this.nodes.push({ name, op, domain: '', inputs, outputs, attrs });
  }

  /** Declares the output of TF node `ref` with its TF shape; returns the ONNX name to write. */
  output(ref: string, shape: number[], layout: Layout): string {
    const name = this.fresh(ref);
    this.values.set(ref, { name, layout: shape.length === 4 ? layout : 'native', shape });
    return name;
  }

  /** Graph outputs in their TF (native) layout, named after the TF nodes where possible. */
  finishOutput(node: TfjsNode, ref: string): { name: string; shape: number[] } {
    const v = this.values.get(ref);
    if (!v) throw this.error(node, 'graph output is a constant or is not written by any supported node');
    if (v.name === ref && v.layout === 'nchw' && v.shape.length === 4) {
      // the NCHW value gets another name so the graph output keeps the TF name
      const inner = this.fresh(`${ref}_nchw`);
      for (const n of this.nodes) {
        n.outputs = n.outputs.map((o) => (o === ref ? inner : o));
        n.inputs = n.inputs.map((i) => (i === ref ? inner : i));
      }
      for (const val of this.values.values()) if (val.name === ref) val.name = inner;
      this.node('Transpose', [inner], [ref], { perm: TO_NHWC });
      return { name: ref, shape: v.shape };
    }
    const native = this.value(node, ref, 'native');
    if (native === ref) return { name: ref, shape: v.shape };
    const name = this.used.has(ref) ? this.fresh(`${ref}_out`) : this.fresh(ref);
    this.node('Identity', [native], [name]);
    return { name, shape: v.shape };
  }
}
