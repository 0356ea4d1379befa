/** Little-endian byte buffers for the EQM writer and reader. */
import { EqmFormatError } from './format.js';

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Growable little-endian writer. */
export class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`EQM writer: ${v} is not a u32`);
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`EQM writer: ${v} is not an i32`);
    this.ensure(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  align(n: number): void {
    while (this.length % n !== 0) this.u8(0);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bounds-checked little-endian reader over [start, end) of a buffer. */
export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly what: string,
  ) {
    if (start < 0 || end > bytes.length || start > end) throw new EqmFormatError(`${what}: range [${start}, ${end}) is outside the file (${bytes.length} bytes)`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }
  need(n: number, field: string): void {
    if (!(n >= 0) || this.pos + n > this.end)
      throw new EqmFormatError(`${this.what}: truncated reading ${field} at byte ${this.pos} (${n} bytes needed, ${this.end - this.pos} left)`);
  }
  remaining(): number {
    return this.end - this.pos;
  }
  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }
}

/** Little-endian bytes of a typed array (a copy). */
export function typedBytes(a: Int8Array | Int32Array | Float32Array | Float64Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  if (LITTLE_ENDIAN_HOST || a instanceof Int8Array) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return out;
  }
  const v = new DataView(out.buffer);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Int32Array) v.setInt32(i * size, a[i]!, true);
    else if (a instanceof Float32Array) v.setFloat32(i * size, a[i]!, true);
    else if (a instanceof Float64Array) v.setFloat64(i * size, a[i]!, true);
    else v.setBigInt64(i * size, (a as BigInt64Array)[i]!, true);
  }
  return out;
}
