/**
 * Tensor folders: ready model inputs, fed as they are (no preprocessing).
 *  - `.npy` files (little-endian float32, C order; float64 and uint8 are converted to float32 with
 *    a notice), each of the model input's shape, or that shape without the batch dim of 1;
 *  - raw `.f32` / `.bin` files: little-endian float32, exactly the input's byte size.
 * Every file is checked when the folder is opened: a wrong shape or size is an error naming the
 * file, its shape and the expected one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readNpy, readNpyHeader, NpyFormatError } from './npy.js';

export const TENSOR_EXTENSIONS = ['.npy', '.f32', '.bin'] as const;

export function isTensorName(name: string): boolean {
  return (TENSOR_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

export class TensorFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TensorFileError';
  }
}

export interface TensorInput {
  name?: string;
  dims: number[];
}

const fmt = (dims: readonly number[]) => `[${dims.join(', ')}]`;
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function inputLabel(input: TensorInput): string {
  return input.name ? `model input '${input.name}' ${fmt(input.dims)}` : `model input ${fmt(input.dims)}`;
}

/** Throws unless every dim is a positive integer (a tensor file cannot fill a dynamic dim). */
export function checkStaticDims(input: TensorInput, where: string): void {
  if (input.dims.length === 0 || input.dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new TensorFileError(`${where}: ${inputLabel(input)} needs a static shape for tensor files (give --input-shape or a card)`);
  }
}

/**
 * Check one tensor file against the input (header/size only) and say how it converts:
 * returns the .npy dtype when it is not float32, else null.
 */
export function checkTensorFile(file: string, input: TensorInput): string | null {
  const n = input.dims.reduce((a, b) => a * b, 1);
  if (path.extname(file).toLowerCase() !== '.npy') {
    const size = fs.statSync(file).size;
    if (size !== n * 4) {
      throw new TensorFileError(`${file}: ${size} bytes, but ${inputLabel(input)} needs ${n * 4} (float32 little-endian, ${n} values)`);
    }
    return null;
  }
  let h;
  try {
    h = readNpyHeader(file);
  } catch (e) {
    if (e instanceof NpyFormatError) throw new TensorFileError(e.message);
    throw e;
  }
  checkArrayShape(file, h.shape, input);
  return h.dtype === 'float32' ? null : h.dtype;
}

/** An array (a .npy file, an .npz entry) must have the input's shape, or that shape without a batch dim of 1. */
export function checkArrayShape(where: string, shape: readonly number[], input: TensorInput): void {
  const noBatch = input.dims[0] === 1 ? input.dims.slice(1) : null;
  if (!same(shape, input.dims) && !(noBatch && same(shape, noBatch))) {
    throw new TensorFileError(`${where}: shape ${fmt(shape)} does not match ${inputLabel(input)}${noBatch ? ` (or ${fmt(noBatch)} without the batch dim)` : ''}`);
  }
}

/** Check all files; returns one notice about converted dtypes, or null. */
export function checkTensorFiles(files: string[], input: TensorInput): string | null {
  const converted = new Map<string, string[]>();
  for (const f of files) {
    const dt = checkTensorFile(f, input);
    if (dt) converted.set(dt, [...(converted.get(dt) ?? []), path.basename(f)]);
  }
  if (converted.size === 0) return null;
  const parts = [...converted].map(([dt, names]) => `${names.length} ${dt} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`);
  return `.npy files converted to float32 (values unchanged, uint8 stays 0..255): ${parts.join('; ')}`;
}

/** Read one tensor file as float32 (already checked by checkTensorFile). */
export function readTensorFile(file: string, input: TensorInput): Float32Array {
  const n = input.dims.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  if (path.extname(file).toLowerCase() === '.npy') {
    try {
      data = readNpy(file).data;
    } catch (e) {
      if (e instanceof NpyFormatError) throw new TensorFileError(e.message);
      throw e;
    }
  } else {
    const buf = fs.readFileSync(file);
    data = new Float32Array(buf.length / 4);
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(i * 4);
  }
  // the file changed since the folder was opened
  if (data.length !== n) throw new TensorFileError(`${file}: has ${data.length} values, ${inputLabel(input)} needs ${n}`);
  return data;
}
