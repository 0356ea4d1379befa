/**
 * Dense tensors used throughout the core. Float tensors hold activations and weights;
 * int64 ONNX data (shapes, Slice bounds) is held in a Float64Array, exact up to 2^53,
 * which is enough for every index the supported ops use.
 */
export type DType = 'float32' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TensorData = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export interface FloatTensor extends Tensor {
  dtype: 'float32';
  data: Float32Array;
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function floatTensor(dims: number[], data?: Float32Array): FloatTensor {
  const n = numel(dims);
  if (data && data.length !== n) {
    throw new Error(`tensor data length ${data.length} does not match dims [${dims.join(',')}] (${n})`);
  }
  return { dtype: 'float32', dims: [...dims], data: data ?? new Float32Array(n) };
}

export function int64Tensor(dims: number[], values: ArrayLike<number>): Tensor {
  return { dtype: 'int64', dims: [...dims], data: Float64Array.from(values) };
}

export function isFloat(t: Tensor): t is FloatTensor {
  return t.dtype === 'float32';
}

/** Reads any tensor as plain numbers (used for small index/shape tensors). */
export function toNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

export function asFloat(t: Tensor, what: string): FloatTensor {
  if (t.dtype !== 'float32') throw new Error(`${what}: expected a float32 tensor, got ${t.dtype}`);
  return t as FloatTensor;
}

export function dimsToString(dims: readonly number[]): string {
  return `[${dims.join('x')}]`;
}
