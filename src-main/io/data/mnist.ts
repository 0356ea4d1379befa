/**
 * MNIST idx files: images (idx3, unsigned byte, magic 0x00000803) and labels (idx1, unsigned byte,
 * magic 0x00000801), gzipped (detected by the 1f 8b magic, whatever the name) or not.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export class MnistFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MnistFormatError';
  }
}

export interface IdxArray {
  file: string;
  dims: number[];
  /** Unsigned bytes, row-major. */
  data: Uint8Array;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** Raw file bytes, gunzipped when the file starts with the gzip magic 1f 8b. */
export function readMaybeGzip(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new MnistFormatError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new MnistFormatError(`${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return buf;
}

/** Parse an idx buffer holding unsigned bytes with `ndims` dimensions. */
export function parseIdx(buf: Buffer, file: string, ndims: number, what: string): IdxArray {
  const expected = 0x0800 + ndims;
  if (buf.length < 4) throw new MnistFormatError(`${file}: too short for an idx file (${buf.length} bytes)`);
  const magic = buf.readUInt32BE(0);
  if (magic !== expected) {
    throw new MnistFormatError(`${file}: bad magic number ${hex(magic)}, expected ${hex(expected)} (idx${ndims} unsigned-byte ${what})`);
  }
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new MnistFormatError(`${file}: truncated header (${buf.length} bytes, need ${header})`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) {
    throw new MnistFormatError(`${file}: size mismatch: header says ${dims.join('x')} = ${size} bytes of data, file has ${buf.length - header}`);
  }
  return { file, dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, size) };
}

export interface Mnist {
  imagesFile: string;
  labelsFile: string;
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes */
  images: Uint8Array;
  labels: Uint8Array;
  /** Image i as float 0..255, shape [1, 1, rows, cols]. */
  image(i: number): Float32Array;
}

export function readMnistImages(file: string): IdxArray {
  const a = parseIdx(readMaybeGzip(file), file, 3, 'images');
  if (a.dims[0] === 0 || a.dims[1] === 0 || a.dims[2] === 0) throw new MnistFormatError(`${file}: empty image array ${a.dims.join('x')}`);
  return a;
}

export function readMnistLabels(file: string): IdxArray {
  return parseIdx(readMaybeGzip(file), file, 1, 'labels');
}

/** Read an images + labels idx pair; counts must agree. */
export function readMnist(imagesFile: string, labelsFile: string): Mnist {
  const im = readMnistImages(path.resolve(imagesFile));
  const lb = readMnistLabels(path.resolve(labelsFile));
  const [count, rows, cols] = im.dims as [number, number, number];
  if (lb.dims[0] !== count) {
    throw new MnistFormatError(`${lb.file}: has ${lb.dims[0]} labels but ${im.file} has ${count} images`);
  }
  const plane = rows * cols;
  return {
    imagesFile: im.file,
    labelsFile: lb.file,
    count,
    rows,
    cols,
    images: im.data,
    labels: lb.data,
    image(i: number): Float32Array {
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`MNIST image index ${i} out of range 0..${count - 1}`);
      return Float32Array.from(im.data.subarray(i * plane, (i + 1) * plane));
    },
  };
}
