/**
 * TFLite constant tensors → float32 / integer arrays: float16 decoding and dequantization of
 * int8/uint8/int32 data with per-tensor or per-channel scales (quantized models are imported
 * as float, their scales being the starting point).
 */
import { ModelFormatError } from '../onnx/model-format.js';
import type { TflTensor } from './read-model.js';
import { TENSOR_TYPE_NAMES, TensorType } from './schema.js';

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function count(t: TflTensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

function view(t: TflTensor, bytesPer: number, file: string): DataView {
  const d = t.data!;
  const n = count(t);
  if (d.length < n * bytesPer) {
    throw new ModelFormatError(`${file}: tensor '${t.name}' has ${d.length} bytes of data, [${t.shape.join(',')}] needs ${n * bytesPer}`);
  }
  return new DataView(d.buffer, d.byteOffset, n * bytesPer);
}

function dequantize(t: TflTensor, raw: (i: number) => number, n: number): Float32Array {
  const q = t.quant!;
  const out = new Float32Array(n);
  if (q.scale.length <= 1) {
    const s = q.scale[0]!;
    const z = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < n; i++) out[i] = (raw(i) - z) * s;
    return out;
  }
  const axis = q.quantizedDimension;
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const ch = t.shape[axis]!;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % ch;
    out[i] = (raw(i) - (q.zeroPoint[c] ?? 0)) * q.scale[c]!;
  }
  return out;
}

/** A constant tensor's values as float32 (dequantized when it carries scales). */
export function constFloat(t: TflTensor, file: string): Float32Array {
  const n = count(t);
  switch (t.type) {
    case TensorType.FLOAT32: {
      const v = view(t, 4, file);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      return out;
    }
    case TensorType.FLOAT16: {
      const v = view(t, 2, file);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
      return out;
    }
    case TensorType.INT8:
    case TensorType.UINT8:
    case TensorType.INT32:
    case TensorType.INT16: {
      const size = t.type === TensorType.INT32 ? 4 : t.type === TensorType.INT16 ? 2 : 1;
      const v = view(t, size, file);
      const raw =
        t.type === TensorType.INT8
          ? (i: number) => v.getInt8(i)
          : t.type === TensorType.UINT8
            ? (i: number) => v.getUint8(i)
            : t.type === TensorType.INT16
              ? (i: number) => v.getInt16(i * 2, true)
              : (i: number) => v.getInt32(i * 4, true);
      if (t.quant) return dequantize(t, raw, n);
      return Float32Array.from({ length: n }, (_, i) => raw(i));
    }
    default:
      throw new ModelFormatError(`${file}: constant tensor '${t.name}' has type ${TENSOR_TYPE_NAMES[t.type] ?? t.type}, which cannot be read as float`);
  }
}

/** A constant integer tensor (shapes, axes, paddings) as numbers. */
export function constInts(t: TflTensor, file: string): number[] {
  const n = count(t);
  if (t.type === TensorType.INT32) {
    const v = view(t, 4, file);
    return Array.from({ length: n }, (_, i) => v.getInt32(i * 4, true));
  }
  if (t.type === TensorType.INT64) {
    const v = view(t, 8, file);
    return Array.from({ length: n }, (_, i) => Number(v.getBigInt64(i * 8, true)));
  }
  throw new ModelFormatError(`${file}: tensor '${t.name}' should be a constant INT32/INT64 tensor, got ${TENSOR_TYPE_NAMES[t.type] ?? t.type}`);
}
