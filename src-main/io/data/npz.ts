/**
 * `.npz` files (numpy's `np.savez` / `np.savez_compressed`): a zip of `.npy` arrays, one per
 * name (`<name>.npy`). Read with yauzl (stored and deflated entries); each array is parsed by
 * npy.ts, so the same dtypes (float32, float64, uint8) and checks apply.
 */
import fs from 'node:fs';
import yauzl from 'yauzl';
import { NpyFormatError, npyToFloat32, parseNpyHeader, type NpyHeader } from './npy.js';

/** The arrays of an .npz that is too large or not a zip get this error (naming the file). */
export class NpzFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpzFormatError';
  }
}

export interface NpzArray {
  header: NpyHeader;
  data: Float32Array;
}

/** Upper bound of one .npz (a calibration sample): 2 GB, the limit of one activation. */
const MAX_BYTES = 2 ** 31;

function entries(file: string, buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(new NpzFormatError(`${file}: not a readable .npz (zip) file: ${err?.message ?? 'no entries'}`));
      const out = new Map<string, Buffer>();
      let total = 0;
      zip.on('error', (e: Error) => reject(new NpzFormatError(`${file}: ${e.message}`)));
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) return zip.readEntry();
        if (!e.fileName.endsWith('.npy')) return reject(new NpzFormatError(`${file}: entry '${e.fileName}' is not a .npy array`));
        total += e.uncompressedSize;
        if (total > MAX_BYTES) return reject(new NpzFormatError(`${file}: the arrays hold more than ${MAX_BYTES} bytes`));
        zip.openReadStream(e, (se, stream) => {
          if (se || !stream) return reject(new NpzFormatError(`${file}: entry '${e.fileName}': ${se?.message ?? 'unreadable'}`));
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('error', (x: Error) => reject(new NpzFormatError(`${file}: entry '${e.fileName}': ${x.message}`)));
          stream.on('end', () => {
            out.set(e.fileName.slice(0, -4), Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Every array of an .npz file by name (the entry name without `.npy`), as float32. */
export async function readNpz(file: string): Promise<Map<string, NpzArray>> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new NpzFormatError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out = new Map<string, NpzArray>();
  for (const [name, b] of await entries(file, buf)) {
    const where = `${file}[${name}]`;
    try {
      const header = parseNpyHeader(b, where);
      out.set(name, { header, data: npyToFloat32(b, header, where) });
    } catch (e) {
      if (e instanceof NpyFormatError) throw new NpzFormatError(e.message);
      throw e;
    }
  }
  if (out.size === 0) throw new NpzFormatError(`${file}: holds no arrays`);
  return out;
}
