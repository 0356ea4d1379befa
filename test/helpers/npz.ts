/** `.npz` files for tests: a zip (deflated entries) of .npy arrays, one per name, as np.savez_compressed writes. */
import zlib from 'node:zlib';
import { encodeNpy } from '../../src-main/io/data/npy.js';

interface Entry {
  crc: number;
  compressed: number;
  size: number;
  nameLength: number;
  /** offset of the local header (central directory only) */
  offset: number;
}

/**
 * A local file header, or with `central` a central directory header: the same fields, shifted
 * by the central one's leading "version made by".
 */
function entryHeader(e: Entry, central: boolean): Buffer {
  const b = Buffer.alloc(central ? 46 : 30);
  const at = central ? 2 : 0;
  b.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, 0);
  if (central) b.writeUInt16LE(20, 4);
  b.writeUInt16LE(20, 4 + at);
  b.writeUInt16LE(8, 8 + at);
  b.writeUInt32LE(e.crc, 14 + at);
  b.writeUInt32LE(e.compressed, 18 + at);
  b.writeUInt32LE(e.size, 22 + at);
  b.writeUInt16LE(e.nameLength, 26 + at);
  if (central) b.writeUInt32LE(e.offset, 42);
  return b;
}

export function encodeNpz(arrays: Record<string, { shape: number[]; data: Float32Array }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const raw = encodeNpy(a.shape, a.data);
    const data = zlib.deflateRawSync(raw);
    const fname = Buffer.from(`${name}.npy`, 'utf8');
    const e: Entry = { crc: zlib.crc32(raw), compressed: data.length, size: raw.length, nameLength: fname.length, offset };
    locals.push(entryHeader(e, false), fname, data);
    central.push(entryHeader(e, true), fname);
    offset += 30 + fname.length + data.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}
