/**
 * Generic read access to a flatbuffer table through the official `flatbuffers` runtime
 * (its ByteBuffer does the offset/vtable arithmetic). Fields are addressed by their index
 * in the schema (vtable slot 4 + 2·index), see schema.ts for the TFLite field indices.
 */
import { ByteBuffer } from 'flatbuffers';

export class FbTable {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  static root(bytes: Uint8Array): FbTable {
    const bb = new ByteBuffer(bytes);
    return new FbTable(bb, bb.readInt32(bb.position()) + bb.position());
  }

  private off(field: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * field);
  }

  has(field: number): boolean {
    return this.off(field) !== 0;
  }

  int32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt32(this.pos + o) : dflt;
  }

  uint32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint32(this.pos + o) : dflt;
  }

  int8(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt8(this.pos + o) : dflt;
  }

  uint8(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint8(this.pos + o) : dflt;
  }

  bool(field: number, dflt = false): boolean {
    const o = this.off(field);
    return o ? this.bb.readUint8(this.pos + o) !== 0 : dflt;
  }

  float32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readFloat32(this.pos + o) : dflt;
  }

  uint64(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? Number(this.bb.readUint64(this.pos + o)) : dflt;
  }

  string(field: number): string | null {
    const o = this.off(field);
    return o ? (this.bb.__string(this.pos + o) as string) : null;
  }

  table(field: number): FbTable | null {
    const o = this.off(field);
    return o ? new FbTable(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }

  tables(field: number): FbTable[] {
    const o = this.off(field);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: FbTable[] = [];
    for (let i = 0; i < n; i++) out.push(new FbTable(this.bb, this.bb.__indirect(start + 4 * i)));
    return out;
  }

  strings(field: number): string[] {
    const o = this.off(field);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.bb.__string(start + 4 * i) as string);
    return out;
  }

  /** byte position of a vector's first element (-1 when the field is absent) */
  vectorStart(field: number): number {
    const o = this.off(field);
    return o ? this.bb.__vector(this.pos + o) : -1;
  }

  int32s(field: number): number[] {
    return this.scalars(field, 4, (p) => this.bb.readInt32(p));
  }

  float32s(field: number): number[] {
    return this.scalars(field, 4, (p) => this.bb.readFloat32(p));
  }

  int64s(field: number): number[] {
    return this.scalars(field, 8, (p) => Number(this.bb.readInt64(p)));
  }

  /** a [ubyte] vector as a view on the file bytes (no copy) */
  bytes(field: number): Uint8Array | null {
    const o = this.off(field);
    if (!o) return null;
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const u8 = this.bb.bytes();
    return u8.subarray(start, start + n);
  }

  private scalars(field: number, size: number, read: (pos: number) => number): number[] {
    const o = this.off(field);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(read(start + size * i));
    return out;
  }
}
