/**
 * qlinear: a quantized Conv or Gemm. acc = sum(xq * wq) + bq (int32); int8 output
 * q = clip(rne(f32(f32(acc) * M_c)) - z_out, lo, hi), or float32 output y = act(f32(f32(acc) * D_c)).
 * An input zero offset z is folded into the bias by the lowering (+z·Σw); the padded taps of
 * a depthwise layer read -z (the real 0), other layers get a -z-padded input and no padding.
 */
import { intLinear } from '../../quant/int-gemm.js';
import { rne } from '../../quant/rounding.js';
import { typedBytes } from '../bytes.js';
import type { EqmLinearGeom } from '../eqm-model.js';
import { EQM_LIMITS, LinearKind } from '../format.js';
import { clipQ, f32, numel } from './common.js';
import type { IntOpDef, IntOpOf } from './types.js';
import { convPadding } from '../../quant/unsigned-acts.js';

const INT32_MAX = 2147483647;
const GEOM_FIELDS = ['cin', 'cout', 'group', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'padT', 'padL', 'inH', 'inW', 'outH', 'outW', 'K', 'P'] as const;

/**
 * The layer's int32 sums of stored inputs, Σ w·v, with padded taps reading -z: computed as
 * Σ w·(v + z) with zero padding (u = v + z is the unsigned level, 0 in the padding) minus z·Σw.
 */
function linearSums(op: IntOpOf<'qlinear'>, x: Int8Array, dims: number[], z: number, opset: number, qmax: number): Float32Array | Float64Array {
  const g = op.geom;
  if (z === 0 || convPadding(g).every((p) => p === 0)) return intLinear(op.node, opset, g, x, dims, op.wq, qmax, qmax);
  const u = Float32Array.from(x, (v) => v + z);
  const acc = intLinear(op.node, opset, g, u, dims, op.wq, qmax + z, qmax);
  for (let ch = 0; ch < g.cout; ch++) {
    let sw = 0;
    for (let k = ch * g.K; k < (ch + 1) * g.K; k++) sw += op.wq[k]!;
    for (let p = 0; p < g.P; p++) acc[ch * g.P + p]! -= z * sw;
  }
  return acc;
}

export const qlinearOp: IntOpDef<'qlinear'> = {
  kind: 'qlinear',
  code: 4,
  encode(op, c) {
    const g = op.geom;
    const i = c.use(op.input, 'int8');
    const intOut = op.outScale !== undefined;
    const o = intOut ? c.define(op.output, 'int8', op.outDims, op.outScale) : c.define(op.output, 'float32', op.outDims);
    if (g.K > EQM_LIMITS.maxFanIn) c.fail(`layer '${op.name}': fan-in ${g.K} exceeds ${EQM_LIMITS.maxFanIn}`);
    if (g.cin % g.group !== 0 || g.cout % g.group !== 0) c.fail(`layer '${op.name}': channels ${g.cin}/${g.cout} not divisible by group ${g.group}`);
    const inN = numel(c.tensor(i).dims);
    const wantIn = g.kind === 'conv' ? g.cin * g.inH * g.inW : g.P * g.K;
    if (inN !== wantIn) c.fail(`layer '${op.name}': input has ${inN} elements, geometry expects ${wantIn}`);
    if (numel(op.outDims) !== g.cout * g.P) c.fail(`layer '${op.name}': output [${op.outDims.join(',')}] does not hold ${g.cout}x${g.P} values`);
    if (op.wq.length !== g.cout * g.K || op.bias.length !== g.cout || op.mult.length !== g.cout || op.tapMult.length !== g.cout)
      c.fail(`layer '${op.name}': parameter sizes do not match ${g.cout}x${g.K}`);
    if (intOut) {
      c.checkQ(`layer '${op.name}' lo`, op.lo);
      c.checkQ(`layer '${op.name}' hi`, op.hi);
    }
    const w = c.w;
    c.head(this.code, op.name);
    w.u32(i);
    w.u32(o);
    w.u8(g.kind === 'conv' ? LinearKind.conv : LinearKind.gemm);
    w.u8(intOut ? 1 : 0);
    w.u8(op.floatAct ? 1 : 0);
    w.u8(0);
    for (const f of GEOM_FIELDS) c.geomU32(`layer '${op.name}' ${f}`, g[f]);
    w.i32(intOut ? op.lo : 0);
    w.i32(intOut ? op.hi : 0);
    w.f32(op.outScale ?? 0);
    w.f64(op.floatAct ? op.floatAct.min : 0);
    w.f64(op.floatAct ? op.floatAct.max : 0);
    for (let ch = 0; ch < g.cout; ch++) {
      if (intOut) c.checkMult(`layer '${op.name}' multiplier ${ch}`, op.mult[ch]!);
      else if (!Number.isFinite(op.mult[ch]!)) c.fail(`layer '${op.name}': multiplier ${ch} is not finite`);
      if (!Number.isFinite(op.tapMult[ch]!)) c.fail(`layer '${op.name}': tap multiplier ${ch} is not finite`);
    }
    c.blob(typedBytes(op.wq));
    c.blob(typedBytes(op.bias));
    c.blob(typedBytes(op.mult));
    c.blob(typedBytes(op.tapMult));
  },
  decode(c, name, what) {
    const r = c.r;
    const input = c.ref(`${what} input`, 'int8');
    const output = c.ref(`${what} output`);
    const lk = r.u8('linear kind');
    const intOutput = r.u8('int output') === 1;
    const hasAct = r.u8('float act') === 1;
    r.u8('reserved');
    if (lk !== LinearKind.conv && lk !== LinearKind.gemm) c.bad(`${what}: unknown linear kind ${lk}`);
    const g = { kind: lk === LinearKind.conv ? 'conv' : 'gemm' } as EqmLinearGeom;
    for (const f of GEOM_FIELDS) g[f] = c.u32Geom(`${what} ${f}`);
    const lo = r.i32('lo');
    const hi = r.i32('hi');
    const outScale = r.f32('out scale');
    const amin = r.f64('act min');
    const amax = r.f64('act max');
    if (g.cin < 1 || g.cout < 1 || g.group < 1 || g.cin % g.group || g.cout % g.group) c.bad(`${what}: invalid channels/group`);
    if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) c.bad(`${what}: invalid kernel/stride/dilation`);
    if (g.K < 1 || g.K > EQM_LIMITS.maxFanIn) c.bad(`${what}: invalid fan-in ${g.K}`);
    if (g.kind === 'conv' && (g.K !== (g.cin / g.group) * g.kh * g.kw || g.P !== g.outH * g.outW)) c.bad(`${what}: K/P do not match the geometry`);
    if (g.kind === 'gemm' && (g.group !== 1 || g.K !== g.cin)) c.bad(`${what}: invalid gemm geometry`);
    const wantIn = g.kind === 'conv' ? g.cin * g.inH * g.inW : g.P * g.K;
    if (c.numel(input) !== wantIn) c.bad(`${what}: input has ${c.numel(input)} elements, geometry expects ${wantIn}`);
    if (c.numel(output) !== g.cout * g.P) c.bad(`${what}: output has ${c.numel(output)} elements, expected ${g.cout * g.P}`);
    if (c.tensors[output]!.dtype !== (intOutput ? 'int8' : 'float32')) c.bad(`${what}: output dtype does not match`);
    if (intOutput && (lo < -128 || hi > 127 || lo > 127 || hi < -128)) c.bad(`${what}: lo/hi out of int8 range`);
    const wq = new Int8Array(c.blob(`${what} weights`, g.cout * g.K).buffer);
    const bias = new Int32Array(c.blob(`${what} bias`, g.cout * 4).buffer);
    const mult = new Float32Array(c.blob(`${what} multipliers`, g.cout * 4).buffer);
    const tapMult = new Float64Array(c.blob(`${what} tap multipliers`, g.cout * 8).buffer);
    c.use(input, what);
    c.produce(output, what);
    return { kind: 'qlinear', name, input, output, geom: g, intOutput, lo, hi, outScale, floatAct: hasAct ? { min: amin, max: amax } : undefined, wq, bias, mult, tapMult };
  },
  run(op, c) {
    const x = c.getI(op.input);
    const g = op.geom;
    const acc = linearSums(op, x.data, x.dims, c.zero(op.input), c.graph.opset, c.qmax);
    const P = g.P;
    const outInt = op.outScale !== undefined ? new Int8Array(g.cout * P) : undefined;
    const outF = op.outScale === undefined ? new Float32Array(g.cout * P) : undefined;
    const zo = outInt ? c.zero(op.output) : 0;
    const tapBuf = c.tap ? new Float32Array(g.cout * P) : undefined;
    for (let ch = 0; ch < g.cout; ch++) {
      const b = op.bias[ch]!;
      const m = op.mult[ch]!;
      for (let p = 0; p < P; p++) {
        const a = acc[ch * P + p]! + b;
        if (a > INT32_MAX || a < -INT32_MAX - 1) throw new Error(`layer '${op.name}': int32 accumulator overflow`);
        // output layout: NCHW for conv, [M][N] for gemm
        const o = g.kind === 'conv' ? ch * P + p : p * g.cout + ch;
        if (tapBuf) tapBuf[o] = a * op.tapMult[ch]!;
        if (outInt) outInt[o] = clipQ(rne(f32(f32(a) * m)) - zo, op.lo, op.hi);
        else {
          let v = f32(f32(a) * m);
          if (op.floatAct) v = v < op.floatAct.min ? op.floatAct.min : v > op.floatAct.max ? op.floatAct.max : v;
          outF![o] = v;
        }
      }
    }
    if (tapBuf) c.tap!(op.name, tapBuf);
    if (outInt) c.setI(op.output, { dims: op.outDims, data: outInt });
    else c.setF(op.output, { dtype: 'float32', dims: op.outDims, data: outF! });
  },
};
