/**
 * Mappers of the spatial TFLite ops (NHWC in TFLite, NCHW in ONNX): convolutions, transposed
 * convolutions, pooling and resizing. Weights are permuted to the ONNX layouts here.
 */
import type { ConvertContext } from './context.js';
import { permuteDims, samePads, transposeData } from './layout.js';
import type { TflOperator } from './read-model.js';
import { Opt, Padding } from './schema.js';

export type OpMapper = (ctx: ConvertContext, op: TflOperator) => void;

function spatialIn(ctx: ConvertContext, op: TflOperator, idx: number): [number, number] {
  const s = ctx.tensor(idx).shape;
  if (s.length !== 4) throw ctx.error(op, `expects a 4-D NHWC input, got [${s.join(',')}]`);
  return [s[1]!, s[2]!];
}

/** ONNX pads [top, left, bottom, right] for TFLite padding mode `padding`. */
function pads(ctx: ConvertContext, op: TflOperator, padding: number, inHW: [number, number], k: [number, number], s: [number, number], d: [number, number]): number[] {
  if (padding === Padding.VALID) return [0, 0, 0, 0];
  if (padding !== Padding.SAME) throw ctx.error(op, `padding mode ${padding} is not supported`);
  const [t, b] = samePads(inHW[0], k[0], s[0], d[0]);
  const [l, r] = samePads(inHW[1], k[1], s[1], d[1]);
  return [t, l, b, r];
}

/**
 * A zero PAD of H and W whose only reader is a convolution's input (TFLite converters write
 * asymmetric padding that way) is left out and its pads are added to the convolution's.
 */
export function foldPadIntoConv(ctx: ConvertContext, op: TflOperator, p: number[]): boolean {
  const out = op.outputs[0]!;
  const readers = ctx.consumers(out);
  const conv = readers[0];
  if (op.op !== 'PAD' || p.length !== 8 || readers.length !== 1 || ctx.model.outputs.includes(out)) return false;
  if (!conv || (conv.op !== 'CONV_2D' && conv.op !== 'DEPTHWISE_CONV_2D') || conv.inputs[0] !== out || conv.inputs.indexOf(out) !== conv.inputs.lastIndexOf(out)) return false;
  if (p[0] || p[1] || p[6] || p[7]) return false;
  ctx.padded.set(out, { source: op.inputs[0]!, pads: [p[2]!, p[4]!, p[3]!, p[5]!] });
  return true;
}

/** The ONNX input of a convolution and the pads of a PAD folded into it ([0,0,0,0] when none). */
function convInput(ctx: ConvertContext, x: number): { name: string; extra: number[] } {
  const folded = ctx.padded.get(x);
  if (folded) return { name: ctx.value(folded.source, 'nchw'), extra: folded.pads };
  return { name: ctx.value(x, 'nchw'), extra: [0, 0, 0, 0] };
}

function addPads(a: number[], b: number[]): number[] {
  return a.map((v, i) => v + b[i]!);
}

function constWeights(ctx: ConvertContext, op: TflOperator, idx: number): { data: Float32Array; dims: number[] } {
  if (!ctx.isConst(idx)) throw ctx.error(op, `weights '${ctx.tensor(idx).name}' are not constant; only constant weights are supported`);
  const dims = ctx.tensor(idx).shape;
  if (dims.length !== 4) throw ctx.error(op, `expects 4-D weights, got [${dims.join(',')}]`);
  return { data: ctx.constFloat(idx), dims };
}

function bias(ctx: ConvertContext, op: TflOperator, pos: number): string[] {
  const idx = op.inputs[pos];
  return idx !== undefined && idx >= 0 ? [ctx.value(idx, 'native')] : [];
}

export const conv2d: OpMapper = (ctx, op) => {
  const o = op.options;
  const x = op.inputs[0]!;
  const w = constWeights(ctx, op, op.inputs[1]!);
  const s: [number, number] = [o?.int32(Opt.Conv2D.strideH, 1) ?? 1, o?.int32(Opt.Conv2D.strideW, 1) ?? 1];
  const d: [number, number] = [o?.int32(Opt.Conv2D.dilationH, 1) ?? 1, o?.int32(Opt.Conv2D.dilationW, 1) ?? 1];
  const k: [number, number] = [w.dims[1]!, w.dims[2]!];
  const cin = ctx.tensor(x).shape[3]!;
  const group = cin / w.dims[3]!;
  if (!Number.isInteger(group)) throw ctx.error(op, `input has ${cin} channels, weights expect a multiple of ${w.dims[3]}`);
  // [O, H, W, I] → [O, I, H, W]
  const perm = [0, 3, 1, 2];
  const wName = ctx.floats(`${ctx.tensor(op.inputs[1]!).name}_oihw`, permuteDims(w.dims, perm), transposeData(w.data, w.dims, perm));
  const input = convInput(ctx, x);
  const attrs = {
    kernel_shape: k,
    strides: s,
    dilations: d,
    group,
    pads: addPads(pads(ctx, op, o?.int8(Opt.Conv2D.padding) ?? 0, spatialIn(ctx, op, x), k, s, d), input.extra),
  };
  ctx.emit(op, 'Conv', [input.name, wName, ...bias(ctx, op, 2)], attrs, 'nchw', o?.int8(Opt.Conv2D.act) ?? 0);
};

export const depthwiseConv2d: OpMapper = (ctx, op) => {
  const o = op.options;
  const x = op.inputs[0]!;
  const w = constWeights(ctx, op, op.inputs[1]!);
  const s: [number, number] = [o?.int32(Opt.DepthwiseConv2D.strideH, 1) ?? 1, o?.int32(Opt.DepthwiseConv2D.strideW, 1) ?? 1];
  const d: [number, number] = [o?.int32(Opt.DepthwiseConv2D.dilationH, 1) ?? 1, o?.int32(Opt.DepthwiseConv2D.dilationW, 1) ?? 1];
  const k: [number, number] = [w.dims[1]!, w.dims[2]!];
  const cin = ctx.tensor(x).shape[3]!;
  // [1, H, W, C·M] → [C·M, 1, H, W]
  const perm = [3, 0, 1, 2];
  const wName = ctx.floats(`${ctx.tensor(op.inputs[1]!).name}_oihw`, permuteDims(w.dims, perm), transposeData(w.data, w.dims, perm));
  const input = convInput(ctx, x);
  const attrs = {
    kernel_shape: k,
    strides: s,
    dilations: d,
    group: cin,
    pads: addPads(pads(ctx, op, o?.int8(Opt.DepthwiseConv2D.padding) ?? 0, spatialIn(ctx, op, x), k, s, d), input.extra),
  };
  ctx.emit(op, 'Conv', [input.name, wName, ...bias(ctx, op, 2)], attrs, 'nchw', o?.int8(Opt.DepthwiseConv2D.act) ?? 0);
};

/** ConvTranspose from TFLite [O, H, W, I] weights; pads follow from the known output size. */
function convTranspose(ctx: ConvertContext, op: TflOperator, x: number, wIdx: number, biasPos: number, stride: [number, number], act: number): void {
  const w = constWeights(ctx, op, wIdx);
  const inHW = spatialIn(ctx, op, x);
  const out = ctx.tensor(op.outputs[0]!).shape;
  const k: [number, number] = [w.dims[1]!, w.dims[2]!];
  const p: number[] = [0, 0, 0, 0];
  const outPad = [0, 0];
  for (let a = 0; a < 2; a++) {
    const total = (inHW[a]! - 1) * stride[a]! + k[a]! - out[a + 1]!;
    if (total < 0) outPad[a] = -total;
    else {
      p[a] = Math.floor(total / 2);
      p[a + 2] = total - p[a]!;
    }
  }
  // [O, H, W, I] → [I, O, H, W]
  const perm = [3, 0, 1, 2];
  const wName = ctx.floats(`${ctx.tensor(wIdx).name}_iohw`, permuteDims(w.dims, perm), transposeData(w.data, w.dims, perm));
  const attrs: Record<string, number[]> = { kernel_shape: k, strides: stride, pads: p };
  if (outPad[0] || outPad[1]) attrs['output_padding'] = outPad;
  ctx.emit(op, 'ConvTranspose', [ctx.value(x, 'nchw'), wName, ...bias(ctx, op, biasPos)], attrs, 'nchw', act);
}

export const transposeConv: OpMapper = (ctx, op) => {
  const o = op.options;
  const s: [number, number] = [o?.int32(Opt.TransposeConv.strideH, 1) ?? 1, o?.int32(Opt.TransposeConv.strideW, 1) ?? 1];
  convTranspose(ctx, op, op.inputs[2]!, op.inputs[1]!, 3, s, o?.int8(Opt.TransposeConv.act) ?? 0);
};

/** MediaPipe's custom Convolution2DTransposeBias: options are {padding, stride_w, stride_h} as int32. */
export const mediapipeTransposeConvBias: OpMapper = (ctx, op) => {
  const c = op.customOptions;
  if (!c || c.length < 12) throw ctx.error(op, 'custom options (padding, strides) are missing');
  const v = new DataView(c.buffer, c.byteOffset, 12);
  convTranspose(ctx, op, op.inputs[0]!, op.inputs[1]!, 2, [v.getInt32(8, true), v.getInt32(4, true)], 0);
};

function pool(type: 'MaxPool' | 'AveragePool'): OpMapper {
  return (ctx, op) => {
    const o = op.options;
    const x = op.inputs[0]!;
    const k: [number, number] = [o?.int32(Opt.Pool2D.filterH, 1) ?? 1, o?.int32(Opt.Pool2D.filterW, 1) ?? 1];
    const s: [number, number] = [o?.int32(Opt.Pool2D.strideH, 1) ?? 1, o?.int32(Opt.Pool2D.strideW, 1) ?? 1];
    const attrs: Record<string, number | number[]> = {
      kernel_shape: k,
      strides: s,
      pads: pads(ctx, op, o?.int8(Opt.Pool2D.padding) ?? 0, spatialIn(ctx, op, x), k, s, [1, 1]),
    };
    // TFLite averages over the valid pixels only (ONNX count_include_pad = 0, the default)
    ctx.emit(op, type, [ctx.value(x, 'nchw')], attrs, 'nchw', o?.int8(Opt.Pool2D.act) ?? 0);
  };
}

export const maxPool2d = pool('MaxPool');
export const averagePool2d = pool('AveragePool');

function resize(nearest: boolean): OpMapper {
  return (ctx, op) => {
    const o = op.options;
    const x = op.inputs[0]!;
    const align = o?.bool(nearest ? Opt.ResizeNearest.alignCorners : Opt.Resize.alignCorners) ?? false;
    const half = o?.bool(nearest ? Opt.ResizeNearest.halfPixelCenters : Opt.Resize.halfPixelCenters) ?? false;
    const out = ctx.tensor(op.outputs[0]!).shape;
    if (out.length !== 4) throw ctx.error(op, `expects a 4-D output, got [${out.join(',')}]`);
    const attrs: Record<string, string> = { mode: nearest ? 'nearest' : 'linear' };
    if (align) attrs['coordinate_transformation_mode'] = 'align_corners';
    else if (half) attrs['coordinate_transformation_mode'] = nearest ? 'tf_half_pixel_for_nn' : 'half_pixel';
    else attrs['coordinate_transformation_mode'] = 'asymmetric';
    if (nearest) attrs['nearest_mode'] = align ? 'round_prefer_ceil' : 'floor';
    const sizes = ctx.ints(`${ctx.tensor(op.outputs[0]!).name}_sizes`, [out[0]!, out[3]!, out[1]!, out[2]!]);
    ctx.emit(op, 'Resize', [ctx.value(x, 'nchw'), '', '', sizes], attrs, 'nchw');
  };
}

export const resizeBilinear = resize(false);
export const resizeNearest = resize(true);
