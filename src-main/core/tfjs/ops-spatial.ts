/**
 * Mappers of the spatial TF ops (NHWC in TF, NCHW in ONNX): Conv2D, DepthwiseConv2dNative and
 * their fused forms (bias + activation), pooling and resizing. Weights are permuted here.
 */
import { permuteDims, samePads, transposeData } from '../tflite/layout.js';
import type { TfjsContext } from './context.js';
import { attrBool, attrFloat, attrInts, attrString, attrStrings, type TfjsNode } from './model-json.js';

export type TfjsMapper = (ctx: TfjsContext, node: TfjsNode) => void;

function nhwc(ctx: TfjsContext, node: TfjsNode, ref: string): number[] {
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC') throw ctx.error(node, `data_format ${attrString(node, 'data_format', '')} is not supported (NHWC only)`);
  const s = ctx.shape(node, ref);
  if (s.length !== 4) throw ctx.error(node, `expects a 4-D NHWC input, got [${s.join(',')}]`);
  return s;
}

function hw(ctx: TfjsContext, node: TfjsNode, key: string): [number, number] {
  const v = attrInts(node, key);
  if (!v) return [1, 1];
  if (v.length !== 4) throw ctx.error(node, `attribute ${key} must have 4 values, got [${v.join(',')}]`);
  return [v[1]!, v[2]!];
}

/** ONNX pads [top, left, bottom, right] and the output H, W. */
function geometry(ctx: TfjsContext, node: TfjsNode, inHW: number[], k: [number, number], s: [number, number], d: [number, number]): { pads: number[]; out: [number, number] } {
  const mode = attrString(node, 'padding', 'VALID');
  let p = [0, 0, 0, 0];
  if (mode === 'SAME') {
    const [t, b] = samePads(inHW[0]!, k[0], s[0], d[0]);
    const [l, r] = samePads(inHW[1]!, k[1], s[1], d[1]);
    p = [t, l, b, r];
  } else if (mode === 'EXPLICIT') {
    const e = attrInts(node, 'explicit_paddings') ?? [];
    if (e.length !== 8) throw ctx.error(node, `explicit_paddings must have 8 values, got [${e.join(',')}]`);
    p = [e[2]!, e[4]!, e[3]!, e[5]!];
  } else if (mode !== 'VALID') throw ctx.error(node, `padding ${mode} is not supported`);
  const out = [0, 1].map((a) => Math.floor((inHW[a]! + p[a]! + p[a + 2]! - ((k[a]! - 1) * d[a]! + 1)) / s[a]!) + 1) as [number, number];
  if (out[0] < 1 || out[1] < 1) throw ctx.error(node, `the ${inHW.join('x')} input is smaller than the ${k.join('x')} kernel`);
  return { pads: p, out };
}

/** Activation `kind` from input → out (the fused op names TF uses). */
export function activation(ctx: TfjsContext, node: TfjsNode, kind: string, input: string, out: string, alpha?: string): void {
  switch (kind) {
    case 'Relu':
      return ctx.node('Relu', [input], [out]);
    case 'Relu6':
      return ctx.node('Clip', [input, ctx.floats(`${out}_min`, [], Float32Array.of(0)), ctx.floats(`${out}_max`, [], Float32Array.of(6))], [out]);
    case 'LeakyRelu':
      return ctx.node('LeakyRelu', [input], [out], { alpha: attrFloat(node, 'leakyrelu_alpha', attrFloat(node, 'alpha', 0.2)) });
    case 'Elu':
      return ctx.node('Elu', [input], [out]);
    case 'Sigmoid':
      return ctx.node('Sigmoid', [input], [out]);
    case 'Tanh':
      return ctx.node('Tanh', [input], [out]);
    case 'Prelu':
      if (!alpha) throw ctx.error(node, 'Prelu without an alpha input');
      return ctx.node('PRelu', [input, alpha], [out]);
    default:
      throw ctx.error(node, `fused activation ${kind} is not supported`);
  }
}

/** Writes `op` into the node's output, followed by the fused ops after BiasAdd (if any). */
function emitFused(
  ctx: TfjsContext,
  node: TfjsNode,
  op: string,
  inputs: string[],
  attrs: Record<string, number | number[]>,
  shape: number[],
  layout: 'nchw' | 'native',
  alphaOf: (layout: 'nchw' | 'native') => string | undefined,
): void {
  const fused = attrStrings(node, 'fused_ops');
  const acts = fused.filter((f) => f !== 'BiasAdd');
  if (acts.length > 1) throw ctx.error(node, `fused ops [${fused.join(', ')}] are not supported`);
  const out = ctx.output(node.name, shape, layout);
  if (acts.length === 0) return ctx.node(op, inputs, [out], attrs);
  const pre = ctx.fresh(`${out}_pre_act`);
  ctx.node(op, inputs, [pre], attrs);
  activation(ctx, node, acts[0]!, pre, out, alphaOf(layout));
}

function convolution(depthwise: boolean): TfjsMapper {
  return (ctx, node) => {
    const [x, wRef, ...extra] = ctx.inputs(node);
    const xs = nhwc(ctx, node, x!);
    const w = ctx.constant(node, wRef!);
    if (w.dims.length !== 4) throw ctx.error(node, `expects 4-D filters, got [${w.dims.join(',')}]`);
    const s = hw(ctx, node, 'strides');
    const d = hw(ctx, node, 'dilations');
    const k: [number, number] = [w.dims[0]!, w.dims[1]!];
    const g = geometry(ctx, node, [xs[1]!, xs[2]!], k, s, d);
    // depthwise [kH, kW, C, M] → [C·M, 1, kH, kW]; conv [kH, kW, I, O] → [O, I, kH, kW]
    const perm = depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1];
    const pd = permuteDims(w.dims, perm);
    const wDims = depthwise ? [pd[0]! * pd[1]!, 1, k[0], k[1]] : pd;
    const wName = ctx.floats(`${wRef}_oihw`, wDims, transposeData(w.data, w.dims, perm));
    const group = depthwise ? xs[3]! : xs[3]! / w.dims[2]!;
    if (depthwise ? xs[3] !== w.dims[2] : !Number.isInteger(group)) throw ctx.error(node, `input has ${xs[3]} channels, filters [${w.dims.join(',')}] do not match`);
    const fused = attrStrings(node, 'fused_ops');
    const inputs = [ctx.value(node, x!, 'nchw'), wName];
    if (fused[0] === 'BiasAdd') inputs.push(ctx.broadcastConst(node, extra[0]!, 'native'));
    else if (fused.length > 0) throw ctx.error(node, `fused ops [${fused.join(', ')}] are not supported (BiasAdd first expected)`);
    const outC = wDims[0]!;
    const attrs = { kernel_shape: k, strides: s, dilations: d, group, pads: g.pads };
    emitFused(ctx, node, 'Conv', inputs, attrs, [xs[0]!, g.out[0], g.out[1], outC], 'nchw', (l) => (extra[1] ? ctx.broadcastConst(node, extra[1], l) : undefined));
  };
}

export const conv2d = convolution(false);
export const depthwiseConv2d = convolution(true);

function pool(type: 'MaxPool' | 'AveragePool'): TfjsMapper {
  return (ctx, node) => {
    const [x] = ctx.inputs(node);
    const xs = nhwc(ctx, node, x!);
    const k = hw(ctx, node, 'ksize');
    const s = hw(ctx, node, 'strides');
    const g = geometry(ctx, node, [xs[1]!, xs[2]!], k, s, [1, 1]);
    // TF averages over the valid pixels only (ONNX count_include_pad = 0, the default)
    const out = ctx.output(node.name, [xs[0]!, g.out[0], g.out[1], xs[3]!], 'nchw');
    ctx.node(type, [ctx.value(node, x!, 'nchw')], [out], { kernel_shape: k, strides: s, pads: g.pads });
  };
}

export const maxPool = pool('MaxPool');
export const avgPool = pool('AveragePool');

function resize(nearest: boolean): TfjsMapper {
  return (ctx, node) => {
    const [x, size] = ctx.inputs(node);
    const xs = nhwc(ctx, node, x!);
    const [h, w] = ctx.constInts(node, size!);
    const align = attrBool(node, 'align_corners', false);
    const half = attrBool(node, 'half_pixel_centers', false);
    const attrs: Record<string, string> = { mode: nearest ? 'nearest' : 'linear' };
    if (align) attrs['coordinate_transformation_mode'] = 'align_corners';
    else if (half) attrs['coordinate_transformation_mode'] = nearest ? 'tf_half_pixel_for_nn' : 'half_pixel';
    else attrs['coordinate_transformation_mode'] = 'asymmetric';
    if (nearest) attrs['nearest_mode'] = align ? 'round_prefer_ceil' : 'floor';
    const sizes = ctx.ints(`${node.name}_sizes`, [xs[0]!, xs[3]!, h!, w!]);
    const out = ctx.output(node.name, [xs[0]!, h!, w!, xs[3]!], 'nchw');
    ctx.node('Resize', [ctx.value(node, x!, 'nchw'), '', '', sizes], [out], attrs);
  };
}

export const resizeBilinear = resize(false);
export const resizeNearest = resize(true);
