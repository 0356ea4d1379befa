/**
 * EQM reader (TypeScript): parses and validates an EQM file into plain objects. Used by the
 * round-trip tests and tools; the native runtime has its own loader (native/src/format) with
 * the same checks. Every offset, size, index and dims product is validated; malformed input
 * raises EqmFormatError.
 */
import type { PoolGeom } from '../engine/int-pool.js';
import type { LinearGeom } from '../quant/linear-geom.js';
import { ByteReader } from './bytes.js';
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
  EqmFormatError,
  LinearKind,
  OpKind,
  Section,
  TensorKind,
  type EqmDType,
} from './format.js';

export interface EqmTensor {
  name: string;
  dtype: EqmDType;
  kind: 'value' | 'constant' | 'input';
  dims: number[];
  scale: number;
  /** constants only: little-endian element bytes */
  data?: Uint8Array;
}

/** The reader returns the same geometry records the writer took (quant/linear-geom.ts, engine/int-pool.ts). */
export type EqmLinearGeom = LinearGeom;
export type EqmPoolGeom = Omit<PoolGeom, 'spatialRank'>;

export type EqmAttr = number | number[] | string | string[];

export type EqmOp =
  | { kind: 'quantize' | 'dequantize'; name: string; input: number; output: number; scale: number }
  | { kind: 'requantize'; name: string; input: number; output: number; mult: number }
  | {
      kind: 'qlinear';
      name: string;
      input: number;
      output: number;
      geom: EqmLinearGeom;
      intOutput: boolean;
      lo: number;
      hi: number;
      outScale: number;
      floatAct?: { min: number; max: number };
      wq: Int8Array;
      bias: Int32Array;
      mult: Float32Array;
      tapMult: Float64Array;
    }
  | { kind: 'qmaxpool'; name: string; input: number; output: number; geom: EqmPoolGeom }
  | { kind: 'qavgpool'; name: string; input: number; output: number; geom: EqmPoolGeom; inScale: number; outScale: number }
  | { kind: 'qrelu' | 'qreshape'; name: string; input: number; output: number }
  | { kind: 'qconcat'; name: string; inputs: number[]; mults: number[]; output: number; axis: number }
  | { kind: 'qadd'; name: string; a: number; b: number; output: number; multA: number; multB: number; lo: number; hi: number }
  | {
      kind: 'float';
      name: string;
      opType: string;
      domain: string;
      act?: { kind: 'relu' | 'clip'; min: number; max: number };
      inputs: number[];
      outputs: number[];
      attrs: Record<string, EqmAttr>;
    };

export interface EqmModel {
  version: number;
  opset: number;
  qmax: number;
  input: number;
  outputs: number[];
  tensors: EqmTensor[];
  ops: EqmOp[];
}

const DTYPE_NAMES = new Map<number, EqmDType>(Object.entries(DType).map(([k, v]) => [v, k as EqmDType]));
const ELEM_SIZE: Record<EqmDType, number> = { float32: 4, int8: 1, int64: 8 };
const OP_NAMES = new Map<number, string>(Object.entries(OpKind).map(([k, v]) => [v, k]));

function bad(msg: string): never {
  throw new EqmFormatError(`invalid EQM file: ${msg}`);
}

export function readEqm(bytes: Uint8Array): EqmModel {
  if (bytes.length < EQM_FIXED_HEADER) bad(`${bytes.length} bytes is shorter than the ${EQM_FIXED_HEADER}-byte header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== EQM_MAGIC[i]) bad('wrong magic (not an EQM file)');
  const h = new ByteReader(bytes, 0, bytes.length, 'header');
  h.skip(4, 'magic');
  const version = h.u32('version');
  if (version !== EQM_VERSION) bad(`unsupported version ${version} (this reader reads version ${EQM_VERSION})`);
  const headerSize = h.u32('header size');
  const payloadCrc = h.u32('payload crc');
  const fileSize = h.u32('file size');
  const nSections = h.u32('section count');
  const headerCrc = h.u32('header crc');
  const flags = h.u32('flags');
  if (fileSize !== bytes.length) bad(`file size field says ${fileSize} bytes, the buffer has ${bytes.length}`);
  if (nSections < 1 || nSections > 64 || headerSize !== EQM_FIXED_HEADER + EQM_SECTION_ENTRY * nSections || headerSize > bytes.length) bad(`header size ${headerSize} / ${nSections} sections is inconsistent`);
  const hdr = new Uint8Array(bytes.subarray(0, headerSize)); // a copy: the CRC field is zeroed below
  hdr.fill(0, 24, 28);
  if (crc32(hdr) !== headerCrc) bad('header CRC mismatch');
  if (crc32(bytes, headerSize, bytes.length) !== payloadCrc) bad('payload CRC mismatch');
  if (flags !== 0) bad(`unknown flags ${flags}`);
  const sections = new Map<number, [number, number]>();
  const seen: [number, number][] = [];
  for (let s = 0; s < nSections; s++) {
    const id = h.u32('section id');
    const off = h.u32('section offset');
    const size = h.u32('section size');
    h.u32('section reserved');
    if (!Object.values(Section).includes(id as 1)) bad(`unknown section id ${id}`);
    if (sections.has(id)) bad(`section ${id} appears twice`);
    if (off < headerSize || off % 8 !== 0 || off + size > bytes.length) bad(`section ${id} [${off}, +${size}) is outside the payload`);
    for (const [a, b] of seen) if (off < b && a < off + size) bad(`section ${id} overlaps another section`);
    seen.push([off, off + size]);
    sections.set(id, [off, off + size]);
  }
  const sec = (id: number, what: string) => {
    const r = sections.get(id);
    if (!r) bad(`missing ${what} section`);
    return new ByteReader(bytes, r[0], r[1], `${what} section`);
  };
  const strs = sections.get(Section.STRINGS) ?? bad('missing strings section');
  const dataSec = sections.get(Section.DATA) ?? bad('missing data section');
  const dec = new TextDecoder('utf-8', { fatal: false });
  const readStr = (r: ByteReader, field: string): string => {
    const off = r.u32(`${field} offset`);
    const len = r.u32(`${field} length`);
    if (off + len > strs[1] - strs[0]) bad(`${field}: string [${off}, +${len}) is outside the strings section`);
    if (len > EQM_LIMITS.maxString) bad(`${field}: string of ${len} bytes is too long`);
    return dec.decode(bytes.subarray(strs[0] + off, strs[0] + off + len));
  };
  const readBlob = (r: ByteReader, field: string, want: number): Uint8Array => {
    const off = r.u32(`${field} offset`);
    const size = r.u32(`${field} size`);
    if (off + size > dataSec[1] - dataSec[0]) bad(`${field}: data [${off}, +${size}) is outside the data section`);
    if (size !== want) bad(`${field}: ${size} bytes, expected ${want}`);
    // a copy with its own ArrayBuffer (offset 0): Buffer.slice would share the caller's memory
    // and keep its byteOffset, which the typed-array views built from `.buffer` rely on
    return new Uint8Array(bytes.subarray(dataSec[0] + off, dataSec[0] + off + size));
  };
  const count = (r: ByteReader, field: string, max: number, minBytes: number) => {
    const n = r.u32(field);
    if (n > max || n * minBytes > r.remaining()) bad(`${field} ${n} is too large`);
    return n;
  };

  // tensors
  const tr = sec(Section.TENSORS, 'tensors');
  const nT = count(tr, 'tensor count', EQM_LIMITS.maxTensors, 16);
  const tensors: EqmTensor[] = [];
  for (let t = 0; t < nT; t++) {
    const name = readStr(tr, `tensor ${t} name`);
    const dtype = DTYPE_NAMES.get(tr.u8('dtype')) ?? bad(`tensor '${name}': unknown dtype`);
    const kindCode = tr.u8('kind');
    const kind = kindCode === TensorKind.value ? 'value' : kindCode === TensorKind.constant ? 'constant' : kindCode === TensorKind.input ? 'input' : bad(`tensor '${name}': unknown kind ${kindCode}`);
    const rank = tr.u8('rank');
    tr.u8('reserved');
    const scale = tr.f32('scale');
    if (rank > EQM_LIMITS.maxRank) bad(`tensor '${name}': rank ${rank}`);
    const dims: number[] = [];
    let n = 1;
    for (let d = 0; d < rank; d++) {
      const v = tr.u32('dim');
      if (v > EQM_LIMITS.maxElements || (v === 0 && kind !== 'constant')) bad(`tensor '${name}': invalid dimension ${v}`);
      dims.push(v);
      n *= v;
      if (n > EQM_LIMITS.maxElements) bad(`tensor '${name}': too many elements`);
    }
    if (dtype === 'int8' && kind !== 'constant' && !(Number.isFinite(scale) && scale > 0)) bad(`int8 tensor '${name}': invalid scale ${scale}`);
    const data = kind === 'constant' ? readBlob(tr, `tensor '${name}' data`, n * ELEM_SIZE[dtype]) : undefined;
    tensors.push({ name, dtype, kind, dims, scale, data });
  }
  const numelOf = (i: number) => tensors[i]!.dims.reduce((a, b) => a * b, 1);
  const tensorRef = (r: ByteReader, field: string, dtype?: EqmDType): number => {
    const i = r.u32(field);
    if (i >= tensors.length) bad(`${field}: tensor index ${i} out of range (${tensors.length} tensors)`);
    if (dtype && tensors[i]!.dtype !== dtype) bad(`${field}: tensor '${tensors[i]!.name}' is ${tensors[i]!.dtype}, expected ${dtype}`);
    return i;
  };

  // ops
  const or = sec(Section.OPS, 'ops');
  const nOps = count(or, 'op count', EQM_LIMITS.maxOps, 12);
  const ops: EqmOp[] = [];
  const produced = new Set<number>();
  const defined = (i: number, field: string) => {
    const t = tensors[i]!;
    if (t.kind === 'value' && !produced.has(i)) bad(`${field}: tensor '${t.name}' is read before it is produced`);
  };
  const produce = (i: number, field: string) => {
    const t = tensors[i]!;
    if (t.kind !== 'value') bad(`${field}: tensor '${t.name}' is not a value and cannot be written`);
    if (produced.has(i)) bad(`${field}: tensor '${t.name}' is produced twice`);
    produced.add(i);
  };
  const u32Geom = (r: ByteReader, field: string) => {
    const v = r.u32(field);
    if (v > EQM_LIMITS.maxDim) bad(`${field} ${v} is out of range`);
    return v;
  };
  for (let k = 0; k < nOps; k++) {
    const code = or.u8('op kind');
    or.skip(3, 'reserved');
    const name = readStr(or, `op ${k} name`);
    const kind = OP_NAMES.get(code) ?? bad(`op ${k}: unknown kind ${code}`);
    const what = `op ${k} (${kind} '${name}')`;
    switch (kind) {
      case 'quantize':
      case 'dequantize':
      case 'requantize': {
        const input = tensorRef(or, `${what} input`, kind === 'quantize' ? 'float32' : 'int8');
        const output = tensorRef(or, `${what} output`, kind === 'dequantize' ? 'float32' : 'int8');
        const v = or.f32(`${what} scale`);
        if (!(Number.isFinite(v) && v > 0)) bad(`${what}: invalid scale/multiplier ${v}`);
        if (numelOf(input) !== numelOf(output)) bad(`${what}: input and output sizes differ`);
        defined(input, what);
        produce(output, what);
        ops.push(kind === 'requantize' ? { kind, name, input, output, mult: v } : { kind, name, input, output, scale: v });
        break;
      }
      case 'qlinear': {
        const input = tensorRef(or, `${what} input`, 'int8');
        const output = tensorRef(or, `${what} output`);
        const lk = or.u8('linear kind');
        const intOutput = or.u8('int output') === 1;
        const hasAct = or.u8('float act') === 1;
        or.u8('reserved');
        if (lk !== LinearKind.conv && lk !== LinearKind.gemm) bad(`${what}: unknown linear kind ${lk}`);
        const names = ['cin', 'cout', 'group', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'padT', 'padL', 'inH', 'inW', 'outH', 'outW', 'K', 'P'] as const;
        const g = { kind: lk === LinearKind.conv ? 'conv' : 'gemm' } as EqmLinearGeom;
        for (const f of names) (g as unknown as Record<string, number>)[f] = u32Geom(or, `${what} ${f}`);
        const lo = or.i32('lo');
        const hi = or.i32('hi');
        const outScale = or.f32('out scale');
        const amin = or.f64('act min');
        const amax = or.f64('act max');
        if (g.cin < 1 || g.cout < 1 || g.group < 1 || g.cin % g.group || g.cout % g.group) bad(`${what}: invalid channels/group`);
        if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) bad(`${what}: invalid kernel/stride/dilation`);
        if (g.K < 1 || g.K > EQM_LIMITS.maxFanIn) bad(`${what}: invalid fan-in ${g.K}`);
        if (g.kind === 'conv' && (g.K !== (g.cin / g.group) * g.kh * g.kw || g.P !== g.outH * g.outW)) bad(`${what}: K/P do not match the geometry`);
        if (g.kind === 'gemm' && (g.group !== 1 || g.K !== g.cin)) bad(`${what}: invalid gemm geometry`);
        const wantIn = g.kind === 'conv' ? g.cin * g.inH * g.inW : g.P * g.K;
        if (numelOf(input) !== wantIn) bad(`${what}: input has ${numelOf(input)} elements, geometry expects ${wantIn}`);
        if (numelOf(output) !== g.cout * g.P) bad(`${what}: output has ${numelOf(output)} elements, expected ${g.cout * g.P}`);
        if (tensors[output]!.dtype !== (intOutput ? 'int8' : 'float32')) bad(`${what}: output dtype does not match`);
        if (intOutput && (lo < -128 || hi > 127 || lo > 127 || hi < -128)) bad(`${what}: lo/hi out of int8 range`);
        const wq = new Int8Array(readBlob(or, `${what} weights`, g.cout * g.K).buffer);
        const bias = new Int32Array(readBlob(or, `${what} bias`, g.cout * 4).buffer);
        const mult = new Float32Array(readBlob(or, `${what} multipliers`, g.cout * 4).buffer);
        const tapMult = new Float64Array(readBlob(or, `${what} tap multipliers`, g.cout * 8).buffer);
        defined(input, what);
        produce(output, what);
        ops.push({ kind, name, input, output, geom: g, intOutput, lo, hi, outScale, floatAct: hasAct ? { min: amin, max: amax } : undefined, wq, bias, mult, tapMult });
        break;
      }
      case 'qmaxpool':
      case 'qavgpool': {
        const input = tensorRef(or, `${what} input`, 'int8');
        const output = tensorRef(or, `${what} output`, 'int8');
        const names = ['N', 'C', 'H', 'W', 'OH', 'OW', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'pb', 'pr'] as const;
        const g = {} as EqmPoolGeom;
        for (const f of names) (g as unknown as Record<string, number>)[f] = u32Geom(or, `${what} ${f}`);
        g.countIncludePad = or.u8('count_include_pad') === 1;
        or.skip(3, 'reserved');
        const inScale = or.f32('in scale');
        const outScale = or.f32('out scale');
        if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) bad(`${what}: invalid window`);
        if (numelOf(input) !== g.N * g.C * g.H * g.W || numelOf(output) !== g.N * g.C * g.OH * g.OW) bad(`${what}: tensor sizes do not match the pool geometry`);
        if (kind === 'qavgpool' && !(inScale > 0 && outScale > 0 && Number.isFinite(inScale) && Number.isFinite(outScale))) bad(`${what}: invalid scales`);
        defined(input, what);
        produce(output, what);
        ops.push(kind === 'qmaxpool' ? { kind, name, input, output, geom: g } : { kind, name, input, output, geom: g, inScale, outScale });
        break;
      }
      case 'qrelu':
      case 'qreshape': {
        const input = tensorRef(or, `${what} input`, 'int8');
        const output = tensorRef(or, `${what} output`, 'int8');
        if (numelOf(input) !== numelOf(output)) bad(`${what}: input and output sizes differ`);
        defined(input, what);
        produce(output, what);
        ops.push({ kind, name, input, output });
        break;
      }
      case 'qconcat': {
        const output = tensorRef(or, `${what} output`, 'int8');
        const axis = or.u32('axis');
        const n = count(or, `${what} input count`, EQM_LIMITS.maxListLength, 8);
        const inputs: number[] = [];
        const mults: number[] = [];
        for (let i = 0; i < n; i++) {
          inputs.push(tensorRef(or, `${what} input ${i}`, 'int8'));
          const m = or.f32('mult');
          if (!(Number.isFinite(m) && m > 0)) bad(`${what}: invalid multiplier ${m}`);
          mults.push(m);
        }
        const od = tensors[output]!.dims;
        if (n < 1 || axis >= od.length) bad(`${what}: invalid axis or input count`);
        let sum = 0;
        for (const i of inputs) {
          const d = tensors[i]!.dims;
          if (d.length !== od.length || d.some((v, j) => j !== axis && v !== od[j])) bad(`${what}: input '${tensors[i]!.name}' does not match the output shape`);
          sum += d[axis]!;
          defined(i, what);
        }
        if (sum !== od[axis]) bad(`${what}: inputs do not add up to the output along axis ${axis}`);
        produce(output, what);
        ops.push({ kind, name, inputs, mults, output, axis });
        break;
      }
      case 'qadd': {
        const a = tensorRef(or, `${what} a`, 'int8');
        const b = tensorRef(or, `${what} b`, 'int8');
        const output = tensorRef(or, `${what} output`, 'int8');
        const multA = or.f32('multA');
        const multB = or.f32('multB');
        const lo = or.i32('lo');
        const hi = or.i32('hi');
        if (!(multA > 0 && multB > 0 && Number.isFinite(multA) && Number.isFinite(multB))) bad(`${what}: invalid multipliers`);
        if (lo < -128 || hi > 127 || lo > 127 || hi < -128) bad(`${what}: lo/hi out of int8 range`);
        if (numelOf(a) !== numelOf(output) || numelOf(b) !== numelOf(output)) bad(`${what}: operand sizes differ`);
        defined(a, what);
        defined(b, what);
        produce(output, what);
        ops.push({ kind, name, a, b, output, multA, multB, lo, hi });
        break;
      }
      case 'float': {
        const opType = readStr(or, `${what} op type`);
        const domain = readStr(or, `${what} domain`);
        const actKind = or.u8('act kind');
        or.skip(3, 'reserved');
        const amin = or.f64('act min');
        const amax = or.f64('act max');
        if (actKind > ActKind.clip) bad(`${what}: unknown activation ${actKind}`);
        const nIn = count(or, `${what} input count`, EQM_LIMITS.maxListLength, 4);
        const inputs: number[] = [];
        for (let i = 0; i < nIn; i++) {
          const v = or.i32('input');
          if (v !== -1 && (v < 0 || v >= tensors.length)) bad(`${what}: input index ${v} out of range`);
          if (v >= 0) defined(v, what);
          inputs.push(v);
        }
        const nOut = count(or, `${what} output count`, EQM_LIMITS.maxListLength, 4);
        const outputs: number[] = [];
        for (let i = 0; i < nOut; i++) {
          const v = or.i32('output');
          if (v !== -1 && (v < 0 || v >= tensors.length)) bad(`${what}: output index ${v} out of range`);
          outputs.push(v);
        }
        for (const v of outputs) if (v >= 0) produce(v, what);
        const nAttr = count(or, `${what} attribute count`, EQM_LIMITS.maxListLength, 9);
        const attrs: Record<string, EqmAttr> = {};
        for (let i = 0; i < nAttr; i++) {
          const an = readStr(or, `${what} attribute name`);
          const at = or.u8('attribute type');
          if (at === AttrType.number) attrs[an] = or.f64('attribute value');
          else if (at === AttrType.string) attrs[an] = readStr(or, 'attribute value');
          else if (at === AttrType.numbers) {
            const n = count(or, 'attribute length', EQM_LIMITS.maxListLength, 8);
            attrs[an] = Array.from({ length: n }, () => or.f64('attribute value'));
          } else if (at === AttrType.strings) {
            const n = count(or, 'attribute length', EQM_LIMITS.maxListLength, 8);
            attrs[an] = Array.from({ length: n }, () => readStr(or, 'attribute value'));
          } else bad(`${what}: attribute ${an} has unknown type ${at}`);
        }
        const act = actKind === ActKind.none ? undefined : { kind: actKind === ActKind.relu ? ('relu' as const) : ('clip' as const), min: amin, max: amax };
        ops.push({ kind, name, opType, domain, act, inputs, outputs, attrs });
        break;
      }
    }
  }
  if (or.remaining() !== 0) bad(`ops section has ${or.remaining()} trailing bytes`);

  // graph
  const gr = sec(Section.GRAPH, 'graph');
  const opset = gr.u32('opset');
  const qmax = gr.i32('qmax');
  if (qmax < 1 || qmax > 127) bad(`qmax ${qmax} out of range`);
  const input = tensorRef(gr, 'graph input', 'float32');
  if (tensors[input]!.kind !== 'input') bad('graph input tensor is not marked as the input');
  if (tensors.filter((t) => t.kind === 'input').length !== 1) bad('exactly one tensor must be the graph input');
  const nOut = count(gr, 'output count', EQM_LIMITS.maxListLength, 4);
  if (nOut < 1) bad('the graph has no outputs');
  const outputs: number[] = [];
  for (let i = 0; i < nOut; i++) {
    const o = tensorRef(gr, `graph output ${i}`, 'float32');
    defined(o, `graph output ${i}`);
    outputs.push(o);
  }
  return { version, opset, qmax, input, outputs, tensors, ops };
}
