/**
 * Folds done while importing, where Keras graphs left them unfused: a per-channel Mul / Add by a
 * constant right after a convolution goes into its weights and bias (batch norm written as
 * Mul + Add), and Relu → Minimum(c) → Maximum(c') chains (Keras ReLU6) become one Clip. Either
 * applies only when the intermediate tensor has no other reader, so every other op sees the same
 * values as before.
 */
import type { Node } from '../graph/ir.js';
import { floatTensor, isFloat } from '../graph/tensor.js';
import type { TfjsContext } from './context.js';
import type { TfjsNode } from './model-json.js';

function producer(ctx: TfjsContext, name: string): Node | undefined {
  return ctx.nodes.find((n) => n.outputs[0] === name);
}

/** the activation input and the per-channel constant of a two-input node, when it has that form */
function activationAndConst(ctx: TfjsContext, node: TfjsNode): { a: string; c: Float32Array } | undefined {
  const refs = ctx.inputs(node);
  if (refs.length !== 2) return undefined;
  const k = refs.findIndex((r) => ctx.isConst(r));
  if (k < 0 || ctx.isConst(refs[1 - k]!)) return undefined;
  const c = ctx.consts.get(refs[k]!)!;
  // only [C], [1,C], [1,1,1,C] or a scalar: one value per channel, nothing else broadcast
  if (c.integer || !c.dims.every((d, i) => i === c.dims.length - 1 || d === 1)) return undefined;
  return { a: refs[1 - k]!, c: c.data };
}

/** Mul/Add of a conv output (read only here) by a per-channel or scalar constant → into the conv. */
export function foldIntoConv(ctx: TfjsContext, node: TfjsNode, type: string): boolean {
  if (type !== 'Mul' && type !== 'Add') return false;
  const ac = activationAndConst(ctx, node);
  if (!ac || !ctx.onlyReader(ac.a) || ctx.layoutOf(ac.a) !== 'nchw') return false;
  const conv = producer(ctx, ctx.value(node, ac.a, 'nchw'));
  if (!conv || conv.op !== 'Conv') return false;
  const w = ctx.initializers.get(conv.inputs[1]!);
  const oc = w?.dims[0] ?? 0;
  if (!w || !isFloat(w) || (ac.c.length !== oc && ac.c.length !== 1)) return false;
  const at = (o: number): number => ac.c[ac.c.length === 1 ? 0 : o]!;
  const old = conv.inputs[2] ? ctx.initializers.get(conv.inputs[2]) : undefined;
  if (old && !isFloat(old)) return false;
  const bias = old ? Float32Array.from(old.data) : new Float32Array(oc);
  if (type === 'Mul') {
    const per = w.data.length / oc;
    const scaled = Float32Array.from(w.data, (v, i) => v * at(Math.floor(i / per)));
    ctx.initializers.delete(conv.inputs[1]!);
    conv.inputs[1] = ctx.floats(`${conv.inputs[1]}_scaled`, [...w.dims], scaled);
    for (let o = 0; o < oc; o++) bias[o]! *= at(o);
  } else for (let o = 0; o < oc; o++) bias[o]! += at(o);
  if (conv.inputs[2]) ctx.initializers.delete(conv.inputs[2]);
  conv.inputs[2] = ctx.floats(`${conv.outputs[0]}_bias`, [oc], bias);
  ctx.alias(node, node.name, ac.a);
  return true;
}

/** Minimum/Maximum by a scalar after a Relu or Clip (read only here) → that Clip's bounds. */
export function foldIntoClip(ctx: TfjsContext, node: TfjsNode, type: string): boolean {
  if (type !== 'Min' && type !== 'Max') return false;
  const ac = activationAndConst(ctx, node);
  if (!ac || ac.c.length !== 1 || !ctx.onlyReader(ac.a)) return false;
  const layout = ctx.layoutOf(ac.a) ?? 'native';
  const act = producer(ctx, ctx.value(node, ac.a, layout));
  if (!act || (act.op !== 'Relu' && act.op !== 'Clip')) return false;
  const bound = (i: number, dflt: number): number => {
    const t = act.op === 'Clip' && act.inputs[i] ? ctx.initializers.get(act.inputs[i]) : undefined;
    return t && isFloat(t) ? t.data[0]! : dflt;
  };
  let lo = act.op === 'Relu' ? 0 : bound(1, -Infinity);
  let hi = bound(2, Infinity);
  if (type === 'Min') hi = Math.min(hi, ac.c[0]!);
  else lo = Math.max(lo, ac.c[0]!);
  const name = act.outputs[0]!;
  for (const b of act.op === 'Clip' ? act.inputs.slice(1) : []) if (b) ctx.initializers.delete(b);
  act.op = 'Clip';
  act.inputs = [act.inputs[0]!, ctx.init(`${name}_min`, floatTensor([], Float32Array.of(lo))), ctx.init(`${name}_max`, floatTensor([], Float32Array.of(hi)))];
  ctx.alias(node, node.name, ac.a);
  return true;
}
