/**
 * Frames of the eqrun serial protocol; the device end is native/tools/eqrun/frame.{h,cc}.
 * Layout (little endian): magic A5 51 | u8 type | u8 header check | u32 seq | u32 length |
 * payload | u32 CRC-32 of bytes 2..end of payload. The header check (CRC-8, poly 0x07, of bytes
 * 2 and 4..11) rejects a damaged length at once: without it a length inflated by one bad byte
 * made the decoder wait for bytes that the quiet direction (ACKs, keepalives every 100 ms)
 * took minutes to deliver, and the idle timeout never fired. The decoder resynchronises on the
 * magic after any bad header or CRC and drops a partial frame after an inter-byte idle timeout.
 */
import { crc32 } from '../core/eqm/crc32.js';

export const MAX_PAYLOAD = 65536;
const HEADER = 12;

export const FrameType = {
  Hello: 0x01,
  HelloOk: 0x02,
  Exec: 0x10,
  Stdout: 0x11,
  Stderr: 0x12,
  Exit: 0x13,
  Fetch: 0x14,
  Status: 0x15,
  Open: 0x20,
  OpenOk: 0x21,
  Data: 0x22,
  Ack: 0x23,
  Nak: 0x24,
  Commit: 0x25,
  CommitOk: 0x26,
  Hash: 0x27,
  HashOk: 0x28,
  Read: 0x29,
  ReadData: 0x2a,
  Keepalive: 0x30,
  Error: 0x7e,
} as const;

export interface Frame {
  type: number;
  seq: number;
  payload: Buffer;
}

/** CRC-8 (poly 0x07, init 0) of header bytes 2 and 4..11; `at` is the offset of the magic. */
export function headerCheck(b: Uint8Array, at = 0): number {
  let c = 0;
  for (let i = 2; i < HEADER; i++) {
    if (i === 3) continue;
    c ^= b[at + i]!;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

export function encodeFrame(type: number, seq: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new Error(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const f = Buffer.alloc(HEADER + payload.length + 4);
  f[0] = 0xa5;
  f[1] = 0x51;
  f[2] = type;
  f[3] = 0;
  f.writeUInt32LE(seq >>> 0, 4);
  f.writeUInt32LE(payload.length, 8);
  f[3] = headerCheck(f);
  f.set(payload, HEADER);
  f.writeUInt32LE(crc32(f, 2, HEADER + payload.length), HEADER + payload.length);
  return f;
}

/** NUL-separated text fields, the payload format of OPEN/COMMIT/READ/EXEC/FETCH requests. */
export function nulFields(fields: (string | number)[]): Buffer {
  for (const f of fields) if (String(f).includes('\0')) throw new Error(`a protocol field may not contain a NUL byte: ${JSON.stringify(f)}`);
  return Buffer.from(fields.map(String).join('\0'), 'utf8');
}

export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** frames dropped for a bad header or CRC, or cut by the idle timeout */
  badFrames = 0;

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    let pos = 0;
    const b = this.buf;
    for (;;) {
      while (pos < b.length && !(b[pos] === 0xa5 && (pos + 1 === b.length || b[pos + 1] === 0x51))) pos++;
      if (b.length - pos < HEADER) break;
      const len = b.readUInt32LE(pos + 8);
      if (len > MAX_PAYLOAD || b[pos + 3] !== headerCheck(b, pos)) {
        this.badFrames++;
        pos++;
        continue;
      }
      const total = HEADER + len + 4;
      if (b.length - pos < total) break;
      if (crc32(b, pos + 2, pos + HEADER + len) !== b.readUInt32LE(pos + HEADER + len)) {
        this.badFrames++;
        pos++;
        continue;
      }
      out.push({ type: b[pos + 2]!, seq: b.readUInt32LE(pos + 4), payload: Buffer.from(b.subarray(pos + HEADER, pos + HEADER + len)) });
      pos += total;
    }
    this.buf = Buffer.from(b.subarray(pos));
    return out;
  }

  get partial(): boolean {
    return this.buf.length > 0;
  }

  /**
   * The line stayed idle with a partial frame pending, so its header was damaged (e.g. a
   * length too long): drop its first byte and resynchronise on the bytes behind it.
   */
  timeout(): Frame[] {
    if (!this.buf.length) return [];
    this.badFrames++;
    const rest = this.buf.subarray(1);
    this.buf = Buffer.alloc(0);
    return this.push(Buffer.from(rest));
  }
}
