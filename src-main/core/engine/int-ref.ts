/**
 * The integer reference engine: executes the integer program exactly as documented in
 * int-program.ts. It is the oracle the native runtime is tested against, so it favours
 * plain, obviously-correct loops over speed. Each op kind's arithmetic is in its definition
 * (eqm/ops/<op>.ts, run()).
 */
import { opDef } from '../eqm/ops/registry.js';
import type { IntValue, RunCtx } from '../eqm/ops/types.js';
import type { Graph } from '../graph/ir.js';
import type { FloatTensor, Tensor } from '../graph/tensor.js';
import type { IntProgram } from './int-program.js';
import type { EngineRun, LayerTap } from './types.js';

export function runIntProgram(graph: Graph, prog: IntProgram, input: Float32Array, dims: number[], tap?: LayerTap): EngineRun {
  const fl = new Map<string, Tensor>();
  const iv = new Map<string, IntValue>();
  fl.set(prog.input, { dtype: 'float32', dims, data: input });
  const getF = (n: string): Tensor | undefined => (n ? (fl.get(n) ?? graph.initializers.get(n)) : undefined);
  const ctx: RunCtx = {
    graph,
    qmax: prog.qmax,
    tap,
    getF,
    getI(n) {
      const v = iv.get(n);
      if (!v) throw new Error(`integer reference: int8 value '${n}' missing`);
      return v;
    },
    setF: (n, t) => fl.set(n, t),
    setI: (n, v) => iv.set(n, v),
    zero: (n) => prog.intZeros?.get(n) ?? 0,
  };
  for (const op of prog.ops) {
    ctx.qmax = op.qmax ?? prog.qmax;
    opDef(op.kind).run(op, ctx);
  }
  return { outputs: prog.outputs.map((o) => getF(o) as FloatTensor) };
}
