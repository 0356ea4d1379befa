/**
 * EQM writer: the integer program of a quantized graph (engine/lower.ts) serialised for the
 * native runtime, which executes exactly these ops with exactly these integers and float32
 * multipliers. Layout: docs/eqm-format.md. Everything the native loader validates (indices,
 * sizes, dims products, geometry) is checked here as well, so a model that compiles loads.
 */
import type { Graph } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { IntProgram } from '../engine/int-program.js';
import { lowerToIntProgram, type WeightCache } from '../engine/lower.js';
import type { QuantPlan } from '../quant/plan.js';
import type { ScaleTable } from '../quant/scale-table.js';
import { ByteWriter, typedBytes } from './bytes.js';
import { crc32 } from './crc32.js';
import { DType, EQM_FIXED_HEADER, EQM_LIMITS, EQM_MAGIC, EQM_SECTION_ENTRY, EQM_VERSION, Section, TensorKind, type EqmDType } from './format.js';
import { missingNativeFloatOps } from './native-float-ops.js';
import { opDef } from './ops/registry.js';
import type { EncodeCtx } from './ops/types.js';
import { zeroOffsetProblem } from './zero-offsets.js';

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
  /** int8 values: zero offset (unsigned activations), stored in the tensor record's fourth byte */
  zero: number;
  data?: Uint8Array;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A compiled model and what a deployment needs to know about it without parsing the bytes. */
export interface CompiledEqm {
  bytes: Uint8Array;
  /**
   * Scale and qmax of the quantize op(s) reading the graph input, so a batch can be sent as int8
   * already quantized; null when anything else reads the input (then only float32 is exact).
   */
  inputQuant: { scale: number; qmax: number } | null;
  /** op types the program runs as FP32 fallback ops, sorted */
  floatOps: string[];
}

/** Compiles a quantized graph to EQM bytes through the integer program. */
export function compileEqm(graph: Graph, plan: QuantPlan, table: ScaleTable, weightCache?: WeightCache): Uint8Array {
  return compileIntProgram(graph, lowerToIntProgram(graph, plan, table, weightCache));
}

/** compileEqm, plus the input quantization (deploy/batch.ts). */
export function compileEqmModel(graph: Graph, plan: QuantPlan, table: ScaleTable): CompiledEqm {
  const prog = lowerToIntProgram(graph, plan, table);
  const floatOps = [...new Set(prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.op] : [])))].sort();
  return { bytes: compileIntProgram(graph, prog), inputQuant: programInputQuant(prog), floatOps };
}

/** The quantize scale every reader of the program's input shares, or null. */
export function programInputQuant(prog: IntProgram): { scale: number; qmax: number } | null {
  let scale: number | null = null;
  for (const op of prog.ops) {
    if (op.kind === 'float' && op.inputs.includes(prog.input)) return null;
    if (op.kind !== 'quantize' || op.input !== prog.input) continue;
    if (scale !== null && scale !== op.scale) return null;
    scale = op.scale;
  }
  return scale === null ? null : { scale, qmax: prog.qmax };
}

/** Serialises an already lowered integer program (the graph supplies shapes, constants and the opset). */
export function compileIntProgram(graph: Graph, prog: IntProgram): Uint8Array {
  const fail = (msg: string): never => {
    throw new EqmCompileError(`EQM: ${msg}`);
  };
  const missing = missingNativeFloatOps(prog);
  if (missing.length > 0) {
    const types = [...new Set(missing.map((m) => m.split(' ')[0]!))].sort();
    fail(`the native runtime has no FP32 kernel for ${types.join(', ')} (${missing.length} node${missing.length > 1 ? 's' : ''}: ${missing.join(', ')})`);
  }

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
    const zero = dtype === 'int8' ? (prog.intZeros?.get(name) ?? 0) : 0;
    if (!Number.isInteger(zero) || zero < 0 || zero > 127) fail(`int8 tensor '${name}' has invalid zero offset ${zero}`);
    tensors.push({ name, dtype, kind, dims: checkDims(name, dims, false), scale: dtype === 'int8' ? scale : 0, zero });
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
    tensors.push({ name, dtype, kind: TensorKind.constant, dims, scale: 0, zero: 0, data: bytes });
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

  // ---- ops (each kind encodes itself: ops/registry.ts) ----
  const ops = new ByteWriter();
  if (prog.ops.length > EQM_LIMITS.maxOps) fail(`${prog.ops.length} ops exceed the limit of ${EQM_LIMITS.maxOps}`);
  ops.u32(prog.ops.length);
  let opQmax = 0;
  const ctx: EncodeCtx = {
    graph,
    w: ops,
    fail,
    use,
    define: (name, dtype, dims, scale) => define(name, dtype, dims, scale),
    tensor: (i) => tensors[i]!,
    int8Scale,
    head(code, name) {
      ops.u8(code);
      ops.u8(opQmax);
      ops.u8(0);
      ops.u8(0);
      str(ops, name);
    },
    str: (s) => str(ops, s),
    blob: (b) => blob(ops, b),
    geomU32(field, v) {
      if (!Number.isInteger(v) || v < 0 || v > EQM_LIMITS.maxDim) fail(`${field} = ${v} is out of range`);
      ops.u32(v);
    },
    checkQ(name, v) {
      if (!Number.isInteger(v) || v < -128 || v > 127) fail(`${name} = ${v} does not fit in int8`);
    },
    // scales and multipliers are float32 values in the integer program; the file stores float32
    checkMult(name, v) {
      if (!(Number.isFinite(v) && v > 0)) fail(`${name} = ${v} is not a positive finite multiplier`);
      if (Math.fround(v) !== v) fail(`${name} = ${v} is not a float32 value`);
    },
  };
  for (const op of prog.ops) {
    // 0 = the model's qmax: a program without per-layer precision writes the same bytes as before
    const q = op.qmax ?? prog.qmax;
    if (!Number.isInteger(q) || q < 1 || q > 127) fail(`op qmax ${q} is out of range`);
    opQmax = q === prog.qmax ? 0 : q;
    opDef(op.kind).encode(op, ctx);
    const zp = zeroOffsetProblem(op, (n) => tensors[index.get(n)!]?.zero ?? 0);
    if (zp) fail(zp);
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
    tens.u8(t.zero);
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
