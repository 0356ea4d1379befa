/** Lowers the quantized graph (IR + scale table) to the integer program. */
import { fuseIntOps } from './fuse-int-ops.js';
import { loweringFor } from '../eqm/ops/registry.js';
import type { LowerCtx } from '../eqm/ops/types.js';
import type { Graph, Node } from '../graph/ir.js';
import { correctedBias } from '../quant/bias-correction.js';
import { quantizeWeights } from '../quant/fake-quant-layer.js';
import { layerFlips } from '../quant/weight-rounding.js';
import type { QuantPlan } from '../quant/plan.js';
import { rne } from '../quant/rounding.js';
import { layerQmax, tensorQmax, type ScaleTable } from '../quant/scale-table.js';
import { convPadding, gridScale, padsZeroOffsetItself, unsignedTensors } from '../quant/unsigned-acts.js';
import type { IntOp, IntProgram } from './int-program.js';
import { findLutChains, lutInputScale, lutTable } from './lut-activations.js';

const f32 = Math.fround;
const INT32_MAX = 2147483647;

function cachedWeights(
  cache: WeightCache | undefined,
  layer: QuantPlan['layers'][number],
  scales: ArrayLike<number>,
  qmax: number,
  flips: ReturnType<typeof layerFlips>,
): Int8Array {
  // optimised rounding (weight_round_flip) is not part of the cache key: quantize those layers afresh
  if (!cache || flips) return quantizeWeights(layer, scales, qmax, flips);
  let m = cache.get(scales);
  if (!m) cache.set(scales, (m = new Map()));
  const key = `${layer.name}\u0000${qmax}`;
  let wq = m.get(key);
  if (!wq) m.set(key, (wq = quantizeWeights(layer, scales, qmax)));
  return wq;
}

/**
 * Quantized weights by the weight-scale array they were made with (then layer and qmax): a caller that
 * lowers many tables sharing the same weightScales arrays (LAPQ's evaluations) quantizes once.
 */
export type WeightCache = WeakMap<ArrayLike<number>, Map<string, Int8Array>>;

export function lowerToIntProgram(graph: Graph, plan: QuantPlan, table: ScaleTable, weightCache?: WeightCache): IntProgram {
  // the integer program and EQM v1 have one input tensor (runIntProgram, the native runtime, eqrun)
  if (graph.inputs.length > 1) {
    throw new Error(
      `the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => `'${i.name}'`).join(', ')}): the integer program (engines int-ref and native, EQM compile) takes a single input; evaluate it with --engine sim, ort-qdq or fp32`,
    );
  }
  const qmax = table.qmax;
  // per-layer precision: an op clamps to its output tensor's qmax (tensor_bits), a layer's
  // weights to its own; a uniform table leaves every op at the program's qmax
  const tq = (t: string) => tensorQmax(table, t);
  const withQ = (op: IntOp, q: number): IntOp => (q === qmax ? op : { ...op, qmax: q });
  const ops: IntOp[] = [];
  const intScales = new Map<string, number>();
  /** tensor → (scale → int8 value name) */
  const intVersions = new Map<string, Map<number, string>>();
  const floatAvail = new Set<string>(graph.inputs.map((i) => i.name));
  const layers = new Map(plan.layers.map((l) => [l.name, l]));
  // activation chains run as int8 tables; a layer output feeding only such a chain gets an
  // int8 scale derived from the chain's output scale (eqm/ops/qlut.ts)
  const lutChains = findLutChains(graph);
  const derived = new Map<string, number>();
  const layerOutputs = new Set(plan.layers.map((l) => l.output));
  for (const ch of lutChains.values()) {
    const so = table.tensors[ch.output];
    if (so === undefined || table.tensors[ch.input] !== undefined || !layerOutputs.has(ch.input)) continue;
    const si = lutInputScale(graph, ch, f32(so), tq(ch.input));
    if (si !== undefined) derived.set(ch.input, si);
  }
  // unsigned grid (quant/unsigned-acts.ts): scale 2S, zero offset = the tensor's qmax
  const unsigned = unsignedTensors(graph, table, new Set([...lutChains.values()].map((ch) => ch.input)));
  const zOf = (t: string) => (unsigned.has(t) ? tq(t) : 0);
  const intZeros = new Map<string, number>();
  const setZero = (name: string, z: number) => (z ? intZeros.set(name, z) : intZeros.delete(name));
  const tensorScale = (t: string): number | undefined => {
    const s = table.tensors[t] ?? derived.get(t);
    return s === undefined ? undefined : gridScale(s, unsigned.has(t));
  };
  const skip = new Set<Node>();
  const scalesOf = new Map(table.layers.map((l) => [l.name, l]));
  let uid = 0;

  const addInt = (t: string, scale: number, name: string) => {
    let m = intVersions.get(t);
    if (!m) intVersions.set(t, (m = new Map()));
    m.set(scale, name);
    intScales.set(name, scale);
    setZero(name, zOf(t));
  };
  const anyInt = (t: string): [number, string] | undefined => {
    const m = intVersions.get(t);
    if (!m || m.size === 0) return undefined;
    return [...m.entries()][0]!;
  };
  const needInt = (t: string, scale: number): string => {
    const m = intVersions.get(t);
    const have = m?.get(scale);
    if (have) return have;
    const name = m && m.size > 0 ? `${t}::q${uid++}` : `${t}::q`;
    const other = anyInt(t);
    if (other && !floatAvail.has(t)) ops.push(withQ({ kind: 'requantize', input: other[1], output: name, mult: f32(scale / other[0]) }, tq(t)));
    else ops.push(withQ({ kind: 'quantize', input: t, output: name, scale }, tq(t)));
    addInt(t, scale, name);
    return name;
  };
  const needFloat = (t: string): string => {
    if (floatAvail.has(t) || graph.initializers.has(t) || t === '') return t;
    const v = anyInt(t);
    if (!v) throw new Error(`lowering: tensor '${t}' is not available`);
    ops.push({ kind: 'dequantize', input: v[1], output: t, scale: v[0] });
    floatAvail.add(t);
    return t;
  };
  const intOutName = (t: string) => `${t}::q`;
  const dataInputs = (n: Node) => n.inputs.filter((x) => x && !graph.initializers.has(x));

  for (const node of graph.nodes) {
    const layer = layers.get(node.name);
    const ls = scalesOf.get(node.name);
    const outT = node.outputs[0]!;
    const So = tensorScale(outT);
    if (layer && ls) {
      const zi = zOf(layer.input);
      const sa = gridScale(ls.inputScale, zi !== 0);
      let input = needInt(layer.input, sa);
      let geom = layer.geom;
      let lnode = node;
      const pads = convPadding(geom);
      if (zi && pads.some((p) => p > 0) && !padsZeroOffsetItself(geom)) {
        // the GEMM/Winograd kernels pad with 0, which is not the real 0 on this grid: pad with -z first
        const [pt, pl, pb, pr] = pads;
        const d = graph.shapes.get(layer.input)!;
        const padded = `${input}::pad@${node.name}`;
        const outDims = [d[0]!, d[1]!, d[2]! + pt + pb, d[3]! + pl + pr];
        ops.push(withQ({ kind: 'qpad', input, output: padded, pads: [0, 0, pt, pl, 0, 0, pb, pr], outDims }, tq(layer.input)));
        intScales.set(padded, sa);
        setZero(padded, zi);
        input = padded;
        geom = { ...geom, padT: 0, padL: 0, inH: outDims[2]!, inW: outDims[3]! };
        lnode = { ...node, attrs: { ...node.attrs, pads: [0, 0, 0, 0], auto_pad: 'NOTSET' } };
      }
      const lq = layerQmax(table, ls);
      const oq = So !== undefined ? tq(outT) : lq;
      const wq = cachedWeights(weightCache, layer, ls.weightScales, lq, layerFlips(ls, layer.geom.cout, layer.geom.K));
      const cout = layer.geom.cout;
      const bias = new Int32Array(cout);
      const mult = new Float32Array(cout);
      const tapMult = new Float64Array(cout);
      // |sum of products| <= K·qmax², so a bias within ±(2^31-1 - K·qmax²) keeps acc + bias in
      // int32 for every input. Only degenerate channels (near-zero weights after BN folding,
      // hence huge weight scales) reach the clamp; their outputs saturate either way.
      const biasLimit = INT32_MAX - layer.geom.K * lq * lq;
      const fbias = correctedBias(layer.bias, ls.biasDelta);
      for (let c = 0; c < cout; c++) {
        const sw = f32(ls.weightScales[c]!);
        let b = rne(fbias[c]! * sa * sw);
        // the stored input is u - z: sum(w * u) = sum(w * stored) + z * sum(w)
        if (zi) for (let k = c * layer.geom.K; k < (c + 1) * layer.geom.K; k++) b += zi * wq[k]!;
        bias[c] = Math.max(-biasLimit, Math.min(biasLimit, b));
        mult[c] = So !== undefined ? f32(So / (sa * sw)) : f32(1 / (sa * sw));
        tapMult[c] = 1 / (sa * sw);
      }
      // the clamp on the unsigned grid is [z - oq, z + oq] before the offset, stored [-oq, oq]
      const zo = So !== undefined ? zOf(outT) : 0;
      let lo = zo - oq;
      let hi = zo + oq;
      let floatAct: { min: number; max: number } | undefined;
      if (node.act) {
        const min = node.act.kind === 'relu' ? 0 : node.act.min;
        const max = node.act.kind === 'relu' ? Infinity : node.act.max;
        if (So !== undefined) {
          lo = Math.max(lo, Number.isFinite(min) ? rne(f32(min * So)) : lo);
          hi = Math.min(hi, Number.isFinite(max) ? rne(f32(max * So)) : hi);
        } else floatAct = { min, max };
      }
      lo -= zo;
      hi -= zo;
      const output = So !== undefined ? intOutName(outT) : outT;
      // the op's qmax bounds both its weights and its output clamp
      ops.push(
        withQ(
          { kind: 'qlinear', name: node.name, node: lnode, input, output, outDims: graph.shapes.get(outT)!, geom, wq, bias, outScale: So, mult, lo, hi, tapMult, floatAct },
          Math.max(lq, oq),
        ),
      );
      if (So !== undefined) addInt(outT, So, output);
      else floatAvail.add(outT);
      continue;
    }
    if (skip.has(node)) continue;
    const chain = lutChains.get(node);
    const chainIn = chain && anyInt(chain.input);
    const chainSo = chain && tensorScale(chain.output);
    if (chain && chainIn && chainSo !== undefined) {
      const oq = tq(chain.output);
      const out = intOutName(chain.output);
      ops.push(withQ({ kind: 'qlut', input: chainIn[1], output: out, lut: lutTable(graph, chain, chainIn[0], chainSo, oq) }, oq));
      addInt(chain.output, chainSo, out);
      for (const n of chain.nodes) skip.add(n);
      continue;
    }
    const ins = dataInputs(node);
    const intIn = ins.map((x) => anyInt(x));
    const allInt = ins.length > 0 && intIn.every((v) => v !== undefined);
    // an int op implements this node on its int8 inputs (eqm/ops/<op>.ts, lower)
    const def = allInt && !node.act ? loweringFor(node.op) : undefined;
    if (So !== undefined && def?.lower) {
      const out = intOutName(outT);
      const oq = tq(outT);
      const c: LowerCtx = {
        graph,
        qmax: oq,
        node,
        ins,
        intIn: intIn as [number, string][],
        zero: (n) => intZeros.get(n) ?? 0,
        outZero: zOf(outT),
        setZero,
        outT,
        outScale: So,
        outDims: graph.shapes.get(outT)!,
        out,
        push: (op) => ops.push(withQ(op, oq)),
      };
      if (def.lower(c)) {
        addInt(outT, So, out);
        continue;
      }
    }
    // FP32 fallback
    for (const x of ins) needFloat(x);
    ops.push({ kind: 'float', node, inputs: node.inputs });
    for (const o of node.outputs) if (o) floatAvail.add(o);
  }
  const outputs = graph.outputs.map((o) => needFloat(o.name));
  fuseIntOps(ops, intScales, outputs);
  return { qmax, ops, intScales, ...(intZeros.size > 0 ? { intZeros } : {}), input: graph.inputs[0]!.name, outputs };
}
