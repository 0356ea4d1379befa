/**
 * Reading a model file safely: it must be a regular file (a FIFO or /dev/zero would block or
 * fill memory) of at most MAX_MODEL_BYTES; the checks run on stat() before any read.
 */
import fs from 'node:fs';

/** Largest model file read (protobuf itself cannot hold more than 2 GiB without external data). */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;

/** A model file that cannot be read or decoded; the message names the file. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function readModelFile(file: string, maxBytes = MAX_MODEL_BYTES): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new ModelFormatError(`${file}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new ModelFormatError(`${file}: is ${kindOf(st)}, not a model file`);
  if (st.size > maxBytes) {
    throw new ModelFormatError(`${file}: the file is ${(st.size / 1024 ** 3).toFixed(2)} GiB, more than the ${(maxBytes / 1024 ** 3).toFixed(0)} GiB a model file may have`);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(`${file}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** True for a TensorFlow Lite flatbuffer: file identifier "TFL3" at bytes 4..8. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}
