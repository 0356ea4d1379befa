/**
 * Pad and Resize nodes that can run on int8 data at their input's scale (eqm/ops/qpad.ts,
 * qresize.ts): a constant Pad with value 0 (int8 0 is 0.0 at any scale) and a nearest or linear
 * Resize of the last two axes of a 4-D tensor (its outputs lie between its inputs). The scale
 * assignment treats them as range-preserving, the lowering as int ops; anything else stays FP32.
 */
import { attrFloat, attrInt, attrInts, attrString, type Graph, type Node } from '../graph/ir.js';
import { axisTaps } from '../ops/resize-common.js';
import { resizeOptions, resizePlan } from '../ops/resize.js';

/** fixed-point weights of the int8 linear Resize: w0 + w1 = 2^RESIZE_WBITS */
export const RESIZE_WBITS = 11;
const ONE = 1 << RESIZE_WBITS;

const constants = (graph: Graph, n: Node) => n.inputs.map((x) => (x ? graph.initializers.get(x) : undefined));
const absent = (n: Node, i: number) => i >= n.inputs.length || n.inputs[i] === '';

/** The pads [begin..., end...] of a zero-constant Pad with non-negative constant pads, else undefined. */
export function int8PadPads(graph: Graph, n: Node): number[] | undefined {
  if (n.op !== 'Pad' || attrString(n, 'mode', 'constant') !== 'constant') return undefined;
  const rank = graph.shapes.get(n.inputs[0] ?? '')?.length;
  if (rank === undefined || rank < 1) return undefined;
  let pads: number[];
  if (graph.opset < 11) {
    if (attrFloat(n, 'value', 0) !== 0) return undefined;
    pads = attrInts(n, graph.opset < 2 ? 'paddings' : 'pads', []);
  } else {
    const [, p, v] = constants(graph, n);
    if (!p || !absent(n, 3)) return undefined;
    if (!absent(n, 2) && (!v || v.data.length > 1 || (v.data.length === 1 && Number(v.data[0]) !== 0))) return undefined;
    pads = Array.from(p.data as ArrayLike<number | bigint>, Number);
  }
  if (pads.length !== 2 * rank || pads.some((v) => !Number.isInteger(v) || v < 0)) return undefined;
  return pads;
}

/** One axis of the int8 Resize: per output index, the two input rows and the weight of the second. */
export interface Int8ResizeAxis {
  i0: Int32Array;
  i1: Int32Array;
  /** weight of i1 in 1/2^RESIZE_WBITS (0 for nearest); i0 gets the rest */
  w1: Int32Array;
}

function fixedAxis(taps: ReturnType<typeof axisTaps>, inLen: number, outLen: number, linear: boolean): Int8ResizeAxis {
  const a = { i0: new Int32Array(outLen), i1: new Int32Array(outLen), w1: new Int32Array(outLen) };
  for (let i = 0; i < outLen; i++) {
    if (taps.identity) {
      a.i0[i] = a.i1[i] = i;
      continue;
    }
    if (!linear) {
      a.i0[i] = a.i1[i] = taps.idx[i]!;
      continue;
    }
    const w = Math.round(taps.wt[2 * i + 1]! * ONE);
    a.i0[i] = taps.idx[2 * i]!;
    a.i1[i] = w === 0 ? taps.idx[2 * i]! : taps.idx[2 * i + 1]!;
    a.w1[i] = w;
  }
  if (a.i0.some((k) => k < 0 || k >= inLen) || a.i1.some((k) => k < 0 || k >= inLen)) throw new Error('int8 resize: tap outside the input');
  return a;
}

/** The H and W tables of a Resize that can run on int8, else undefined. */
export function int8ResizeAxes(graph: Graph, n: Node): { h: Int8ResizeAxis; w: Int8ResizeAxis } | undefined {
  if (n.op !== 'Resize') return undefined;
  const dims = graph.shapes.get(n.inputs[0] ?? '');
  if (!dims || dims.length !== 4) return undefined;
  const ctx = { opset: graph.opset };
  try {
    const o = resizeOptions(n, ctx);
    if ((o.mode !== 'nearest' && o.mode !== 'linear') || o.coord === 'tf_crop_and_resize') return undefined;
    if (graph.opset >= 18 && attrInt(n, 'antialias', 0) !== 0) return undefined;
    const p = resizePlan(n, dims, constants(graph, n), ctx, false);
    if (p.out[0] !== dims[0] || p.out[1] !== dims[1] || p.roi.length > 0) return undefined;
    const axis = (ax: number) => fixedAxis(axisTaps(o, dims[ax]!, p.out[ax]!, p.scales[ax]!, 0, 1), dims[ax]!, p.out[ax]!, o.mode === 'linear');
    return { h: axis(2), w: axis(3) };
  } catch {
    return undefined; // not a valid Resize for these inputs: the float kernel reports it
  }
}
