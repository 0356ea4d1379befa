/**
 * Mappers of the element-wise, reduction, shape and dense TF ops. Element-wise ops work in the
 * layout of their 4-D activation input; shape ops (Reshape, Squeeze, ExpandDims, Transpose)
 * work in the TF (native) layout with shapes computed here.
 */
import { nchwAxis } from '../tflite/layout.js';
import type { Layout, TfjsContext } from './context.js';
import { attrBool, attrFloat, attrInts, attrStrings, type TfjsNode } from './model-json.js';
import { foldIntoClip, foldIntoConv } from './fold.js';
import { activation, type TfjsMapper } from './ops-spatial.js';

function broadcastShape(ctx: TfjsContext, node: TfjsNode, a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw ctx.error(node, `shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Layout for an element-wise op over `refs`: NCHW when a 4-D output has an NCHW input. */
function elementwiseLayout(ctx: TfjsContext, refs: string[], shape: number[]): Layout {
  return shape.length === 4 && refs.some((r) => ctx.layoutOf(r) === 'nchw') ? 'nchw' : 'native';
}

function operand(ctx: TfjsContext, node: TfjsNode, ref: string, layout: Layout): string {
  if (ctx.isConst(ref)) return ctx.broadcastConst(node, ref, layout);
  if (layout === 'nchw' && ctx.shape(node, ref).length !== 4)
    throw ctx.error(node, `cannot broadcast the ${ctx.shape(node, ref).length}-D input '${ref}' against a 4-D activation`);
  return ctx.value(node, ref, layout);
}

export function binary(type: string): TfjsMapper {
  return (ctx, node) => {
    const refs = ctx.inputs(node);
    if (refs.length < 2) throw ctx.error(node, 'expects 2 inputs');
    if (refs.every((r) => ctx.isConst(r))) throw ctx.error(node, 'element-wise op on constants only is not supported');
    if (foldIntoConv(ctx, node, type) || foldIntoClip(ctx, node, type)) return;
    let shape = ctx.shape(node, refs[0]!);
    for (const r of refs.slice(1)) shape = broadcastShape(ctx, node, shape, ctx.shape(node, r));
    const layout = elementwiseLayout(ctx, refs, shape);
    let acc = operand(ctx, node, refs[0]!, layout);
    refs.slice(1).forEach((r, i) => {
      const out = i === refs.length - 2 ? ctx.output(node.name, shape, layout) : ctx.fresh(`${node.name}_part${i}`);
      ctx.node(type, [acc, operand(ctx, node, r, layout)], [out]);
      acc = out;
    });
  };
}

/** An activation (Relu, Relu6, Sigmoid, Tanh, Elu, LeakyRelu, Prelu) in the input's layout. */
export function unary(kind: string): TfjsMapper {
  return (ctx, node) => {
    const [x, alpha] = ctx.inputs(node);
    const shape = ctx.shape(node, x!);
    const layout = ctx.layoutOf(x!) ?? 'native';
    const input = ctx.value(node, x!, layout);
    const out = ctx.output(node.name, shape, layout);
    if (['Relu', 'Relu6', 'Sigmoid', 'Tanh', 'Elu', 'LeakyRelu', 'Prelu'].includes(kind)) {
      activation(ctx, node, kind, input, out, alpha ? ctx.broadcastConst(node, alpha, layout) : undefined);
    } else ctx.node(kind, [input], [out]);
  };
}

export const identity: TfjsMapper = (ctx, node) => {
  ctx.share(node, node.name, ctx.inputs(node)[0]!);
};

function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function reduce(type: string): TfjsMapper {
  return (ctx, node) => {
    const [x, axesRef] = ctx.inputs(node);
    const xs = ctx.shape(node, x!);
    const axes = ctx.constInts(node, axesRef!).map((a) => norm(a, xs.length));
    const keep = attrBool(node, 'keep_dims', false);
    const shape = keep ? xs.map((d, i) => (axes.includes(i) ? 1 : d)) : xs.filter((_, i) => !axes.includes(i));
    // NCHW keeps the TF order of the remaining axes when they are kept or both H and W go
    const inNchw = xs.length === 4 && ctx.layoutOf(x!) === 'nchw' && (keep || (axes.includes(1) && axes.includes(2)));
    const layout: Layout = inNchw ? 'nchw' : 'native';
    const out = ctx.output(node.name, shape, layout);
    ctx.node(type, [ctx.value(node, x!, layout)], [out], { axes: inNchw ? axes.map(nchwAxis) : axes, keepdims: keep ? 1 : 0 });
  };
}

export const concat: TfjsMapper = (ctx, node) => {
  const refs = ctx.inputs(node);
  const values = refs.slice(0, -1);
  const shapes = values.map((r) => ctx.shape(node, r));
  const rank = shapes[0]!.length;
  const axis = norm(ctx.constInts(node, refs[refs.length - 1]!)[0]!, rank);
  const shape = [...shapes[0]!];
  shape[axis] = shapes.reduce((s, d) => s + d[axis]!, 0);
  const layout: Layout = rank === 4 && values.some((r) => ctx.layoutOf(r) === 'nchw') ? 'nchw' : 'native';
  const inputs = values.map((r) => ctx.value(node, r, layout));
  const out = ctx.output(node.name, shape, layout);
  ctx.node('Concat', inputs, [out], { axis: layout === 'nchw' ? nchwAxis(axis) : axis });
};

/** Reshape to a static shape computed from the TF shapes. */
function reshapeTo(ctx: TfjsContext, node: TfjsNode, x: string, shape: number[]): void {
  const input = ctx.value(node, x, 'native');
  const out = ctx.output(node.name, shape, 'native');
  ctx.node('Reshape', [input, ctx.ints(`${node.name}_shape`, shape)], [out]);
}

export const reshape: TfjsMapper = (ctx, node) => {
  const [x, s] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const total = xs.reduce((a, b) => a * b, 1);
  const want = ctx.constInts(node, s!);
  const known = want.reduce((a, b) => (b === -1 ? a : a * b), 1);
  const shape = want.map((d) => (d === -1 ? total / known : d));
  if (shape.reduce((a, b) => a * b, 1) !== total) throw ctx.error(node, `cannot reshape [${xs.join(',')}] to [${want.join(',')}]`);
  reshapeTo(ctx, node, x!, shape);
};

export const squeeze: TfjsMapper = (ctx, node) => {
  const [x] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const dims = (attrInts(node, 'squeeze_dims') ?? attrInts(node, 'axis') ?? []).map((a) => norm(a, xs.length));
  reshapeTo(
    ctx,
    node,
    x!,
    xs.filter((d, i) => (dims.length ? !dims.includes(i) : d !== 1)),
  );
};

export const expandDims: TfjsMapper = (ctx, node) => {
  const [x, a] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const axis = norm(ctx.constInts(node, a!)[0]!, xs.length + 1);
  reshapeTo(ctx, node, x!, [...xs.slice(0, axis), 1, ...xs.slice(axis)]);
};

export const transpose: TfjsMapper = (ctx, node) => {
  const [x, p] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const perm = ctx.constInts(node, p!);
  const out = ctx.output(
    node.name,
    perm.map((i) => xs[i]!),
    'native',
  );
  ctx.node('Transpose', [ctx.value(node, x!, 'native')], [out], { perm });
};

export const pad: TfjsMapper = (ctx, node) => {
  const [x, p, c] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const pp = ctx.constInts(node, p!);
  if (pp.length !== 2 * xs.length) throw ctx.error(node, `paddings must be [${xs.length}, 2], got ${pp.length} values`);
  const layout: Layout = xs.length === 4 ? (ctx.layoutOf(x!) ?? 'native') : 'native';
  const order = layout === 'nchw' ? [0, 3, 1, 2] : xs.map((_, i) => i);
  const pads = [...order.map((a) => pp[2 * a]!), ...order.map((a) => pp[2 * a + 1]!)];
  const inputs = [ctx.value(node, x!, layout), ctx.ints(`${node.name}_pads`, pads)];
  if (c) inputs.push(ctx.floats(`${node.name}_value`, [], Float32Array.of(ctx.constant(node, c).data[0]!)));
  const out = ctx.output(
    node.name,
    xs.map((d, i) => d + pp[2 * i]! + pp[2 * i + 1]!),
    layout,
  );
  ctx.node('Pad', inputs, [out], { mode: 'constant' });
};

export const softmax: TfjsMapper = (ctx, node) => {
  const [x] = ctx.inputs(node);
  const xs = ctx.shape(node, x!);
  const layout: Layout = xs.length === 4 ? (ctx.layoutOf(x!) ?? 'native') : 'native';
  const out = ctx.output(node.name, xs, layout);
  ctx.node('Softmax', [ctx.value(node, x!, layout)], [out], { axis: layout === 'nchw' ? 1 : xs.length - 1 });
};

/** MatMul / _FusedMatMul of a 2-D activation by a constant → Gemm (+ fused activation). */
export const matMul: TfjsMapper = (ctx, node) => {
  const [a, b, ...extra] = ctx.inputs(node);
  if (attrBool(node, 'transpose_a', false)) throw ctx.error(node, 'transpose_a is not supported');
  const as = ctx.shape(node, a!);
  if (as.length !== 2) throw ctx.error(node, `expects a 2-D input, got [${as.join(',')}]`);
  const w = ctx.constant(node, b!);
  const tb = attrBool(node, 'transpose_b', false);
  const [k, n] = tb ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
  if (k !== as[1]) throw ctx.error(node, `input [${as.join(',')}] does not match weights [${w.dims.join(',')}]`);
  const wData = tb ? w.data : transposeMatrix(w.data, k, n);
  const inputs = [ctx.value(node, a!, 'native'), ctx.floats(`${b}_nk`, [n, k], wData)];
  const fused = attrStrings(node, 'fused_ops');
  if (fused[0] === 'BiasAdd') inputs.push(ctx.broadcastConst(node, extra[0]!, 'native'));
  else if (fused.length > 0) throw ctx.error(node, `fused ops [${fused.join(', ')}] are not supported`);
  const acts = fused.slice(1);
  if (acts.length > 1) throw ctx.error(node, `fused ops [${fused.join(', ')}] are not supported`);
  const out = ctx.output(node.name, [as[0]!, n], 'native');
  if (acts.length === 0) return ctx.node('Gemm', inputs, [out], { transB: 1 });
  const pre = ctx.fresh(`${out}_pre_act`);
  ctx.node('Gemm', inputs, [pre], { transB: 1 });
  activation(ctx, node, acts[0]!, pre, out, extra[1] ? ctx.broadcastConst(node, extra[1], 'native') : undefined);
};

function transposeMatrix(d: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = d[r * cols + c]!;
  return out;
}

/**
 * FusedBatchNorm(V3) in inference form (scale, offset, mean, variance as constants) →
 * BatchNormalization, which the graph passes fold into the convolution before it.
 */
export const batchNorm: TfjsMapper = (ctx, node) => {
  const [x, ...params] = ctx.inputs(node);
  if (params.length < 4) throw ctx.error(node, 'expects x, scale, offset, mean and variance');
  if (attrBool(node, 'is_training', false)) throw ctx.error(node, 'is_training=true (batch statistics) is not supported; an inference graph is needed');
  const xs = ctx.shape(node, x!);
  if (xs.length !== 4 && xs.length !== 2) throw ctx.error(node, `expects a 4-D NHWC or 2-D input, got [${xs.join(',')}]`);
  const c = xs[xs.length - 1]!;
  const layout: Layout = xs.length === 4 ? 'nchw' : 'native';
  const vecs = params.slice(0, 4).map((r) => {
    const t = ctx.constant(node, r);
    if (t.data.length !== c) throw ctx.error(node, `parameter '${r}' has ${t.data.length} values for ${c} channels`);
    return ctx.floats(`${r}_bn`, [c], t.data);
  });
  const out = ctx.output(node.name, xs, layout);
  ctx.node('BatchNormalization', [ctx.value(node, x!, layout), ...vecs], [out], { epsilon: attrFloat(node, 'epsilon', 1e-3) });
};
