/**
 * EQM writer: the integer program of a quantized graph (engine/lower.ts) serialised for the
 * native runtime, which executes exactly these ops with exactly these integers and float32
 * multipliers. Layout: docs/eqm-format.md. Everything the native loader validates (indices,
 * sizes, dims products, geometry) is checked here as well, so a model that compiles loads.
 */
import type { AttrValue, Graph, Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { poolGeometry } from '../engine/int-pool.js';
import type { IntOp, IntProgram } from '../engine/int-program.js';
import { lowerToIntProgram } from '../engine/lower.js';
import type { QuantPlan } from '../quant/plan.js';
import type { ScaleTable } from '../quant/scale-table.js';
import { ByteWriter, typedBytes } from './bytes.js';
import { crc32 } from './crc32.js';
import {
  ActKind,
  AttrType,
  DType,
  EQM_FIXED_HEADER,
  EQM_LIMITS,
  EQM_MAGIC,
  EQM_SECTION_ENTRY,
  EQM_VERSION,
  LinearKind,
  OpKind,
  Section,
  TensorKind,
  type EqmDType,
} from './format.js';

export class EqmCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EqmCompileError';
  }
}

interface TensorEntry {
  name: string;
  dtype: EqmDType;
  kind: number;
  dims: number[];
  scale: number;
  data?: Uint8Array;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Outputs of FP32 fallback nodes that are not float32. */
function outputDType(node: Node, k: number): EqmDType {
  if (node.op === 'Shape' || node.op === 'NonZero' || node.op === 'ArgMax' || node.op === 'ArgMin') return 'int64';
  if ((node.op === 'MaxPool' || node.op === 'TopK') && k === 1) return 'int64';
  if (node.op === 'Cast') return node.attrs['to'] === 1 ? 'float32' : node.attrs['to'] === 3 ? 'int8' : 'int64';
  return 'float32';
}

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Compiles a quantized graph to EQM bytes through the integer program. */
export function compileEqm(graph: Graph, plan: QuantPlan, table: ScaleTable): Uint8Array {
  return compileIntProgram(graph, lowerToIntProgram(graph, plan, table));
}

/** Serialises an already lowered integer program (the graph supplies shapes, constants and the opset). */
export function compileIntProgram(graph: Graph, prog: IntProgram): Uint8Array {
  const fail = (msg: string): never => {
    throw new EqmCompileError(`EQM: ${msg}`);
  };

  // ---- strings and data blobs ----
  const strings = new ByteWriter();
  const stringIndex = new Map<string, [number, number]>();
  const enc = new TextEncoder();
  const str = (w: ByteWriter, s: string) => {
    let ref = stringIndex.get(s);
    if (!ref) {
      const b = enc.encode(s);
      if (b.length > EQM_LIMITS.maxString) fail(`name '${s.slice(0, 40)}…' is longer than ${EQM_LIMITS.maxString} bytes`);
      ref = [strings.length, b.length];
      strings.bytes(b);
      stringIndex.set(s, ref);
    }
    w.u32(ref[0]);
    w.u32(ref[1]);
  };
  const data = new ByteWriter();
  const blob = (w: ByteWriter, b: Uint8Array) => {
    data.align(8);
    w.u32(data.length);
    w.u32(b.length);
    data.bytes(b);
  };

  // ---- tensor table ----
  const tensors: TensorEntry[] = [];
  const index = new Map<string, number>();
  const checkDims = (name: string, dims: readonly number[] | undefined, allowZero: boolean): number[] => {
    if (!dims) return fail(`tensor '${name}' has no static shape`);
    if (dims.length > EQM_LIMITS.maxRank) fail(`tensor '${name}' has rank ${dims.length} (at most ${EQM_LIMITS.maxRank})`);
    for (const d of dims) {
      if (!Number.isInteger(d) || d < (allowZero ? 0 : 1) || d > EQM_LIMITS.maxElements) fail(`tensor '${name}' has an invalid dimension in [${dims.join(',')}]`);
    }
    if (numel(dims) > EQM_LIMITS.maxElements) fail(`tensor '${name}' [${dims.join(',')}] has more than ${EQM_LIMITS.maxElements} elements`);
    return [...dims];
  };
  const define = (name: string, dtype: EqmDType, dims: readonly number[] | undefined, scale = 0, kind: number = TensorKind.value): number => {
    if (index.has(name)) fail(`tensor '${name}' is produced twice`);
    if (dtype === 'int8' && !(Number.isFinite(scale) && scale > 0)) fail(`int8 tensor '${name}' has invalid scale ${scale}`);
    tensors.push({ name, dtype, kind, dims: checkDims(name, dims, false), scale: dtype === 'int8' ? scale : 0 });
    index.set(name, tensors.length - 1);
    return tensors.length - 1;
  };
  const addConstant = (name: string, t: Tensor): number => {
    const dims = checkDims(name, t.dims, true);
    let dtype: EqmDType;
    let bytes: Uint8Array;
    switch (t.dtype) {
      case 'float32':
        dtype = 'float32';
        bytes = typedBytes(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>));
        break;
      case 'int64':
      case 'int32': {
        dtype = 'int64';
        const v = new BigInt64Array(t.data.length);
        for (let i = 0; i < v.length; i++) {
          const x = Number(t.data[i]);
          if (Number.isNaN(x)) fail(`constant '${name}' has a NaN integer`);
          const b = x >= 9.2e18 ? INT64_MAX : x <= -9.2e18 ? INT64_MIN : BigInt(Math.trunc(x));
          v[i] = b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
        }
        bytes = typedBytes(v);
        break;
      }
      case 'int8':
        dtype = 'int8';
        bytes = typedBytes(t.data as Int8Array);
        break;
      default:
        return fail(`constant '${name}' has dtype ${t.dtype}, which EQM v1 does not store`);
    }
    if (t.data.length !== numel(dims)) fail(`constant '${name}' has ${t.data.length} values for dims [${dims.join(',')}]`);
    tensors.push({ name, dtype, kind: TensorKind.constant, dims, scale: 0, data: bytes });
    index.set(name, tensors.length - 1);
    return tensors.length - 1;
  };
  const use = (name: string, dtype?: EqmDType): number => {
    let i = index.get(name);
    if (i === undefined) {
      const init = graph.initializers.get(name);
      if (!init) return fail(`tensor '${name}' is read before it is produced`);
      i = addConstant(name, init);
    }
    const t = tensors[i]!;
    if (dtype && t.dtype !== dtype) fail(`tensor '${name}' is ${t.dtype}, expected ${dtype}`);
    return i;
  };
  const int8Scale = (name: string, fallback: number) => prog.intScales.get(name) ?? fallback;

  const inputDims = graph.shapes.get(prog.input) ?? graph.inputs.find((i) => i.name === prog.input)?.dims;
  const inputIndex = define(prog.input, 'float32', inputDims, 0, TensorKind.input);

  // ---- ops ----
  const ops = new ByteWriter();
  if (prog.ops.length > EQM_LIMITS.maxOps) fail(`${prog.ops.length} ops exceed the limit of ${EQM_LIMITS.maxOps}`);
  ops.u32(prog.ops.length);
  const head = (kind: number, name: string) => {
    ops.u8(kind);
    ops.u8(0);
    ops.u8(0);
    ops.u8(0);
    str(ops, name);
  };
  const geomU32 = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 0 || v > EQM_LIMITS.maxDim) fail(`${field} = ${v} is out of range`);
    ops.u32(v);
  };
  const checkQ = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < -128 || v > 127) fail(`${name} = ${v} does not fit in int8`);
  };
  // scales and multipliers are float32 values in the integer program; the file stores float32
  const checkMult = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) fail(`${name} = ${v} is not a positive finite multiplier`);
    if (Math.fround(v) !== v) fail(`${name} = ${v} is not a float32 value`);
  };

  for (const op of prog.ops) encodeOp(op);

  function encodeOp(op: IntOp): void {
    switch (op.kind) {
      case 'quantize': {
        const i = use(op.input, 'float32');
        checkMult(`quantize '${op.output}' scale`, op.scale);
        const o = define(op.output, 'int8', tensors[i]!.dims, op.scale);
        head(OpKind.quantize, op.output);
        ops.u32(i);
        ops.u32(o);
        ops.f32(op.scale);
        return;
      }
      case 'dequantize': {
        const i = use(op.input, 'int8');
        checkMult(`dequantize '${op.output}' scale`, op.scale);
        const o = define(op.output, 'float32', tensors[i]!.dims);
        head(OpKind.dequantize, op.output);
        ops.u32(i);
        ops.u32(o);
        ops.f32(op.scale);
        return;
      }
      case 'requantize': {
        const i = use(op.input, 'int8');
        checkMult(`requantize '${op.output}' multiplier`, op.mult);
        const o = define(op.output, 'int8', tensors[i]!.dims, int8Scale(op.output, tensors[i]!.scale * op.mult));
        head(OpKind.requantize, op.output);
        ops.u32(i);
        ops.u32(o);
        ops.f32(op.mult);
        return;
      }
      case 'qlinear': {
        const g = op.geom;
        const i = use(op.input, 'int8');
        const intOut = op.outScale !== undefined;
        const o = intOut ? define(op.output, 'int8', op.outDims, op.outScale) : define(op.output, 'float32', op.outDims);
        if (g.K > EQM_LIMITS.maxFanIn) fail(`layer '${op.name}': fan-in ${g.K} exceeds ${EQM_LIMITS.maxFanIn}`);
        if (g.cin % g.group !== 0 || g.cout % g.group !== 0) fail(`layer '${op.name}': channels ${g.cin}/${g.cout} not divisible by group ${g.group}`);
        const inN = numel(tensors[i]!.dims);
        const wantIn = g.kind === 'conv' ? g.cin * g.inH * g.inW : g.P * g.K;
        if (inN !== wantIn) fail(`layer '${op.name}': input has ${inN} elements, geometry expects ${wantIn}`);
        if (numel(op.outDims) !== g.cout * g.P) fail(`layer '${op.name}': output [${op.outDims.join(',')}] does not hold ${g.cout}x${g.P} values`);
        if (op.wq.length !== g.cout * g.K || op.bias.length !== g.cout || op.mult.length !== g.cout || op.tapMult.length !== g.cout) fail(`layer '${op.name}': parameter sizes do not match ${g.cout}x${g.K}`);
        if (intOut) {
          checkQ(`layer '${op.name}' lo`, op.lo);
          checkQ(`layer '${op.name}' hi`, op.hi);
        }
        head(OpKind.qlinear, op.name);
        ops.u32(i);
        ops.u32(o);
        ops.u8(g.kind === 'conv' ? LinearKind.conv : LinearKind.gemm);
        ops.u8(intOut ? 1 : 0);
        ops.u8(op.floatAct ? 1 : 0);
        ops.u8(0);
        const fields: [string, number][] = [
          ['cin', g.cin], ['cout', g.cout], ['group', g.group], ['kh', g.kh], ['kw', g.kw], ['sh', g.sh], ['sw', g.sw], ['dh', g.dh], ['dw', g.dw],
          ['padT', g.padT], ['padL', g.padL], ['inH', g.inH], ['inW', g.inW], ['outH', g.outH], ['outW', g.outW], ['K', g.K], ['P', g.P],
        ];
        for (const [f, v] of fields) geomU32(`layer '${op.name}' ${f}`, v);
        ops.i32(intOut ? op.lo : 0);
        ops.i32(intOut ? op.hi : 0);
        ops.f32(op.outScale ?? 0);
        ops.f64(op.floatAct ? op.floatAct.min : 0);
        ops.f64(op.floatAct ? op.floatAct.max : 0);
        for (let c = 0; c < g.cout; c++) {
          if (intOut) checkMult(`layer '${op.name}' multiplier ${c}`, op.mult[c]!);
          else if (!Number.isFinite(op.mult[c]!)) fail(`layer '${op.name}': multiplier ${c} is not finite`);
          if (!Number.isFinite(op.tapMult[c]!)) fail(`layer '${op.name}': tap multiplier ${c} is not finite`);
        }
        blob(ops, typedBytes(op.wq));
        blob(ops, typedBytes(op.bias));
        blob(ops, typedBytes(op.mult));
        blob(ops, typedBytes(op.tapMult));
        return;
      }
      case 'qmaxpool':
      case 'qavgpool': {
        const i = use(op.input, 'int8');
        const inT = tensors[i]!;
        const outDims = op.kind === 'qavgpool' ? op.outDims : graph.shapes.get(op.node.outputs[0]!);
        const scale = op.kind === 'qavgpool' ? op.outScale : inT.scale;
        const o = define(op.output, 'int8', outDims, int8Scale(op.output, scale));
        const g = poolGeometry(op.node, graph.opset, inT.dims);
        if (inT.dims.length !== 4) fail(`pool '${op.node.name}': input must be 4-D, got [${inT.dims.join(',')}]`);
        if (g.N * g.C * g.OH * g.OW !== numel(tensors[o]!.dims)) fail(`pool '${op.node.name}': output [${tensors[o]!.dims.join(',')}] does not match the window geometry`);
        head(op.kind === 'qmaxpool' ? OpKind.qmaxpool : OpKind.qavgpool, op.node.name);
        ops.u32(i);
        ops.u32(o);
        const fields: [string, number][] = [
          ['N', g.N], ['C', g.C], ['H', g.H], ['W', g.W], ['OH', g.OH], ['OW', g.OW], ['kh', g.kh], ['kw', g.kw],
          ['sh', g.sh], ['sw', g.sw], ['dh', g.dh], ['dw', g.dw], ['pt', g.pt], ['pl', g.pl], ['pb', g.pb], ['pr', g.pr],
        ];
        for (const [f, v] of fields) geomU32(`pool '${op.node.name}' ${f}`, v);
        ops.u8(g.countIncludePad ? 1 : 0);
        ops.u8(0);
        ops.u8(0);
        ops.u8(0);
        if (op.kind === 'qavgpool') {
          checkMult(`pool '${op.node.name}' input scale`, op.inScale);
          checkMult(`pool '${op.node.name}' output scale`, op.outScale);
        }
        ops.f32(op.kind === 'qavgpool' ? op.inScale : 0);
        ops.f32(op.kind === 'qavgpool' ? op.outScale : 0);
        return;
      }
      case 'qrelu':
      case 'qreshape': {
        const i = use(op.input, 'int8');
        const dims = op.kind === 'qreshape' ? op.outDims : tensors[i]!.dims;
        if (numel(dims) !== numel(tensors[i]!.dims)) fail(`'${op.output}': reshape changes the element count`);
        const o = define(op.output, 'int8', dims, int8Scale(op.output, tensors[i]!.scale));
        head(op.kind === 'qrelu' ? OpKind.qrelu : OpKind.qreshape, op.output);
        ops.u32(i);
        ops.u32(o);
        return;
      }
      case 'qconcat': {
        const ins = op.inputs.map((n) => use(n, 'int8'));
        const o = define(op.output, 'int8', op.outDims, int8Scale(op.output, tensors[ins[0]!]!.scale));
        if (op.axis < 0 || op.axis >= op.outDims.length) fail(`concat '${op.output}': axis ${op.axis} out of range`);
        head(OpKind.qconcat, op.output);
        ops.u32(o);
        ops.u32(op.axis);
        ops.u32(ins.length);
        ins.forEach((t, k) => {
          checkMult(`concat '${op.output}' multiplier ${k}`, op.mults[k]!);
          ops.u32(t);
          ops.f32(op.mults[k]!);
        });
        return;
      }
      case 'qadd': {
        const a = use(op.a, 'int8');
        const b = use(op.b, 'int8');
        if (numel(tensors[a]!.dims) !== numel(tensors[b]!.dims)) fail(`add '${op.output}': operands differ in size`);
        const o = define(op.output, 'int8', tensors[a]!.dims, int8Scale(op.output, 1));
        checkMult(`add '${op.output}' multA`, op.multA);
        checkMult(`add '${op.output}' multB`, op.multB);
        checkQ(`add '${op.output}' lo`, op.lo);
        checkQ(`add '${op.output}' hi`, op.hi);
        head(OpKind.qadd, op.output);
        ops.u32(a);
        ops.u32(b);
        ops.u32(o);
        ops.f32(op.multA);
        ops.f32(op.multB);
        ops.i32(op.lo);
        ops.i32(op.hi);
        return;
      }
      case 'float': {
        const node = op.node;
        const ins = op.inputs.map((n) => (n ? use(n) : -1));
        const outs = node.outputs.map((n, k) => (n ? define(n, outputDType(node, k), graph.shapes.get(n)) : -1));
        head(OpKind.float, node.name);
        str(ops, node.op);
        str(ops, node.domain ?? '');
        const act = node.act;
        ops.u8(act ? (act.kind === 'relu' ? ActKind.relu : ActKind.clip) : ActKind.none);
        ops.u8(0);
        ops.u8(0);
        ops.u8(0);
        ops.f64(act ? (act.kind === 'relu' ? 0 : act.min) : 0);
        ops.f64(act ? (act.kind === 'relu' ? Infinity : act.max) : 0);
        ops.u32(ins.length);
        for (const i of ins) ops.i32(i);
        ops.u32(outs.length);
        for (const o of outs) ops.i32(o);
        const attrs = Object.entries(node.attrs);
        ops.u32(attrs.length);
        for (const [name, v] of attrs) encodeAttr(node, name, v);
        return;
      }
    }
  }

  function encodeAttr(node: Node, name: string, v: AttrValue): void {
    str(ops, name);
    if (typeof v === 'number') {
      ops.u8(AttrType.number);
      ops.f64(v);
    } else if (typeof v === 'string') {
      ops.u8(AttrType.string);
      str(ops, v);
    } else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
      if (v.length > EQM_LIMITS.maxListLength) fail(`node '${node.name}': attribute ${name} is too long`);
      ops.u8(AttrType.numbers);
      ops.u32(v.length);
      for (const x of v as number[]) ops.f64(x);
    } else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      if (v.length > EQM_LIMITS.maxListLength) fail(`node '${node.name}': attribute ${name} is too long`);
      ops.u8(AttrType.strings);
      ops.u32(v.length);
      for (const x of v as string[]) str(ops, x);
    } else {
      fail(`node '${node.name}' (${node.op}): attribute ${name} is a tensor, which EQM v1 does not store`);
    }
  }

  // ---- graph ----
  const outputs = prog.outputs.map((o) => use(o, 'float32'));
  const graphW = new ByteWriter();
  graphW.u32(graph.opset);
  graphW.i32(prog.qmax);
  graphW.u32(inputIndex);
  graphW.u32(outputs.length);
  for (const o of outputs) graphW.u32(o);

  // ---- tensors (after the ops: constants are added on first use) ----
  if (tensors.length > EQM_LIMITS.maxTensors) fail(`${tensors.length} tensors exceed the limit of ${EQM_LIMITS.maxTensors}`);
  const tens = new ByteWriter();
  tens.u32(tensors.length);
  for (const t of tensors) {
    str(tens, t.name);
    tens.u8(DType[t.dtype]);
    tens.u8(t.kind);
    tens.u8(t.dims.length);
    tens.u8(0);
    tens.f32(t.scale);
    for (const d of t.dims) tens.u32(d);
    if (t.kind === TensorKind.constant) blob(tens, t.data!);
  }

  // ---- assemble ----
  const sections: [number, Uint8Array][] = [
    [Section.STRINGS, strings.finish()],
    [Section.TENSORS, tens.finish()],
    [Section.DATA, data.finish()],
    [Section.OPS, ops.finish()],
    [Section.GRAPH, graphW.finish()],
  ];
  const headerSize = EQM_FIXED_HEADER + EQM_SECTION_ENTRY * sections.length;
  const out = new ByteWriter();
  for (const b of EQM_MAGIC) out.u8(b);
  out.u32(EQM_VERSION);
  out.u32(headerSize);
  out.u32(0); // payload crc, patched
  out.u32(0); // file size, patched
  out.u32(sections.length);
  out.u32(0); // header crc, patched
  out.u32(0); // flags
  let off = headerSize;
  const offsets: number[] = [];
  for (const [id, b] of sections) {
    off = Math.ceil(off / 8) * 8;
    offsets.push(off);
    out.u32(id);
    out.u32(off);
    out.u32(b.length);
    out.u32(0);
    off += b.length;
  }
  sections.forEach(([, b], k) => {
    while (out.length < offsets[k]!) out.u8(0);
    out.bytes(b);
  });
  const file = out.finish();
  const view = new DataView(file.buffer);
  view.setUint32(16, file.length, true);
  view.setUint32(12, crc32(file, headerSize, file.length), true);
  view.setUint32(24, crc32(file, 0, headerSize), true);
  return file;
}
