/**
 * Writes folders as a zip archive to a stream (deflate, one file in memory at a time), for the
 * run-folder download. No zip64: a file or archive over 4 GiB is refused with a clear error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';

export interface ZipSource {
  dir: string;
  /** folder name inside the archive */
  prefix: string;
}

function filesOf(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesOf(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((Math.max(1980, d.getFullYear()) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function write(out: Writable, b: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new Error('the download was closed'));
    if (out.write(b)) resolve();
    else {
      out.once('drain', resolve);
      out.once('close', () => reject(new Error('the download was closed')));
    }
  });
}

const LIMIT = 0xffffffff;

export async function writeZip(sources: ZipSource[], out: Writable): Promise<number> {
  const central: Buffer[] = [];
  let offset = 0;
  let count = 0;
  for (const s of sources) {
    for (const rel of filesOf(s.dir)) {
      const file = path.join(s.dir, rel);
      const raw = fs.readFileSync(file);
      const data = zlib.deflateRawSync(raw);
      const crc = zlib.crc32(raw);
      const name = Buffer.from(`${s.prefix}/${rel}`, 'utf8');
      if (raw.length >= LIMIT || offset + data.length >= LIMIT) throw new Error(`${file}: the zip download does not support files or archives over 4 GiB`);
      const { time, date } = dosTime(fs.statSync(file).mtime);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(8, 8); // deflate
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(raw.length, 22);
      local.writeUInt16LE(name.length, 26);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4);
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(0x0800, 8);
      cd.writeUInt16LE(8, 10);
      cd.writeUInt16LE(time, 12);
      cd.writeUInt16LE(date, 14);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(data.length, 20);
      cd.writeUInt32LE(raw.length, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, name);
      await write(out, Buffer.concat([local, name, data]));
      offset += 30 + name.length + data.length;
      count++;
    }
  }
  if (count > 0xffff) throw new Error(`the zip download holds at most 65535 files (this one has ${count})`);
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(out, Buffer.concat([cdBuf, end]));
  return count;
}
