/**
 * Unsigned activations: which int8 tensors run on the unsigned grid.
 *
 * A symmetric grid spends half its levels on negative values a ReLU output never takes. On the
 * unsigned grid a provably non-negative tensor with table scale S and clamp q is quantized as
 * u = clip(rne(x * 2S), 0, 2q) and stored as v = u - q (zero offset z = q): the stored values stay
 * in [-q, q], so every kernel's overflow bound (INT7's int16 accumulation included) holds
 * unchanged, while the resolution doubles. The integer program then carries z per int8 value:
 * a layer reading such a tensor adds z·Σw to its bias and pads with -z (engine/lower.ts).
 *
 * The set is decided on the graph so that the lowering, the simulation engine and the QDQ export
 * agree. A tensor qualifies when it is non-negative by construction (a layer's fused ReLU or
 * Clip(min >= 0), or max/average pooling, concatenation or a reshape of such tensors), has
 * an int8 scale in the table, and no reader is an int8 op that has no zero offset (Add, Mul, Pad,
 * Resize, Relu, the activation-table chains); float readers are fine (dequantize adds z back).
 */
import { attrInts, attrString, type Graph, type Node } from '../graph/ir.js';
import type { LinearGeom } from './linear-geom.js';
import type { ScaleTable } from './scale-table.js';

/**
 * Step of the unsigned grid: a tensor of table scale S is quantized as u = clip(rne(x·2S), 0, 2q)
 * and stored as u − q, so it keeps the symmetric grid's 2q + 1 levels on [0, max] instead of
 * [−max, max]. Every consumer of the table (lowering, simulation, searches, QDQ export) takes
 * the step from here.
 */
export const unsignedScale = (s: number): number => 2 * Math.fround(s);

/** The quantization step of a tensor of table scale s on its grid (float32, as the integer program applies it). */
export const gridScale = (s: number, unsigned: boolean): number => (unsigned ? unsignedScale(s) : Math.fround(s));

/** ops whose output is non-negative when every data input is */
const PRESERVES_NONNEG = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'Concat', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);
/** int8 readers that handle a zero offset (besides the quantized layers) */
const ZERO_AWARE_READERS = PRESERVES_NONNEG;
/** int8 readers without a zero offset: a tensor one of them reads stays on the symmetric grid */
const SYMMETRIC_READERS = new Set(['Add', 'Mul', 'Pad', 'Resize', 'Relu']);

// a standalone Relu lowers to qrelu, which has no zero offset: only fused activations count
function nonNegativeAct(n: Node): boolean {
  if (!n.act) return false;
  return n.act.kind === 'relu' || (n.act.kind === 'clip' && n.act.min >= 0);
}

/**
 * Graph tensors on the unsigned grid (empty unless the table asks for it). `lutInputs`: tensors
 * read by an activation-table chain (engine/lut-activations.ts), which indexes a symmetric table.
 */
export function unsignedTensors(
  graph: Graph,
  table: Pick<ScaleTable, 'unsignedActivations' | 'tensors'> & { layers: readonly { name: string; input: string }[] },
  lutInputs: ReadonlySet<string> = new Set(),
): Set<string> {
  const out = new Set<string>();
  if (!table.unsignedActivations) return out;
  const layerByNode = new Map(table.layers.map((l) => [l.name, l]));
  const nonNeg = new Set<string>();
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    const data = n.inputs.filter((x) => x && !graph.initializers.has(x));
    for (const x of data) {
      let r = readers.get(x);
      if (!r) readers.set(x, (r = []));
      r.push(n);
    }
    const o = n.outputs[0];
    if (!o) continue;
    const isLayer = layerByNode.has(n.name);
    if (nonNegativeAct(n) || (!isLayer && PRESERVES_NONNEG.has(n.op) && data.length > 0 && data.length === n.inputs.filter(Boolean).length && data.every((x) => nonNeg.has(x))))
      nonNeg.add(o);
  }
  for (const t of nonNeg) {
    if (table.tensors[t] === undefined || lutInputs.has(t)) continue;
    const ok = (readers.get(t) ?? []).every((n) => {
      const layer = layerByNode.get(n.name);
      // the lowering pads an NCHW input with -z itself; other ranks must need no padding
      if (layer) return layer.input === t && (graph.shapes.get(t)?.length === 4 || !convPadded(n));
      if (ZERO_AWARE_READERS.has(n.op)) return true;
      return !SYMMETRIC_READERS.has(n.op);
    });
    if (ok) out.add(t);
  }
  return out;
}

function convPadded(n: Node): boolean {
  return n.op === 'Conv' && (attrInts(n, 'pads', []).some((p) => p !== 0) || attrString(n, 'auto_pad', 'NOTSET').startsWith('SAME'));
}

/**
 * A depthwise layer (one input channel per output channel) pads a zero-offset input with -z
 * itself, in its kernels' own padded row buffers; other layers read an explicitly padded copy.
 */
export function padsZeroOffsetItself(g: LinearGeom): boolean {
  return g.kind === 'conv' && g.group > 1 && g.group === g.cin && g.group === g.cout;
}

/** [top, left, bottom, right] padding a conv layer reads (bottom/right: what its last window needs) */
export function convPadding(g: LinearGeom): [number, number, number, number] {
  if (g.kind !== 'conv') return [0, 0, 0, 0];
  const b = Math.max(0, (g.outH - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.inH - g.padT);
  const r = Math.max(0, (g.outW - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.inW - g.padL);
  return [g.padT, g.padL, b, r];
}
