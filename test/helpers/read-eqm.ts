/**
 * EQM reader (TypeScript): parses and validates an EQM file into plain objects; each op record
 * is decoded by its definition (ops/registry.ts). A test helper: the round-trip and format tests
 * use it; production never re-reads an EQM it wrote (compileEqmModel returns what deploy needs,
 * and an .eqm deployed as it is gets float32 batches). The native runtime
 * has its own loader (native/src/format) with the same checks. Every offset, size, index and
 * dims product is validated; malformed input raises EqmFormatError.
 */
import { ByteReader } from '../../src-main/core/eqm/bytes.js';
import { crc32 } from '../../src-main/core/eqm/crc32.js';
import type { EqmModel, EqmOp, EqmTensor } from '../../src-main/core/eqm/eqm-model.js';
import {
  DType,
  EQM_FIXED_HEADER,
  EQM_LIMITS,
  EQM_MAGIC,
  EQM_SECTION_ENTRY,
  EQM_VERSION,
  EqmFormatError,
  Section,
  TensorKind,
  type EqmDType,
} from '../../src-main/core/eqm/format.js';
import { opDefByCode } from '../../src-main/core/eqm/ops/registry.js';
import type { DecodeCtx } from '../../src-main/core/eqm/ops/types.js';

export type { EqmAttr, EqmLinearGeom, EqmModel, EqmOp, EqmPoolGeom, EqmTensor } from '../../src-main/core/eqm/eqm-model.js';

const DTYPE_NAMES = new Map<number, EqmDType>(Object.entries(DType).map(([k, v]) => [v, k as EqmDType]));
const ELEM_SIZE: Record<EqmDType, number> = { float32: 4, int8: 1, int64: 8 };

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
  if (nSections < 1 || nSections > 64 || headerSize !== EQM_FIXED_HEADER + EQM_SECTION_ENTRY * nSections || headerSize > bytes.length)
    bad(`header size ${headerSize} / ${nSections} sections is inconsistent`);
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
    const kind =
      kindCode === TensorKind.value
        ? 'value'
        : kindCode === TensorKind.constant
          ? 'constant'
          : kindCode === TensorKind.input
            ? 'input'
            : bad(`tensor '${name}': unknown kind ${kindCode}`);
    const rank = tr.u8('rank');
    const zero = tr.u8('zero offset');
    const scale = tr.f32('scale');
    if (zero !== 0 && (dtype !== 'int8' || kind !== 'value' || zero > 127)) bad(`tensor '${name}': zero offset ${zero} on a ${kind} ${dtype} tensor`);
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
    tensors.push({ name, dtype, kind, dims, scale, zero, data });
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
  const ctx: DecodeCtx = {
    r: or,
    tensors,
    bad,
    str: (field) => readStr(or, field),
    blob: (field, want) => readBlob(or, field, want),
    ref: (field, dtype) => tensorRef(or, field, dtype),
    count: (field, max, minBytes) => count(or, field, max, minBytes),
    u32Geom: (field) => u32Geom(or, field),
    numel: numelOf,
    use: defined,
    produce,
  };
  for (let k = 0; k < nOps; k++) {
    const code = or.u8('op kind');
    const opQmax = or.u8('op qmax');
    or.skip(2, 'reserved');
    if (opQmax > 127) bad(`op ${k}: op qmax ${opQmax} out of range`);
    const name = readStr(or, `op ${k} name`);
    const def = opDefByCode(code) ?? bad(`op ${k}: unknown kind ${code}`);
    const op = def.decode(ctx, name, `op ${k} (${def.kind} '${name}')`);
    ops.push(opQmax === 0 ? op : { ...op, qmax: opQmax });
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
