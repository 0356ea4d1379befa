/**
 * qadd → qrelu fusion on the integer program (src-main/core/engine/fuse-int-ops.ts): a residual
 * block `relu(conv(x) + conv2(x))` lowers to one qadd clamping at 0, and the fused program gives
 * exactly the integers of the unfused one.
 */
import { describe, expect, it } from 'vitest';
import { fuseIntOps } from '../../src-main/core/engine/fuse-int-ops.js';
import type { IntOp, IntProgram } from '../../src-main/core/engine/int-program.js';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { handScaleTable } from '../helpers/hand-scales.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

/** x → conv1, conv2 → add → relu → (conv3 → y1) and, when `tapAdd`, the add's sum is an output too */
function residual(tapAdd: boolean) {
  const r = rng(5);
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Conv', inputs: ['x', 'w2', 'b2'], outputs: ['c2'], name: 'conv2' },
      { op: 'Add', inputs: ['c1', 'c2'], outputs: ['s'], name: 'add' },
      { op: 'Relu', inputs: ['s'], outputs: ['r'], name: 'relu' },
      { op: 'Conv', inputs: ['r', 'w3', 'b3'], outputs: ['y'], name: 'conv3' },
    ],
    inputs: [{ name: 'x', dims: [1, 4, 8, 8] }],
    outputs: tapAdd ? [{ name: 'y' }, { name: 's' }] : [{ name: 'y' }],
    initializers: {
      w1: randomTensor([6, 4, 3, 3], r, 0.5),
      b1: randomTensor([6], r, 0.3),
      w2: randomTensor([6, 4, 1, 1], r, 0.5),
      b2: randomTensor([6], r, 0.3),
      w3: randomTensor([3, 6, 1, 1], r, 0.5),
      b3: randomTensor([3], r, 0.1),
    },
  });
  const m = loadModelBytes(bytes, 'residual.onnx');
  const plan = planQuantization(m.graph);
  const layerInputs = new Map([
    ['x', 40],
    ['r', 20],
  ]);
  // the add's sum measured at ±8: an int8 add whose negative half the relu then drops
  const table = handScaleTable(
    m,
    plan,
    layerInputs,
    new Map([
      ['s', 8],
      ['c1', 6],
      ['c2', 4],
    ]),
  );
  return { m, plan, table };
}

const kinds = (ops: IntOp[]) => ops.map((o) => o.kind);

describe('qadd → qrelu fusion', () => {
  it('folds the relu into the add clamp and keeps every integer', () => {
    const { m, plan, table } = residual(false);
    const fused = lowerToIntProgram(m.graph, plan, table);
    expect(kinds(fused.ops)).not.toContain('qrelu');
    const add = fused.ops.find((o) => o.kind === 'qadd');
    expect(add?.kind === 'qadd' && [add.lo, add.hi]).toEqual([0, 127]);
    // the unfused program: the add clamps at -127 and a qrelu follows (what lowering emitted before)
    const unfusedOps: IntOp[] = fused.ops.flatMap((o): IntOp[] =>
      o.kind === 'qadd'
        ? [
            { ...o, lo: -127, output: 's::q' },
            { kind: 'qrelu', input: 's::q', output: o.output },
          ]
        : [o],
    );
    const unfused: IntProgram = { ...fused, ops: unfusedOps, intScales: new Map([...fused.intScales, ['s::q', fused.intScales.get(add!.output)!]]) };
    // the same program without the relu at all: the inputs must make the relu matter
    const noRelu: IntProgram = { ...fused, ops: fused.ops.map((o) => (o.kind === 'qadd' ? { ...o, lo: -127 } : o)) };
    let differs = 0;
    for (let s = 0; s < 6; s++) {
      const x = randomTensor([1, 4, 8, 8], rng(50 + s), 2).data as Float32Array;
      const tapsA = new Map<string, Float32Array>();
      const tapsB = new Map<string, Float32Array>();
      const a = runIntProgram(m.graph, fused, x, [1, 4, 8, 8], (n, t) => tapsA.set(n, t));
      const b = runIntProgram(m.graph, unfused, x, [1, 4, 8, 8], (n, t) => tapsB.set(n, t));
      expect(Array.from(a.outputs[0]!.data)).toEqual(Array.from(b.outputs[0]!.data));
      expect([...tapsA.keys()]).toEqual([...tapsB.keys()]);
      for (const [k, t] of tapsA) expect(Array.from(t)).toEqual(Array.from(tapsB.get(k)!));
      const c = runIntProgram(m.graph, noRelu, x, [1, 4, 8, 8]);
      if (Array.from(c.outputs[0]!.data).some((v, i) => v !== a.outputs[0]!.data[i])) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  it('leaves the add alone when its sum is read elsewhere', () => {
    const { m, plan, table } = residual(true);
    const prog = lowerToIntProgram(m.graph, plan, table);
    expect(kinds(prog.ops)).toContain('qrelu');
    const add = prog.ops.find((o) => o.kind === 'qadd');
    expect(add?.kind === 'qadd' && add.lo).toBe(-127);
  });

  it('does not fuse a relu of a different clamp precision, nor an add that is not its producer', () => {
    const base: IntOp[] = [
      { kind: 'qadd', a: 'a', b: 'b', output: 's', multA: 1, multB: 1, lo: -63, hi: 63, qmax: 63 },
      { kind: 'qrelu', input: 's', output: 'r' },
      { kind: 'qrelu', input: 'a', output: 'ra' },
    ];
    const ops = base.map((o) => ({ ...o }));
    expect(fuseIntOps(ops, new Map([['s', 2]]), ['r', 'ra'])).toBe(0);
    expect(kinds(ops)).toEqual(['qadd', 'qrelu', 'qrelu']);
    const same = base.map((o) => (o.kind === 'qrelu' && o.input === 's' ? { ...o, qmax: 63 } : { ...o }));
    const scales = new Map([['s', 2]]);
    expect(fuseIntOps(same, scales, ['r', 'ra'])).toBe(1);
    expect(same[0]).toMatchObject({ kind: 'qadd', output: 'r', lo: 0, hi: 63 });
    expect(scales.get('r')).toBe(2);
    expect(scales.has('s')).toBe(false);
  });
});
