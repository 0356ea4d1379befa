/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0): magic \x93NUMPY, major, minor, header length
 * (uint16 LE for v1, uint32 LE for v2/3), then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }` padded with spaces and a
 * newline, then the data in C order. Parsed strictly: only little-endian float32, float64 and
 * uint8 are accepted (the latter two are converted to float32 by `npyToFloat32`).
 */
import fs from 'node:fs';

export class NpyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyFormatError';
  }
}

export type NpyDtype = 'float32' | 'float64' | 'uint8';

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
  /** Bytes of data the header promises. */
  dataBytes: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DESCRS: Record<string, NpyDtype> = { '<f4': 'float32', '<f8': 'float64', '|u1': 'uint8', '<u1': 'uint8' };
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1 };

/** The Python dict literal of the header: exactly the keys descr, fortran_order, shape. */
function parseDict(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const fail = (msg: string): never => {
    throw new NpyFormatError(`${file}: bad .npy header ${JSON.stringify(text.trim().slice(0, 120))}: ${msg}`);
  };
  const body = /^\{(.*)\}\s*$/s.exec(text.trim());
  if (!body) fail('expected a dict literal {...}');
  const entry = /\s*'([a-z_]+)'\s*:\s*('[^']*'|True|False|\([^)]*\))\s*(,|$)/y;
  const src = body![1]!;
  const seen = new Map<string, string>();
  entry.lastIndex = 0;
  while (entry.lastIndex < src.length && src.slice(entry.lastIndex).trim() !== '') {
    const m = entry.exec(src);
    if (!m) fail(`cannot read the entry at "${src.slice(entry.lastIndex, entry.lastIndex + 30).trim()}"`);
    if (seen.has(m![1]!)) fail(`duplicate key '${m![1]}'`);
    seen.set(m![1]!, m![2]!);
    if (m![3] === '') break;
  }
  const keys = [...seen.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') fail(`expected the keys 'descr', 'fortran_order', 'shape', got ${[...seen.keys()].map((k) => `'${k}'`).join(', ') || 'none'}`);
  const descr = seen.get('descr')!;
  if (!descr.startsWith("'")) fail(`descr must be a string, got ${descr}`);
  const fo = seen.get('fortran_order')!;
  if (fo !== 'True' && fo !== 'False') fail(`fortran_order must be True or False, got ${fo}`);
  const tuple = seen.get('shape')!;
  if (!tuple.startsWith('(')) fail(`shape must be a tuple, got ${tuple}`);
  const inner = tuple.slice(1, -1).trim();
  const parts = inner === '' ? [] : inner.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // (3,) and (1, 2, )
  const shape = parts.map((p) => {
    if (!/^\d+$/.test(p)) fail(`shape ${tuple} must hold non-negative integers`);
    return Number(p);
  });
  return { descr: descr.slice(1, -1), fortran: fo === 'True', shape };
}

/** Parse the header at the start of `buf` (which must hold at least the whole header). */
export function parseNpyHeader(buf: Buffer, file: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new NpyFormatError(`${file}: not a .npy file (no \\x93NUMPY magic)`);
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new NpyFormatError(`${file}: unsupported .npy format version ${major}.${buf[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw new NpyFormatError(`${file}: truncated .npy header`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataOffset = 8 + lenBytes + headerLen;
  if (buf.length < dataOffset) throw new NpyFormatError(`${file}: truncated .npy header (${headerLen} bytes announced)`);
  const text = buf.subarray(8 + lenBytes, dataOffset).toString(major === 3 ? 'utf8' : 'latin1');
  const { descr, fortran, shape } = parseDict(text, file);
  if (fortran) throw new NpyFormatError(`${file}: fortran_order True is not supported; save the array in C order (np.ascontiguousarray)`);
  if (descr.startsWith('>')) throw new NpyFormatError(`${file}: big-endian dtype '${descr}' is not supported; save it little-endian (arr.astype('<f4'))`);
  const dtype = DESCRS[descr];
  if (!dtype) throw new NpyFormatError(`${file}: dtype '${descr}' is not supported (expected float32 '<f4', float64 '<f8' or uint8 '|u1')`);
  const count = shape.reduce((a, b) => a * b, 1);
  return { dtype, shape, dataOffset, dataBytes: count * BYTES[dtype] };
}

/** Read only the header of a .npy file, and check the file holds all its data. */
export function readNpyHeader(file: string): NpyHeader {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 65536 + 12));
    fs.readSync(fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head, file);
    if (size !== h.dataOffset + h.dataBytes) {
      throw new NpyFormatError(`${file}: size mismatch: shape (${h.shape.join(', ')}) ${h.dtype} needs ${h.dataBytes} data bytes, the file has ${size - h.dataOffset}`);
    }
    return h;
  } finally {
    fs.closeSync(fd);
  }
}

/** The data of a parsed .npy buffer as float32 (float64 and uint8 converted). */
export function npyToFloat32(buf: Buffer, h: NpyHeader, file: string): Float32Array {
  if (buf.length !== h.dataOffset + h.dataBytes) {
    throw new NpyFormatError(`${file}: size mismatch: shape (${h.shape.join(', ')}) ${h.dtype} needs ${h.dataBytes} data bytes, the file has ${buf.length - h.dataOffset}`);
  }
  const n = h.dataBytes / BYTES[h.dtype];
  const out = new Float32Array(n);
  const v = new DataView(buf.buffer, buf.byteOffset + h.dataOffset, h.dataBytes);
  if (h.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
  else if (h.dtype === 'float64') for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
  else for (let i = 0; i < n; i++) out[i] = v.getUint8(i);
  return out;
}

/** Read a whole .npy file as float32. */
export function readNpy(file: string): { header: NpyHeader; data: Float32Array } {
  const buf = fs.readFileSync(file);
  const header = parseNpyHeader(buf, file);
  return { header, data: npyToFloat32(buf, header, file) };
}

/** A .npy file's bytes (float32, version 1.0), for tests and tools. */
export function encodeNpy(shape: number[], data: Float32Array | Float64Array | Uint8Array, opts: { descr?: string; fortran?: boolean } = {}): Buffer {
  const descr = opts.descr ?? (data instanceof Float64Array ? '<f8' : data instanceof Uint8Array ? '|u1' : '<f4');
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shp}, }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
