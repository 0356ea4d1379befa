/**
 * Graph IR → ONNX ModelProto at opset 13.
 *
 * Two steps, both exported:
 *  - `toOpset13(graph)` returns a new IR graph (the input is not modified) whose nodes are
 *    all in their opset-13 form: fused activations are unfused again (the Conv/Gemm/MatMul
 *    writes `preActOutput`, a Relu/Clip node writes the fused node's output), and node forms
 *    of older opsets are upgraded (attributes that became inputs become constant
 *    initializers, Upsample becomes Resize, pre-13 Softmax is rewritten when its 2-D
 *    coercion differs from the opset-13 single-axis semantics, …).
 *  - `graphToModelProto(graph, opts)` serialises it (calling toOpset13 first) and
 *    `encodeModel` gives the bytes.
 *
 * A graph whose opset is already newer than 13 is written at its own opset, unchanged.
 * Node names and tensor names are kept, so a tensor can always be found again in the
 * exported model; nodes and constants that have to be added get fresh unique names derived
 * from the node they belong to.
 */
import type { AttrValue, Graph, Node, SubgraphAttr, ValueInfo } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { int64Tensor, toNumbers } from '../graph/tensor.js';
import { AttributeType, DataType, type IAttributeProto, type IGraphProto, type IModelProto, type INodeProto, type ITensorProto, type IValueInfoProto, onnx } from './proto.js';
import { encodeTensor } from './tensor-codec.js';

export const EXPORT_OPSET = 13;

export interface ExportGraphOptions {
  /** ModelProto.producer_name (default 'easyquant-studio') */
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** opset versions to import for non-default domains used by nodes (default 1) */
  domainOpsets?: Record<string, number>;
  /** keep initializers no node reads (default false: they are dropped) */
  keepUnusedInitializers?: boolean;
}

/** A graph that cannot be written as ONNX: names the node and what is wrong. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

// ---------------------------------------------------------------------------------------
// unique names

/** Hands out tensor/node names that do not collide with any name in the graph. */
export class NameAllocator {
  private readonly used = new Set<string>();
  constructor(graph?: Graph) {
    if (!graph) return;
    for (const v of graph.inputs) this.used.add(v.name);
    for (const v of graph.outputs) this.used.add(v.name);
    for (const k of graph.initializers.keys()) this.used.add(k);
    for (const n of graph.nodes) {
      this.used.add(n.name);
      for (const t of n.inputs) if (t) this.used.add(t);
      for (const t of n.outputs) if (t) this.used.add(t);
      if (n.preActOutput) this.used.add(n.preActOutput);
    }
  }
  reserve(name: string): void {
    this.used.add(name);
  }
  has(name: string): boolean {
    return this.used.has(name);
  }
  /** `base` if free, else base_1, base_2, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

// ---------------------------------------------------------------------------------------
// rank inference (only what the Softmax/legacy-broadcast upgrades need)

const SAME_RANK_OPS = new Set([
  'Relu',
  'Sigmoid',
  'Tanh',
  'Exp',
  'Log',
  'Abs',
  'Neg',
  'Sqrt',
  'Clip',
  'LeakyRelu',
  'Elu',
  'Selu',
  'HardSigmoid',
  'HardSwish',
  'Softplus',
  'Softsign',
  'Dropout',
  'Identity',
  'BatchNormalization',
  'InstanceNormalization',
  'LRN',
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'LpPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'Cast',
  'Pad',
  'Resize',
  'Upsample',
  'Erf',
  'Floor',
  'Ceil',
  'Round',
  'Reciprocal',
  'Not',
  'Sign',
  'Mish',
  'Gelu',
  'QuantizeLinear',
  'DequantizeLinear',
  'Slice',
  'Split',
  'ImageScaler',
  'DepthToSpace',
  'SpaceToDepth',
  'LpNormalization',
  'MeanVarianceNormalization',
  'Tile',
  'Expand',
]);
const BROADCAST_OPS = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'Sum',
  'Mean',
  'Where',
  'Equal',
  'Greater',
  'Less',
  'And',
  'Or',
  'Xor',
  'PRelu',
  'Mod',
  'GreaterOrEqual',
  'LessOrEqual',
]);
const REDUCE_OPS = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

function makeRankOf(graph: Graph): (name: string) => number | undefined {
  const prod = new Map<string, Node>();
  for (const n of graph.nodes) {
    n.outputs.forEach((o) => o && prod.set(o, n));
    if (n.preActOutput) prod.set(n.preActOutput, n);
  }
  const memo = new Map<string, number | undefined>();
  const visiting = new Set<string>();
  const constInts = (name: string | undefined): number[] | undefined => {
    if (!name) return undefined;
    const t = graph.initializers.get(name);
    return t ? toNumbers(t) : undefined;
  };
  const rankOf = (name: string): number | undefined => {
    if (memo.has(name)) return memo.get(name);
    if (visiting.has(name)) return undefined;
    visiting.add(name);
    const r = compute(name);
    visiting.delete(name);
    memo.set(name, r);
    return r;
  };
  const compute = (name: string): number | undefined => {
    const s = graph.shapes.get(name);
    if (s) return s.length;
    const init = graph.initializers.get(name);
    if (init) return init.dims.length;
    const vi = graph.inputs.find((v) => v.name === name) ?? graph.outputs.find((v) => v.name === name);
    if (vi && vi.dims.length > 0) return vi.dims.length;
    const p = prod.get(name);
    if (!p) return undefined;
    const in0 = p.inputs[0] ? rankOf(p.inputs[0]) : undefined;
    if (p.domain !== '') return undefined;
    if (SAME_RANK_OPS.has(p.op)) return in0;
    if (BROADCAST_OPS.has(p.op)) {
      const rs = p.inputs.filter((i) => i).map(rankOf);
      return rs.some((r) => r === undefined) ? undefined : Math.max(...(rs as number[]));
    }
    switch (p.op) {
      case 'Reshape': {
        const shape = p.attrs['shape'];
        if (Array.isArray(shape)) return shape.length;
        const c = constInts(p.inputs[1]);
        return c ? c.length : undefined;
      }
      case 'Transpose': {
        const perm = p.attrs['perm'];
        return Array.isArray(perm) ? perm.length : in0;
      }
      case 'Flatten':
      case 'Gemm':
        return 2;
      case 'Shape':
        return 1;
      case 'MatMul': {
        const rb = p.inputs[1] ? rankOf(p.inputs[1]) : undefined;
        return in0 !== undefined && rb !== undefined && in0 >= 2 && rb >= 2 ? Math.max(in0, rb) : undefined;
      }
      case 'Concat': {
        for (const i of p.inputs) {
          const r = i ? rankOf(i) : undefined;
          if (r !== undefined) return r;
        }
        return undefined;
      }
      case 'Squeeze':
      case 'Unsqueeze': {
        const axes = Array.isArray(p.attrs['axes']) ? (p.attrs['axes'] as number[]) : constInts(p.inputs[1]);
        if (in0 === undefined || !axes) return undefined;
        return p.op === 'Squeeze' ? in0 - axes.length : in0 + axes.length;
      }
      case 'Gather': {
        const ri = p.inputs[1] ? rankOf(p.inputs[1]) : undefined;
        return in0 !== undefined && ri !== undefined ? in0 - 1 + ri : undefined;
      }
      default:
        if (REDUCE_OPS.has(p.op)) {
          const keep = p.attrs['keepdims'];
          if (keep === undefined || keep === 1) return in0;
          const axes = Array.isArray(p.attrs['axes']) ? (p.attrs['axes'] as number[]) : constInts(p.inputs[1]);
          return in0 !== undefined && axes ? in0 - axes.length : undefined;
        }
        return undefined;
    }
  };
  return rankOf;
}

// ---------------------------------------------------------------------------------------
// upgrade to opset 13

const CAST_NAMES: Record<string, number> = {
  FLOAT: DataType.FLOAT,
  UINT8: DataType.UINT8,
  INT8: DataType.INT8,
  UINT16: DataType.UINT16,
  INT16: DataType.INT16,
  INT32: DataType.INT32,
  INT64: DataType.INT64,
  STRING: DataType.STRING,
  BOOL: DataType.BOOL,
  FLOAT16: DataType.FLOAT16,
  DOUBLE: DataType.DOUBLE,
  UINT32: DataType.UINT32,
  UINT64: DataType.UINT64,
};

const LEGACY_BROADCAST_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less']);

class Upgrader {
  readonly out: Node[] = [];
  readonly inits: Map<string, Tensor>;
  private readonly rankOf: (name: string) => number | undefined;
  private readonly used = new Set<string>();

  constructor(
    private readonly graph: Graph,
    private readonly names: NameAllocator,
  ) {
    this.inits = new Map(graph.initializers);
    this.rankOf = makeRankOf(graph);
    for (const n of graph.nodes) {
      for (const i of n.inputs) if (i) this.used.add(i);
    }
    for (const o of graph.outputs) this.used.add(o.name);
  }

  /** appends a node that is already in opset-13 form */
  push(node: Node): void {
    this.out.push(node);
  }

  private isUsed(name: string): boolean {
    return this.used.has(name);
  }

  private fail(node: Node, detail: string): never {
    throw new ExportError(`node '${node.name}' (${node.op}, opset ${this.graph.opset}): cannot export at opset ${EXPORT_OPSET}: ${detail}`);
  }

  constI64(base: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.names.fresh(base);
    this.inits.set(name, int64Tensor(dims, values));
    return name;
  }

  constF32(base: string, values: number[], dims: number[] = []): string {
    const name = this.names.fresh(base);
    this.inits.set(name, { dtype: 'float32', dims, data: Float32Array.from(values) });
    return name;
  }

  private ints(node: Node, attr: string): number[] | undefined {
    const v = node.attrs[attr];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) this.fail(node, `attribute ${attr} is not a list of ints`);
    return v as number[];
  }

  private without(attrs: Record<string, AttrValue>, ...drop: string[]): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (!drop.includes(k)) out[k] = v;
    return out;
  }

  /** Appends the opset-13 form of `node` (possibly several nodes). */
  upgrade(node: Node): void {
    const from = this.graph.opset;
    if (node.domain !== '' || from >= EXPORT_OPSET) {
      this.out.push(node);
      return;
    }
    let n: Node = { ...node, inputs: [...node.inputs], outputs: [...node.outputs], attrs: { ...node.attrs } };
    if (from < 7 && 'consumed_inputs' in n.attrs) n.attrs = this.without(n.attrs, 'consumed_inputs');
    const base = n.name;
    switch (n.op) {
      case 'Clip': {
        if (from < 11) {
          const min = n.attrs['min'];
          const max = n.attrs['max'];
          n.attrs = this.without(n.attrs, 'min', 'max');
          const inputs = [n.inputs[0]!];
          inputs.push(typeof min === 'number' ? this.constF32(`${base}_min`, [min]) : '');
          inputs.push(typeof max === 'number' ? this.constF32(`${base}_max`, [max]) : '');
          while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
          n.inputs = inputs;
        }
        break;
      }
      case 'Slice': {
        if (from < 10) {
          const starts = this.ints(n, 'starts');
          const ends = this.ints(n, 'ends');
          if (!starts || !ends) this.fail(n, 'Slice without starts/ends attributes');
          const axes = this.ints(n, 'axes');
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_starts`, starts), this.constI64(`${base}_ends`, ends)];
          if (axes) n.inputs.push(this.constI64(`${base}_axes`, axes));
          n.attrs = this.without(n.attrs, 'starts', 'ends', 'axes');
        }
        break;
      }
      case 'Softmax':
      case 'LogSoftmax':
      case 'Hardmax':
        this.upgradeSoftmax(n);
        return;
      case 'Squeeze':
      case 'Unsqueeze': {
        const axes = this.ints(n, 'axes');
        if (axes) {
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_axes`, axes)];
          n.attrs = this.without(n.attrs, 'axes');
        }
        break;
      }
      case 'ReduceSum': {
        const axes = this.ints(n, 'axes');
        if (axes) {
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_axes`, axes)];
          n.attrs = this.without(n.attrs, 'axes');
        }
        break;
      }
      case 'Split': {
        const split = this.ints(n, 'split');
        if (split) {
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_split`, split)];
          n.attrs = this.without(n.attrs, 'split');
        }
        break;
      }
      case 'TopK': {
        const k = n.attrs['k'];
        if (typeof k === 'number') {
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_k`, [k])];
          n.attrs = this.without(n.attrs, 'k');
        }
        break;
      }
      case 'Reshape': {
        const shape = this.ints(n, 'shape');
        if (shape) {
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_shape`, shape)];
          n.attrs = this.without(n.attrs, 'shape');
        }
        break;
      }
      case 'Pad': {
        if (from < 11) {
          const pads = this.ints(n, 'pads') ?? this.ints(n, 'paddings');
          if (!pads) this.fail(n, 'Pad without pads attribute');
          const mode = n.attrs['mode'] ?? 'constant';
          const value = n.attrs['value'];
          n.inputs = [n.inputs[0]!, this.constI64(`${base}_pads`, pads)];
          if (mode === 'constant' && typeof value === 'number' && value !== 0) n.inputs.push(this.constF32(`${base}_value`, [value]));
          n.attrs = this.without(n.attrs, 'pads', 'paddings', 'value');
        }
        break;
      }
      case 'Upsample':
        this.upgradeUpsample(n);
        return;
      case 'Resize': {
        if (from < 11) {
          // Resize-10: (X, scales), asymmetric coordinates, ORT's "simple" nearest rounding
          const scales = n.inputs[1] ?? '';
          n = this.resizeFromLegacy(n, scales, this.scalesOf(scales));
        }
        break;
      }
      case 'BatchNormalization': {
        const spatial = n.attrs['spatial'];
        if (spatial !== undefined && spatial !== 1) this.fail(n, `spatial=${String(spatial)} (per-activation normalisation) has no opset-13 form`);
        n.attrs = this.without(n.attrs, 'spatial', 'is_test', 'consumed_inputs');
        n.outputs = this.dropUnusedTail(n, 1, 'training-mode outputs (mean/var/saved statistics)');
        break;
      }
      case 'Dropout': {
        n.attrs = this.without(n.attrs, 'is_test', 'ratio');
        if (from < 12) n.inputs = [n.inputs[0]!];
        n.outputs = this.dropUnusedTail(n, 1, 'the mask output (its type changed to bool at opset 10)');
        break;
      }
      case 'Concat': {
        if (from < 4 && n.attrs['axis'] === undefined) n.attrs['axis'] = 1;
        break;
      }
      case 'Cast': {
        const to = n.attrs['to'];
        if (typeof to === 'string') {
          const t = CAST_NAMES[to.toUpperCase()];
          if (t === undefined) this.fail(n, `unknown Cast target type '${to}'`);
          n.attrs['to'] = t;
        }
        break;
      }
      case 'Gemm': {
        n.attrs = this.without(n.attrs, 'broadcast');
        break;
      }
      case 'ImageScaler': {
        // removed from ONNX at opset 10: y = scale * x + bias[c]
        const scale = typeof n.attrs['scale'] === 'number' ? (n.attrs['scale'] as number) : 1;
        const bias = Array.isArray(n.attrs['bias']) ? (n.attrs['bias'] as number[]) : [];
        const mid = this.names.fresh(`${n.outputs[0]}_scaled`);
        this.out.push({ name: base, op: 'Mul', domain: '', inputs: [n.inputs[0]!, this.constF32(`${base}_scale`, [scale])], outputs: [mid], attrs: {} });
        this.out.push({
          name: this.names.fresh(`${base}_bias`),
          op: 'Add',
          domain: '',
          inputs: [mid, this.constF32(`${base}_bias`, bias, [1, bias.length, 1, 1])],
          outputs: [n.outputs[0]!],
          attrs: {},
        });
        return;
      }
      default:
        break;
    }
    if (from < 7 && LEGACY_BROADCAST_OPS.has(n.op) && ('broadcast' in n.attrs || 'axis' in n.attrs)) {
      n = this.upgradeLegacyBroadcast(n);
    }
    this.out.push(n);
  }

  private dropUnusedTail(n: Node, keep: number, what: string): string[] {
    const extra = n.outputs.slice(keep).filter((o) => o);
    if (extra.some((o) => this.isUsed(o))) this.fail(n, `${what} are used by other nodes`);
    return n.outputs.slice(0, keep);
  }

  private upgradeLegacyBroadcast(n: Node): Node {
    const broadcast = n.attrs['broadcast'];
    const axis = n.attrs['axis'];
    const attrs = this.without(n.attrs, 'broadcast', 'axis');
    if (broadcast !== 1 || axis === undefined) return { ...n, attrs };
    // opset < 7 broadcast with axis: B's dims are aligned with A starting at `axis`;
    // multidirectional broadcasting needs B's trailing dims padded with 1s.
    const b = n.inputs[1] ?? '';
    const tb = this.inits.get(b);
    const ra = this.rankOf(n.inputs[0] ?? '');
    if (!tb || ra === undefined) this.fail(n, 'legacy broadcast with axis needs a constant B and an input of known rank');
    const a = (axis as number) < 0 ? (axis as number) + ra : (axis as number);
    const pad = ra - a - tb.dims.length;
    if (pad < 0) this.fail(n, `legacy broadcast: B of rank ${tb.dims.length} does not fit at axis ${a} of a rank-${ra} input`);
    if (pad === 0) return { ...n, attrs };
    const name = this.names.fresh(`${b}_bcast`);
    this.inits.set(name, { ...tb, dims: [...tb.dims, ...new Array<number>(pad).fill(1)] });
    return { ...n, attrs, inputs: [n.inputs[0]!, name] };
  }

  private upgradeSoftmax(n: Node): void {
    const from = this.graph.opset;
    const axisAttr = n.attrs['axis'];
    if (from >= 13) {
      this.out.push(n);
      return;
    }
    // before opset 13 the input is coerced to 2-D [prod(d<axis), prod(d>=axis)] and the op
    // runs over the second dim; at 13 it runs over the single dimension `axis`.
    const axis = typeof axisAttr === 'number' ? axisAttr : 1;
    const x = n.inputs[0]!;
    const r = this.rankOf(x);
    if (r !== undefined) {
      const a = axis < 0 ? axis + r : axis;
      if (a === r - 1) {
        this.out.push({ ...n, attrs: { ...n.attrs, axis: a } });
        return;
      }
    }
    // general form: Flatten(axis) → op(axis=1) → Reshape back to the input's shape
    const shape = this.names.fresh(`${n.outputs[0]}_in_shape`);
    const flat = this.names.fresh(`${n.outputs[0]}_flat`);
    const res = this.names.fresh(`${n.outputs[0]}_2d`);
    this.out.push({ name: this.names.fresh(`${n.name}_shape`), op: 'Shape', domain: '', inputs: [x], outputs: [shape], attrs: {} });
    this.out.push({ name: this.names.fresh(`${n.name}_flatten`), op: 'Flatten', domain: '', inputs: [x], outputs: [flat], attrs: { axis } });
    this.out.push({ ...n, inputs: [flat], outputs: [res], attrs: { ...n.attrs, axis: 1 } });
    this.out.push({ name: this.names.fresh(`${n.name}_reshape`), op: 'Reshape', domain: '', inputs: [res, shape], outputs: [n.outputs[0]!], attrs: {} });
  }

  private scalesOf(name: string): number[] | undefined {
    const t = name ? this.inits.get(name) : undefined;
    return t ? toNumbers(t) : undefined;
  }

  private upgradeUpsample(n: Node): void {
    let scalesName: string;
    let scales: number[] | undefined;
    const attrScales = n.attrs['scales'];
    if (Array.isArray(attrScales)) {
      scales = attrScales as number[];
      scalesName = this.constF32(`${n.name}_scales`, scales, [scales.length]);
    } else if (typeof n.attrs['height_scale'] === 'number' || typeof n.attrs['width_scale'] === 'number') {
      // Upsample-1
      const h = (n.attrs['height_scale'] as number | undefined) ?? 1;
      const w = (n.attrs['width_scale'] as number | undefined) ?? 1;
      scales = [1, 1, h, w];
      scalesName = this.constF32(`${n.name}_scales`, scales, [4]);
    } else {
      scalesName = n.inputs[1] ?? '';
      if (!scalesName) this.fail(n, 'Upsample without scales');
      scales = this.scalesOf(scalesName);
    }
    const r = this.resizeFromLegacy({ ...n, op: 'Resize', attrs: this.without(n.attrs, 'scales', 'height_scale', 'width_scale') }, scalesName, scales);
    this.out.push(r);
  }

  /**
   * Upsample-7/9 and Resize-10 → Resize-13. The legacy ops use asymmetric coordinates
   * (x_in = x_out / scale) and, in nearest mode, truncate the coordinate when upsampling
   * and round it up when downsampling (onnxruntime's "simple" mode).
   */
  private resizeFromLegacy(n: Node, scalesName: string, scales: number[] | undefined): Node {
    let mode = String(n.attrs['mode'] ?? 'nearest').toLowerCase();
    if (mode === 'bilinear' || mode === 'trilinear') mode = 'linear';
    if (mode !== 'nearest' && mode !== 'linear') this.fail(n, `unsupported mode '${mode}'`);
    const attrs: Record<string, AttrValue> = { mode, coordinate_transformation_mode: 'asymmetric' };
    if (mode === 'nearest') {
      let nearest = 'floor';
      if (scales) {
        const down = scales.filter((s) => s < 1).length;
        const up = scales.filter((s) => s > 1).length;
        if (down > 0 && up > 0) this.fail(n, 'nearest resize that upsamples some axes and downsamples others has no opset-13 equivalent');
        if (down > 0) nearest = 'ceil';
      }
      attrs['nearest_mode'] = nearest;
    }
    return { ...n, op: 'Resize', inputs: [n.inputs[0]!, '', scalesName], attrs };
  }
}

/** Splits a node with a fused activation into the node (writing its pre-activation output) and a Relu/Clip node. */
function unfuse(node: Node, names: NameAllocator, up: Upgrader): [Node, Node] {
  const act = node.act!;
  const out0 = node.outputs[0];
  if (!out0) throw new ExportError(`node '${node.name}' (${node.op}): has a fused activation but no output`);
  const pre = node.preActOutput && node.preActOutput !== out0 ? node.preActOutput : names.fresh(`${out0}_preact`);
  const main: Node = { name: node.name, op: node.op, domain: node.domain, inputs: [...node.inputs], outputs: [pre, ...node.outputs.slice(1)], attrs: { ...node.attrs } };
  // keep the original activation node's name when it is free
  const actName = act.node && !names.has(act.node) ? act.node : names.fresh(act.node || `${node.name}_${act.kind}`);
  names.reserve(actName);
  const actNode: Node = { name: actName, op: act.kind === 'relu' ? 'Relu' : 'Clip', domain: '', inputs: [pre], outputs: [out0], attrs: {} };
  if (act.kind === 'clip') {
    actNode.inputs.push(Number.isFinite(act.min) ? up.constF32(`${actName}_min`, [act.min]) : '');
    actNode.inputs.push(Number.isFinite(act.max) ? up.constF32(`${actName}_max`, [act.max]) : '');
    while (actNode.inputs.length > 1 && actNode.inputs[actNode.inputs.length - 1] === '') actNode.inputs.pop();
  }
  return [main, actNode];
}

/**
 * Returns a copy of `graph` in opset-13 form (see the file comment). Initializers are
 * shared with the input graph (not copied); new constants are added to a new map.
 */
export function toOpset13(graph: Graph): Graph {
  const names = new NameAllocator(graph);
  const up = new Upgrader(graph, names);
  for (const node of graph.nodes) {
    if (!node.act) {
      up.upgrade(node);
      continue;
    }
    const [main, actNode] = unfuse(node, names, up);
    up.upgrade(main);
    up.push(actNode);
  }
  return {
    name: graph.name,
    opset: Math.max(graph.opset, EXPORT_OPSET),
    inputs: graph.inputs.map((v) => ({ ...v, dims: [...v.dims] })),
    outputs: graph.outputs.map((v) => ({ ...v, dims: [...v.dims] })),
    nodes: up.out,
    initializers: up.inits,
    shapes: new Map(graph.shapes),
  };
}

// ---------------------------------------------------------------------------------------
// serialisation

/** Attributes that are floats wherever they occur in the ONNX operator set. */
const FLOAT_ATTRS = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'momentum',
  'ratio',
  'bias',
  'value',
  'min',
  'max',
  'spatial_scale',
  'lambd',
  'extrapolation_value',
  'cubic_coeff_a',
  'scale',
  'scales',
  'threshold',
  'height_scale',
  'width_scale',
  'seed',
  'mean',
  'high',
  'low',
  'value_float',
  'value_floats',
  'clip',
  'activation_alpha',
  'activation_beta',
]);

const DTYPE_CODES: Record<string, number> = {
  float32: DataType.FLOAT,
  float: DataType.FLOAT,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int16: DataType.INT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  float16: DataType.FLOAT16,
  double: DataType.DOUBLE,
  float64: DataType.DOUBLE,
};

function elemType(v: ValueInfo): number {
  const d = v.dtype.trim();
  if (/^\d+$/.test(d)) return Number(d);
  const c = DTYPE_CODES[d.toLowerCase()];
  if (c === undefined) throw new ExportError(`graph input/output '${v.name}': unknown element type '${v.dtype}'`);
  return c;
}

function valueInfoProto(v: ValueInfo): IValueInfoProto {
  const tensorType: { elemType: number; shape?: { dim: { dimValue?: number }[] } } = { elemType: elemType(v) };
  // dims [] means "unknown" in the IR (import gives [] when the model has no shape)
  if (v.dims.length > 0) tensorType.shape = { dim: v.dims.map((d) => (d > 0 ? { dimValue: d } : {})) };
  return { name: v.name, type: { tensorType } };
}

function isTensorValue(v: AttrValue): v is Tensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v && 'data' in v;
}

function isSubgraph(v: AttrValue): v is SubgraphAttr {
  return typeof v === 'object' && v !== null && 'subgraph' in v;
}

function attrProto(name: string, v: AttrValue, where: string): IAttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (FLOAT_ATTRS.has(name) || !Number.isInteger(v)) return { name, type: AttributeType.FLOAT, f: v };
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (v.some((x) => typeof x === 'string')) return { name, type: AttributeType.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    const nums = v as number[];
    if (FLOAT_ATTRS.has(name) || nums.some((x) => !Number.isInteger(x))) return { name, type: AttributeType.FLOATS, floats: nums };
    return { name, type: AttributeType.INTS, ints: nums };
  }
  if (isTensorValue(v)) return { name, type: AttributeType.TENSOR, t: encodeInitializer('', v) };
  if (isSubgraph(v)) return { name, type: AttributeType.GRAPH, g: v.subgraph as IGraphProto };
  throw new ExportError(`${where}: attribute ${name} has a value that cannot be written`);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * encodeTensor, except that int64 values at or beyond ±2^63 (INT64_MAX read into a double
 * becomes 2^63) are saturated instead of wrapping around to the other sign.
 */
export function encodeInitializer(name: string, t: Tensor): ITensorProto {
  if (t.dtype !== 'int64') return encodeTensor(name, t);
  const n = t.data.length;
  const raw = new Uint8Array(n * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const x = t.data[i]!;
    let b = Number.isFinite(x) ? BigInt(Math.trunc(x)) : x > 0 ? INT64_MAX : INT64_MIN;
    if (b > INT64_MAX) b = INT64_MAX;
    if (b < INT64_MIN) b = INT64_MIN;
    view.setBigInt64(i * 8, b, true);
  }
  return { name, dims: t.dims, dataType: DataType.INT64, rawData: raw };
}

function irVersionFor(opset: number): number {
  if (opset <= 13) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Serialises a graph as an ONNX ModelProto at opset 13 (see toOpset13). */
export function graphToModelProto(graph: Graph, opts: ExportGraphOptions = {}): IModelProto {
  const g = toOpset13(graph);
  const nodes: INodeProto[] = g.nodes.map((n) => ({
    name: n.name,
    opType: n.op,
    domain: n.domain,
    input: n.implicitInputs ? n.inputs.slice(0, n.inputs.length - n.implicitInputs) : n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v, `node '${n.name}' (${n.op})`)),
  }));
  const read = new Set<string>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) read.add(i);
  for (const o of g.outputs) read.add(o.name);
  const initializer: ITensorProto[] = [];
  for (const [k, t] of g.initializers) {
    if (!opts.keepUnusedInitializers && !read.has(k)) continue;
    initializer.push(encodeInitializer(k, t));
  }
  const domains = new Set<string>();
  for (const n of g.nodes) if (n.domain) domains.add(n.domain);
  const opsetImport = [{ domain: '', version: g.opset }, ...[...domains].sort().map((d) => ({ domain: d, version: opts.domainOpsets?.[d] ?? 1 }))];
  return {
    irVersion: irVersionFor(g.opset),
    producerName: opts.producerName ?? 'easyquant-studio',
    producerVersion: opts.producerVersion ?? '0.1.0',
    docString: opts.docString ?? '',
    opsetImport,
    graph: {
      name: g.name || 'graph',
      node: nodes,
      initializer,
      input: g.inputs.map(valueInfoProto),
      output: g.outputs.map(valueInfoProto),
    },
  };
}

/** Protobuf-encodes a ModelProto. */
export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
