/**
 * Mappers of TFLite ops whose semantics depend on axes: reshape, concatenation, padding,
 * reductions, softmax, fully connected, transpose. Axes are remapped when the input is NCHW;
 * ops without a layout-aware mapping read their input in the TFLite (native) layout.
 */
import type { ConvertContext } from './context.js';
import { nchwAxis, TO_NCHW } from './layout.js';
import { foldPadIntoConv, type OpMapper } from './ops-spatial.js';
import type { TflOperator } from './read-model.js';
import { Opt } from './schema.js';

/** RESHAPE, SQUEEZE, EXPAND_DIMS: a Reshape to the (static) output shape. */
export const reshape: OpMapper = (ctx, op) => {
  const out = ctx.tensor(op.outputs[0]!);
  const shape = ctx.ints(
    `${out.name}_shape`,
    out.signature.map((d, i) => (d < 0 ? out.shape[i]! : d)),
  );
  ctx.emit(op, 'Reshape', [ctx.value(op.inputs[0]!, 'native'), shape], {}, 'native');
};

export const concatenation: OpMapper = (ctx, op) => {
  const rank = ctx.rank(op.outputs[0]!);
  let axis = op.options?.int32(Opt.Concatenation.axis) ?? 0;
  if (axis < 0) axis += rank;
  const act = op.options?.int8(Opt.Concatenation.act) ?? 0;
  const nchw = rank === 4 && op.inputs.some((i) => ctx.layoutOf(i) === 'nchw');
  const layout = nchw ? 'nchw' : 'native';
  const ins = op.inputs.map((i) => ctx.value(i, layout));
  ctx.emit(op, 'Concat', ins, { axis: nchw ? nchwAxis(axis) : axis }, layout, act);
};

/** PAD, PADV2, MIRROR_PAD (REFLECT only). */
export const pad: OpMapper = (ctx, op) => {
  const x = op.inputs[0]!;
  const rank = ctx.rank(x);
  if (!ctx.isConst(op.inputs[1]!)) throw ctx.error(op, 'paddings must be constant');
  const p = ctx.constInts(op.inputs[1]!);
  if (foldPadIntoConv(ctx, op, p)) return;
  const nchw = rank === 4 && ctx.layoutOf(x) === 'nchw';
  const order = nchw ? TO_NCHW : [...Array(rank).keys()];
  const pads = [...order.map((a) => p[2 * a]!), ...order.map((a) => p[2 * a + 1]!)];
  const inputs = [ctx.value(x, nchw ? 'nchw' : 'native'), ctx.ints(`${ctx.tensor(x).name}_pads`, pads)];
  const attrs: Record<string, string> = {};
  if (op.op === 'PADV2' && op.inputs[2] !== undefined && op.inputs[2] >= 0) inputs.push(ctx.value(op.inputs[2], 'native'));
  if (op.op === 'MIRROR_PAD') {
    const mode = op.options?.int8(0) ?? 0;
    if (mode !== 0) throw ctx.error(op, 'MIRROR_PAD mode SYMMETRIC has no ONNX equivalent');
    attrs['mode'] = 'reflect';
  }
  ctx.emit(op, 'Pad', inputs, attrs, nchw ? 'nchw' : 'native');
};

/** MEAN (and SUM / REDUCE_MAX / REDUCE_MIN) over constant axes. */
export function reduce(type: string): OpMapper {
  return (ctx, op) => {
    const x = op.inputs[0]!;
    const rank = ctx.rank(x);
    const keep = op.options?.bool(Opt.Reducer.keepDims) ?? false;
    const axes = [...new Set(ctx.constInts(op.inputs[1]!).map((a) => (a < 0 ? a + rank : a)))].sort();
    if (rank === 4 && ctx.layoutOf(x) === 'nchw') {
      const mapped = axes.map(nchwAxis);
      const keptNhwc = [0, 1, 2, 3].filter((a) => !axes.includes(a));
      const keptNchw = TO_NCHW.filter((a) => !axes.includes(a));
      if (type === 'ReduceMean' && axes.join() === '1,2') {
        globalAveragePool(ctx, op, ctx.value(x, 'nchw'), keep);
        return;
      }
      if (keep || keptNhwc.join() === keptNchw.join()) {
        ctx.emit(op, type, ...reduceArgs(ctx, type, ctx.value(x, 'nchw'), mapped, keep), 'nchw');
        return;
      }
    }
    ctx.emit(op, type, ...reduceArgs(ctx, type, ctx.value(x, 'native'), axes, keep), 'native');
  };
}

/** MEAN over H and W: GlobalAveragePool (what the quantizer and runtimes know best), then a Reshape to [N, C] without keep_dims. */
function globalAveragePool(ctx: ConvertContext, op: TflOperator, x: string, keep: boolean): void {
  if (keep) {
    ctx.emit(op, 'GlobalAveragePool', [x], {}, 'nchw');
    return;
  }
  const out = ctx.tensor(op.outputs[0]!);
  const pooled = ctx.fresh(`${out.name}_pooled`);
  ctx.node('GlobalAveragePool', [x], [pooled]);
  ctx.emit(op, 'Reshape', [pooled, ctx.ints(`${out.name}_shape`, out.shape)], {}, 'native');
}

/** ReduceSum takes its axes as an input from opset 13 on, the others as an attribute. */
function reduceArgs(ctx: ConvertContext, type: string, x: string, axes: number[], keep: boolean): [string[], Record<string, number | number[]>] {
  if (type === 'ReduceSum') return [[x, ctx.ints(`${x}_axes`, axes)], { keepdims: keep ? 1 : 0 }];
  return [[x], { axes, keepdims: keep ? 1 : 0 }];
}

export const softmax: OpMapper = (ctx, op) => {
  const beta = op.options?.float32(Opt.Softmax.beta, 1) ?? 1;
  let x = ctx.value(op.inputs[0]!, 'native');
  if (beta !== 1) {
    const scaled = ctx.fresh(`${x}_beta`);
    ctx.node('Mul', [x, ctx.floats(`${x}_beta_value`, [], Float32Array.of(beta))], [scaled]);
    x = scaled;
  }
  ctx.emit(op, 'Softmax', [x], { axis: -1 }, 'native');
};

export const fullyConnected: OpMapper = (ctx, op) => {
  const [x, w] = op.inputs as [number, number];
  const b = op.inputs[2];
  if (!ctx.isConst(w)) throw ctx.error(op, 'non-constant weights are not supported');
  const wt = ctx.tensor(w);
  if (wt.shape.length !== 2) throw ctx.error(op, `expects 2-D weights, got [${wt.shape.join(',')}]`);
  const [units, depth] = wt.shape as [number, number];
  let input = ctx.value(x, 'native');
  if (ctx.rank(x) !== 2) {
    const flat = ctx.fresh(`${input}_2d`);
    ctx.node('Reshape', [input, ctx.ints(`${flat}_shape`, [-1, depth])], [flat]);
    input = flat;
  }
  const inputs = [input, ctx.value(w, 'native')];
  if (b !== undefined && b >= 0) inputs.push(ctx.value(b, 'native'));
  const act = op.options?.int8(Opt.FullyConnected.act) ?? 0;
  const outT = ctx.tensor(op.outputs[0]!);
  if (outT.shape.length === 2) {
    ctx.emit(op, 'Gemm', inputs, { transB: 1 }, 'native', act);
    return;
  }
  const gemm = ctx.fresh(`${outT.name}_gemm`);
  ctx.node('Gemm', inputs, [gemm], { transB: 1 });
  const shape = ctx.ints(
    `${outT.name}_shape`,
    outT.shape.map((d, i) => (i === outT.shape.length - 1 ? units : d)),
  );
  ctx.emit(op, 'Reshape', [gemm, shape], {}, 'native', act);
};

export const transpose: OpMapper = (ctx, op) => {
  const perm = ctx.constInts(op.inputs[1]!);
  ctx.emit(op, 'Transpose', [ctx.value(op.inputs[0]!, 'native')], { perm }, 'native');
};
