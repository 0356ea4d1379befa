/**
 * NHWC (TFLite) ↔ NCHW (ONNX) layout conversion: permutations, axis mapping and the
 * transposition of constant data.
 */

/** ONNX Transpose perm taking an NHWC tensor to NCHW */
export const TO_NCHW = [0, 3, 1, 2];
/** ONNX Transpose perm taking an NCHW tensor back to NHWC */
export const TO_NHWC = [0, 2, 3, 1];

/** the NCHW axis of NHWC axis `a` (0..3) */
export function nchwAxis(a: number): number {
  return TO_NCHW.indexOf(a);
}

export function permuteDims(dims: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => dims[p]!);
}

/** Transposes row-major data of shape `dims` by `perm` (ONNX Transpose semantics). */
export function transposeData<T extends Float32Array | Int32Array>(data: T, dims: readonly number[], perm: readonly number[]): T {
  const rank = dims.length;
  const outDims = permuteDims(dims, perm);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * dims[i + 1]!;
  const strideOfOut = perm.map((p) => inStrides[p]!);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k]! * strideOfOut[k]!;
    out[o] = data[src]!;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < outDims[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Shape of a constant broadcast against a 4-D NHWC tensor, padded to rank 4 (numpy rules). */
export function padToRank4(dims: readonly number[]): number[] {
  return [...new Array<number>(4 - dims.length).fill(1), ...dims];
}

/**
 * TF "SAME" padding of one spatial axis: output ceil(in / stride), the extra pixel (odd total)
 * goes at the end. Returns [begin, end].
 */
export function samePads(inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const eff = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}
