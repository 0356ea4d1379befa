/**
 * The integer reference engine: executes the integer program exactly as documented in
 * int-program.ts. It is the oracle the native runtime is tested against, so it favours
 * plain, obviously-correct loops over speed.
 */
import type { Graph } from '../graph/ir.js';
import type { FloatTensor, Tensor } from '../graph/tensor.js';
import { intLinear } from '../quant/int-gemm.js';
import { rne } from '../quant/rounding.js';
import { runNodeFp32 } from './interpreter.js';
import { int8AvgPool, int8MaxPool, poolGeometry } from './int-pool.js';
import type { IntOp, IntProgram } from './int-program.js';
import type { EngineRun, LayerTap } from './types.js';

const f32 = Math.fround;
const INT32_MAX = 2147483647;

interface IntValue {
  dims: number[];
  data: Int8Array;
}

function clipQ(v: number, lo: number, hi: number): number {
  return v > hi ? hi : v < lo ? lo : v;
}

export function runIntProgram(graph: Graph, prog: IntProgram, input: Float32Array, dims: number[], tap?: LayerTap): EngineRun {
  const qmax = prog.qmax;
  const fl = new Map<string, Tensor>();
  const iv = new Map<string, IntValue>();
  fl.set(prog.input, { dtype: 'float32', dims, data: input });
  const getF = (n: string): Tensor | undefined => (n ? fl.get(n) ?? graph.initializers.get(n) : undefined);
  const getI = (n: string): IntValue => {
    const v = iv.get(n);
    if (!v) throw new Error(`integer reference: int8 value '${n}' missing`);
    return v;
  };
  for (const op of prog.ops) execOp(op);
  return { outputs: prog.outputs.map((o) => getF(o) as FloatTensor) };

  function execOp(op: IntOp): void {
    switch (op.kind) {
      case 'quantize': {
        const x = getF(op.input)!;
        const s = f32(op.scale);
        const out = new Int8Array(x.data.length);
        for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32(x.data[i]! * s)), -qmax, qmax);
        iv.set(op.output, { dims: x.dims, data: out });
        return;
      }
      case 'dequantize': {
        const x = getI(op.input);
        const m = f32(1 / op.scale);
        const out = new Float32Array(x.data.length);
        for (let i = 0; i < out.length; i++) out[i] = f32(x.data[i]! * m);
        fl.set(op.output, { dtype: 'float32', dims: x.dims, data: out });
        return;
      }
      case 'requantize': {
        const x = getI(op.input);
        const out = new Int8Array(x.data.length);
        for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32(x.data[i]! * op.mult)), -qmax, qmax);
        iv.set(op.output, { dims: x.dims, data: out });
        return;
      }
      case 'qlinear': {
        const x = getI(op.input);
        const g = op.geom;
        const acc = intLinear(op.node, graph.opset, g, x.data, x.dims, op.wq, qmax, qmax);
        const P = g.P;
        const outInt = op.outScale !== undefined ? new Int8Array(g.cout * P) : undefined;
        const outF = op.outScale === undefined ? new Float32Array(g.cout * P) : undefined;
        const tapBuf = tap ? new Float32Array(g.cout * P) : undefined;
        for (let c = 0; c < g.cout; c++) {
          const b = op.bias[c]!;
          const m = op.mult[c]!;
          for (let p = 0; p < P; p++) {
            const a = acc[c * P + p]! + b;
            if (a > INT32_MAX || a < -INT32_MAX - 1) throw new Error(`layer '${op.name}': int32 accumulator overflow`);
            // output layout: NCHW for conv, [M][N] for gemm
            const o = g.kind === 'conv' ? c * P + p : p * g.cout + c;
            if (tapBuf) tapBuf[o] = a * op.tapMult[c]!;
            if (outInt) outInt[o] = clipQ(rne(f32(f32(a) * m)), op.lo, op.hi);
            else {
              let v = f32(f32(a) * m);
              if (op.floatAct) v = v < op.floatAct.min ? op.floatAct.min : v > op.floatAct.max ? op.floatAct.max : v;
              outF![o] = v;
            }
          }
        }
        if (tapBuf) tap!(op.name, tapBuf);
        if (outInt) iv.set(op.output, { dims: op.outDims, data: outInt });
        else fl.set(op.output, { dtype: 'float32', dims: op.outDims, data: outF! });
        return;
      }
      case 'qmaxpool': {
        const x = getI(op.input);
        const outDims = graph.shapes.get(op.node.outputs[0]!)!;
        iv.set(op.output, { dims: outDims, data: int8MaxPool(x.data, poolGeometry(op.node, graph.opset, x.dims)) });
        return;
      }
      case 'qavgpool': {
        const x = getI(op.input);
        iv.set(op.output, { dims: op.outDims, data: int8AvgPool(x.data, poolGeometry(op.node, graph.opset, x.dims), op.inScale, op.outScale, qmax) });
        return;
      }
      case 'qrelu': {
        const x = getI(op.input);
        iv.set(op.output, { dims: x.dims, data: x.data.map((v) => (v < 0 ? 0 : v)) });
        return;
      }
      case 'qreshape': {
        const x = getI(op.input);
        iv.set(op.output, { dims: op.outDims, data: x.data });
        return;
      }
      case 'qconcat': {
        const ins = op.inputs.map(getI);
        const outer = op.outDims.slice(0, op.axis).reduce((a, b) => a * b, 1);
        const out = new Int8Array(op.outDims.reduce((a, b) => a * b, 1));
        let o = 0;
        for (let i = 0; i < outer; i++) {
          ins.forEach((x, k) => {
            const inner = x.data.length / outer;
            const m = op.mults[k]!;
            for (let j = 0; j < inner; j++) {
              const v = x.data[i * inner + j]!;
              out[o++] = m === 1 ? v : clipQ(rne(f32(v * m)), -qmax, qmax);
            }
          });
        }
        iv.set(op.output, { dims: op.outDims, data: out });
        return;
      }
      case 'qadd': {
        const a = getI(op.a);
        const b = getI(op.b);
        const out = new Int8Array(a.data.length);
        for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32(f32(a.data[i]! * op.multA) + f32(b.data[i]! * op.multB))), op.lo, op.hi);
        iv.set(op.output, { dims: a.dims, data: out });
        return;
      }
      case 'float': {
        const outs = runNodeFp32(graph, op.node, op.inputs.map(getF));
        op.node.outputs.forEach((o, k) => o && outs[k] && fl.set(o, outs[k]!));
        return;
      }
    }
  }
}
