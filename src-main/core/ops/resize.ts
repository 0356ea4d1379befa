/**
 * Resize, opset 10-25.
 * Opset 10: inputs X, scales; modes nearest/linear with asymmetric coordinates (onnxruntime's
 * opset-10 behaviour: nearest rounds down when upsampling, up when downsampling).
 * Opset 11+: inputs X, roi, scales, sizes (one of scales/sizes); modes nearest, linear, cubic;
 * coordinate_transformation_mode half_pixel (default), half_pixel_symmetric (19+),
 * pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn (11-12),
 * tf_crop_and_resize (roi, extrapolation_value); nearest_mode round_prefer_floor (default),
 * round_prefer_ceil, floor, ceil; cubic_coeff_a, exclude_outside.
 * Opset 18+: axes and keep_aspect_ratio_policy (stretch, not_larger, not_smaller);
 * antialias=1 is only accepted when no axis is downscaled (then it changes nothing).
 */
import type { Node } from '../graph/ir.js';
import { attrFloat, attrInt, attrInts, attrString } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { interpolate, type CoordMode, type InterpOptions, type NearestMode } from './resize-common.js';
import { fail, float, LATEST_OPSET, normAxis, reqFloat, reqShape, shapeStr, unsupported } from './util.js';

const f = Math.fround;

export interface ResizePlan {
  out: number[];
  scales: number[];
  roi: number[];
}

function present(node: Node, src: readonly (Tensor | undefined)[], i: number): Tensor | undefined {
  if (i >= node.inputs.length || node.inputs[i] === '') return undefined;
  const t = src[i];
  return t && t.data.length > 0 ? t : undefined;
}

function needed(node: Node, src: readonly (Tensor | undefined)[], i: number, forShape: boolean): boolean {
  return forShape && i < node.inputs.length && node.inputs[i] !== '' && src[i] === undefined;
}

function plan(node: Node, dims: readonly number[], src: readonly (Tensor | undefined)[], ctx: OpContext, forShape: boolean): ResizePlan {
  const r = dims.length;
  if (ctx.opset < 11) {
    const s = present(node, src, 1);
    if (!s) fail(node, forShape && needed(node, src, 1, true) ? 'input 1 (scales) must be a constant to infer the output shape' : 'input 1 (scales) is missing or empty');
    const scales = Array.from(s.data as ArrayLike<number>, (v) => f(Number(v)));
    if (scales.length !== r) fail(node, `scales has ${scales.length} values for rank ${r}`);
    return { out: dims.map((d, i) => Math.floor(f(scales[i]! * d))), scales, roi: [] };
  }
  const axesAttr = ctx.opset >= 18 ? attrInts(node, 'axes', []) : [];
  const axes = axesAttr.length > 0 ? axesAttr.map((a) => normAxis(node, a, r, 'axes value')) : dims.map((_, i) => i);
  const sizesT = present(node, src, 3);
  const scalesT = present(node, src, 2);
  for (const i of [2, 3]) if (needed(node, src, i, forShape)) fail(node, `input ${i} (${i === 2 ? 'scales' : 'sizes'}) must be a constant to infer the output shape`);
  const roiT = present(node, src, 1);
  let roi: number[] = [];
  if (roiT) {
    const v = Array.from(roiT.data as ArrayLike<number>, Number);
    if (v.length !== 2 * axes.length) fail(node, `roi has ${v.length} values, expected ${2 * axes.length}`);
    roi = [...new Array<number>(r).fill(0), ...new Array<number>(r).fill(1)];
    axes.forEach((a, i) => {
      roi[a] = v[i]!;
      roi[a + r] = v[i + axes.length]!;
    });
  }
  const out = [...dims];
  const scales = new Array<number>(r).fill(1);
  if (sizesT) {
    if (scalesT) fail(node, 'only one of scales and sizes may be given');
    const sizes = Array.from(sizesT.data as ArrayLike<number>, Number);
    if (sizes.length !== axes.length) fail(node, `sizes has ${sizes.length} values, expected ${axes.length}`);
    const policy = ctx.opset >= 18 ? attrString(node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, i) => {
        out[a] = sizes[i]!;
        scales[a] = f(f(sizes[i]!) / f(dims[a]!));
      });
    } else if (policy === 'not_larger' || policy === 'not_smaller') {
      const ratios = axes.map((a, i) => f(f(sizes[i]!) / f(dims[a]!)));
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        out[a] = Math.round(f(s * dims[a]!));
        scales[a] = s;
      });
    } else fail(node, `unknown keep_aspect_ratio_policy '${policy}'`);
  } else if (scalesT) {
    const sc = Array.from(scalesT.data as ArrayLike<number>, (v) => f(Number(v)));
    if (sc.length !== axes.length) fail(node, `scales has ${sc.length} values, expected ${axes.length}`);
    axes.forEach((a, i) => {
      if (!(sc[i]! > 0)) fail(node, `scale ${sc[i]} must be positive`);
      scales[a] = sc[i]!;
      out[a] = Math.floor(f(sc[i]! * dims[a]!));
    });
  } else {
    fail(node, 'one of scales or sizes must be given (non-empty)');
  }
  return { out, scales, roi };
}

function options(node: Node, ctx: OpContext): InterpOptions {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') fail(node, `unknown mode '${mode}'`);
  if (ctx.opset < 11) {
    if (mode === 'cubic') fail(node, 'mode cubic needs opset 11');
    return { mode, coord: 'asymmetric', nearest: 'simple', cubicA: -0.75, excludeOutside: false, extrapolation: 0 };
  }
  const coord = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  const coords: CoordMode[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'];
  if (ctx.opset < 13) coords.push('tf_half_pixel_for_nn');
  if (ctx.opset >= 19) coords.push('half_pixel_symmetric');
  if (!coords.includes(coord as CoordMode)) fail(node, `coordinate_transformation_mode '${coord}' is not valid at opset ${ctx.opset}`);
  const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (!['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(nearest)) fail(node, `unknown nearest_mode '${nearest}'`);
  return {
    mode,
    coord: coord as CoordMode,
    nearest: nearest as NearestMode,
    cubicA: attrFloat(node, 'cubic_coeff_a', -0.75),
    excludeOutside: attrInt(node, 'exclude_outside', 0) !== 0,
    extrapolation: attrFloat(node, 'extrapolation_value', 0),
  };
}

export const Resize: OpDef = {
  op: 'Resize',
  minOpset: 10,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const o = options(node, ctx);
    const p = plan(node, X.dims, inputs, ctx, false);
    if (ctx.opset >= 18 && attrInt(node, 'antialias', 0) !== 0 && o.mode !== 'nearest' && p.out.some((d, i) => d < X.dims[i]!)) {
      unsupported(node, ctx, 'antialias with downscaling');
    }
    if (o.coord === 'tf_crop_and_resize' && p.roi.length === 0) fail(node, 'tf_crop_and_resize needs the roi input');
    if (p.out.length !== X.dims.length) fail(node, `output rank does not match input ${shapeStr(X.dims)}`);
    return [float(p.out, interpolate(node, X.data, X.dims, p.out, p.scales, p.roi, o))];
  },
  inferShape(node, shapes, consts, ctx) {
    return [plan(node, reqShape(node, shapes, 0, 'X'), consts, ctx, true).out];
  },
};

/** for the int8 Resize (core/quant/int8-data-ops.ts): the output plan and options of a node */
export { plan as resizePlan, options as resizeOptions };
