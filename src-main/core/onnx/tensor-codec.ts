/** Conversion between ONNX TensorProto and the core Tensor type. */
import type { DType, Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import { DataType, type ITensorProto, toNum } from './proto.js';

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function rawView(raw: Uint8Array): DataView {
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Decodes a TensorProto. `where` names the tensor's owner for error messages. */
export function decodeTensor(t: ITensorProto, where: string): Tensor {
  const dims = (t.dims ?? []).map(toNum);
  const n = numel(dims);
  const dt = t.dataType ?? 0;
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new Error(`${where}: tensor '${t.name ?? ''}' uses external data, which is not supported; re-save the model with weights embedded`);
  }
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const need = (bytes: number) => {
    if (raw && raw.length !== n * bytes) {
      throw new Error(`${where}: tensor '${t.name ?? ''}' has ${raw.length} bytes of raw data, expected ${n * bytes} for dims [${dims.join(',')}]`);
    }
  };
  const check = (len: number) => {
    if (len !== n) throw new Error(`${where}: tensor '${t.name ?? ''}' has ${len} values, expected ${n} for dims [${dims.join(',')}]`);
  };
  switch (dt) {
    case DataType.FLOAT: {
      const out = new Float32Array(n);
      if (raw) {
        need(4);
        const v = rawView(raw);
        for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      } else {
        check(t.floatData?.length ?? 0);
        out.set(t.floatData ?? []);
      }
      return { dtype: 'float32', dims, data: out };
    }
    case DataType.FLOAT16: {
      const out = new Float32Array(n);
      if (raw) {
        need(2);
        const v = rawView(raw);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
      } else {
        check(t.int32Data?.length ?? 0);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(t.int32Data![i]!);
      }
      return { dtype: 'float32', dims, data: out };
    }
    case DataType.DOUBLE: {
      const out = new Float32Array(n);
      if (raw) {
        need(8);
        const v = rawView(raw);
        for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      } else {
        check(t.doubleData?.length ?? 0);
        out.set(t.doubleData ?? []);
      }
      return { dtype: 'float32', dims, data: out };
    }
    case DataType.INT64:
    case DataType.UINT64: {
      const out = new Float64Array(n);
      if (raw) {
        need(8);
        const v = rawView(raw);
        for (let i = 0; i < n; i++) out[i] = Number(dt === DataType.INT64 ? v.getBigInt64(i * 8, true) : v.getBigUint64(i * 8, true));
      } else {
        const src = dt === DataType.INT64 ? (t.int64Data ?? []) : (t.uint64Data ?? []);
        check(src.length);
        for (let i = 0; i < n; i++) out[i] = toNum(src[i]);
      }
      return { dtype: 'int64', dims, data: out };
    }
    case DataType.INT32:
    case DataType.INT16:
    case DataType.UINT16: {
      const out = new Int32Array(n);
      const bytes = dt === DataType.INT32 ? 4 : 2;
      if (raw) {
        need(bytes);
        const v = rawView(raw);
        for (let i = 0; i < n; i++) {
          out[i] = dt === DataType.INT32 ? v.getInt32(i * 4, true) : dt === DataType.INT16 ? v.getInt16(i * 2, true) : v.getUint16(i * 2, true);
        }
      } else {
        check(t.int32Data?.length ?? 0);
        out.set(t.int32Data ?? []);
      }
      return { dtype: 'int32', dims, data: out };
    }
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL: {
      const dtype: DType = dt === DataType.INT8 ? 'int8' : dt === DataType.UINT8 ? 'uint8' : 'bool';
      const out = dt === DataType.INT8 ? new Int8Array(n) : new Uint8Array(n);
      if (raw) {
        need(1);
        out.set(dt === DataType.INT8 ? new Int8Array(raw.buffer, raw.byteOffset, n) : raw);
      } else {
        check(t.int32Data?.length ?? 0);
        out.set(t.int32Data ?? []);
      }
      return { dtype, dims, data: out };
    }
    default:
      throw new Error(`${where}: tensor '${t.name ?? ''}' has ONNX data type ${dt}, which is not supported`);
  }
}

/** Encodes a core Tensor as a TensorProto with little-endian raw data. */
export function encodeTensor(name: string, t: Tensor): ITensorProto {
  const n = t.data.length;
  let dataType: number;
  let raw: Uint8Array;
  switch (t.dtype) {
    case 'float32': {
      dataType = DataType.FLOAT;
      raw = new Uint8Array(n * 4);
      const v = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) v.setFloat32(i * 4, t.data[i]!, true);
      break;
    }
    case 'int64': {
      dataType = DataType.INT64;
      raw = new Uint8Array(n * 8);
      const v = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) {
        // int64 values are held as doubles: INT64_MAX reads back as 2^63, so saturate
        const x = Math.trunc(t.data[i]!);
        v.setBigInt64(i * 8, x >= 2 ** 63 ? 2n ** 63n - 1n : x <= -(2 ** 63) ? -(2n ** 63n) : BigInt(x), true);
      }
      break;
    }
    case 'int32': {
      dataType = DataType.INT32;
      raw = new Uint8Array(n * 4);
      const v = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) v.setInt32(i * 4, t.data[i]!, true);
      break;
    }
    case 'int8':
      dataType = DataType.INT8;
      raw = new Uint8Array(new Int8Array(t.data as Int8Array).buffer);
      break;
    case 'uint8':
      dataType = DataType.UINT8;
      raw = Uint8Array.from(t.data as Uint8Array);
      break;
    case 'bool':
      dataType = DataType.BOOL;
      raw = Uint8Array.from(t.data as Uint8Array);
      break;
  }
  return { name, dims: t.dims, dataType, rawData: raw };
}
