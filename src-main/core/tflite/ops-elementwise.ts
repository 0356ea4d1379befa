/**
 * Mappers of element-wise TFLite ops. They work in whatever layout their activation inputs
 * already have; constants are permuted to match (see ConvertContext.broadcastConst).
 */
import type { ConvertContext, Layout } from './context.js';
import type { OpMapper } from './ops-spatial.js';
import type { TflOperator } from './read-model.js';
import { Opt } from './schema.js';

/** NCHW when every activation input is 4-D and at least one already is NCHW. */
function commonLayout(ctx: ConvertContext, op: TflOperator, inputs: number[]): Layout {
  const acts = inputs.filter((i) => !ctx.isConst(i));
  if (acts.length === 0) throw ctx.error(op, 'all inputs are constant; constant-only operators are not supported');
  if (acts.every((i) => ctx.rank(i) === 4) && acts.some((i) => ctx.layoutOf(i) === 'nchw')) {
    if (inputs.every((i) => ctx.rank(i) <= 4)) return 'nchw';
  }
  return 'native';
}

function operands(ctx: ConvertContext, inputs: number[], layout: Layout): string[] {
  return inputs.map((i) => (ctx.isConst(i) ? ctx.broadcastConst(i, layout) : ctx.value(i, layout)));
}

export function binary(type: string, withAct: boolean): OpMapper {
  return (ctx, op) => {
    const ins = op.inputs.slice(0, 2);
    const layout = commonLayout(ctx, op, ins);
    const act = withAct ? (op.options?.int8(Opt.Binary.act) ?? 0) : 0;
    ctx.emit(op, type, operands(ctx, ins, layout), {}, layout, act);
  };
}

export function unary(type: string, attrs: Record<string, number> = {}): OpMapper {
  return (ctx, op) => {
    const x = op.inputs[0]!;
    const layout = commonLayout(ctx, op, [x]);
    ctx.emit(op, type, [ctx.value(x, layout)], attrs, layout);
  };
}

export const relu6: OpMapper = (ctx, op) => {
  const x = op.inputs[0]!;
  const layout = commonLayout(ctx, op, [x]);
  const out = ctx.output(op.outputs[0]!, layout);
  ctx.activation(op, 3, ctx.value(x, layout), out);
};

export const reluN1To1: OpMapper = (ctx, op) => {
  const x = op.inputs[0]!;
  const layout = commonLayout(ctx, op, [x]);
  const out = ctx.output(op.outputs[0]!, layout);
  ctx.activation(op, 2, ctx.value(x, layout), out);
};

export const leakyRelu: OpMapper = (ctx, op) => unary('LeakyRelu', { alpha: op.options?.float32(Opt.LeakyRelu.alpha, 0.2) ?? 0.2 })(ctx, op);

export const prelu: OpMapper = (ctx, op) => {
  const [x, alpha] = op.inputs as [number, number];
  const layout = commonLayout(ctx, op, [x, alpha]);
  ctx.emit(op, 'PRelu', operands(ctx, [x, alpha], layout), {}, layout);
};

/** DEQUANTIZE / QUANTIZE: constants are folded to float; on activations the op vanishes (float import). */
export const dequantize: OpMapper = (ctx, op) => {
  const x = op.inputs[0]!;
  if (ctx.isConst(x)) {
    ctx.setFolded(op.outputs[0]!, ctx.constFloat(x));
    return;
  }
  const layout = ctx.layoutOf(x) ?? 'native';
  ctx.emit(op, 'Identity', [ctx.value(x, layout)], {}, layout);
};
