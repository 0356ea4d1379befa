/**
 * Registry lookups, legacy-opset behaviour onnxruntime no longer runs (checked against
 * hand-computed values) and the error messages of invalid inputs.
 */
import { describe, expect, it } from 'vitest';
import type { AttrValue, Node } from '../../src-main/core/graph/ir.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { findOp, supportedOps } from '../../src-main/core/ops/registry.js';
import { UnsupportedOpError } from '../../src-main/core/ops/types.js';

const REQUIRED = [
  'Add',
  'AveragePool',
  'BatchNormalization',
  'Cast',
  'Clip',
  'Concat',
  'Conv',
  'ConvTranspose',
  'Div',
  'Dropout',
  'Exp',
  'Flatten',
  'Gather',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'LeakyRelu',
  'MatMul',
  'MaxPool',
  'Mul',
  'Neg',
  'PRelu',
  'Pad',
  'Pow',
  'ReduceMean',
  'Relu',
  'Reshape',
  'Resize',
  'Shape',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Tanh',
  'Transpose',
  'Unsqueeze',
  'Upsample',
  // shape computations and post-processing (folded at import when their inputs are constant)
  'ConstantOfShape',
  'Equal',
  'Expand',
  'Greater',
  'Less',
  'Max',
  'Min',
  'Range',
  'Split',
  'Where',
];

function node(op: string, attrs: Record<string, AttrValue> = {}, nIn = 2, name = `test_${op}`, nOut = 1): Node {
  return {
    name,
    op,
    domain: '',
    inputs: Array.from({ length: nIn }, (_, i) => `i${i}`),
    outputs: Array.from({ length: nOut }, (_, i) => `o${i}`),
    attrs,
  };
}
const f32 = (dims: number[], v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });
const i64 = (dims: number[], v: number[]): Tensor => ({ dtype: 'int64', dims, data: Float64Array.from(v) });
const seq = (dims: number[]) =>
  f32(
    dims,
    Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );
const run = (op: string, opset: number, n: Node, ins: (Tensor | undefined)[]) => findOp(op, '', opset)!.run(n, ins, { opset });

describe('registry', () => {
  it('lists every required op', () => {
    const ops = supportedOps();
    for (const op of REQUIRED) expect(ops).toContain(op);
    expect([...ops].sort()).toEqual(ops);
  });
  it('honours opset ranges and domains', () => {
    expect(findOp('Conv', '', 1)?.op).toBe('Conv');
    expect(findOp('Conv', 'ai.onnx', 22)?.op).toBe('Conv');
    expect(findOp('Conv', 'com.microsoft', 13)).toBeUndefined();
    expect(findOp('Upsample', '', 9)?.op).toBe('Upsample');
    expect(findOp('Upsample', '', 10)).toBeUndefined();
    expect(findOp('Upsample', '', 6)).toBeUndefined();
    expect(findOp('Resize', '', 9)).toBeUndefined();
    expect(findOp('Resize', '', 19)?.op).toBe('Resize');
    expect(findOp('HardSwish', '', 13)).toBeUndefined();
    expect(findOp('HardSwish', '', 14)?.op).toBe('HardSwish');
    expect(findOp('NoSuchOp', '', 13)).toBeUndefined();
    expect(findOp('Equal', '', 6)).toBeUndefined();
    expect(findOp('Equal', '', 7)?.op).toBe('Equal');
    expect(findOp('ConstantOfShape', '', 8)).toBeUndefined();
    expect(findOp('Where', '', 9)?.op).toBe('Where');
    expect(findOp('Range', '', 10)).toBeUndefined();
    expect(findOp('Split', '', 21)?.op).toBe('Split');
    expect(findOp('Relu', '', 0)).toBeUndefined();
    expect(findOp('Relu', '', 99)).toBeUndefined();
  });
});

describe('legacy opsets (not run by onnxruntime)', () => {
  it('Add/Mul with broadcast=1 and axis before opset 7', () => {
    const a = seq([2, 3, 2]);
    const y = run('Add', 6, node('Add', { broadcast: 1, axis: 1 }), [a, f32([3], [100, 200, 300])])[0]!;
    expect(Array.from(y.data)).toEqual([100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311]);
    const z = run('Mul', 6, node('Mul', { broadcast: 1 }), [a, f32([2], [1, -1])])[0]!;
    expect(Array.from(z.data)).toEqual([0, -1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11]);
    expect(() => run('Sub', 6, node('Sub', {}, 2, 'old_sub'), [a, f32([2], [1, 2])])).toThrow(/old_sub.*broadcast is not enabled/);
    expect(
      findOp('Add', '', 6)!.inferShape(
        node('Add', { broadcast: 1, axis: 0 }),
        [
          [2, 3, 2],
          [2, 3],
        ],
        [],
        { opset: 6 },
      ),
    ).toEqual([[2, 3, 2]]);
  });
  it('PRelu before opset 7 applies a [C] slope per channel', () => {
    const y = run('PRelu', 6, node('PRelu'), [f32([1, 2, 2], [-1, 2, -3, -4]), f32([2], [0.5, 2])])[0]!;
    expect(Array.from(y.data)).toEqual([-0.5, 2, -6, -8]);
  });
  it('Reshape with attribute shape (opset 1-4), Pad with paddings (opset 1), Cast with a type name', () => {
    const r = run('Reshape', 4, node('Reshape', { shape: [0, -1] }, 1), [seq([2, 3, 2])])[0]!;
    expect(r.dims).toEqual([2, 6]);
    expect(findOp('Reshape', '', 4)!.inferShape(node('Reshape', { shape: [-1] }, 1), [[2, 3]], [], { opset: 4 })).toEqual([[6]]);
    const p = run('Pad', 1, node('Pad', { paddings: [1, 0, 0, 1], value: 9 }, 1), [seq([1, 2])])[0]!;
    expect(p.dims).toEqual([2, 3]);
    expect(Array.from(p.data)).toEqual([9, 9, 9, 0, 1, 9]);
    const c = run('Cast', 5, node('Cast', { to: 'INT64' }, 1), [f32([3], [1.9, -1.9, 3])])[0]!;
    expect(c.dtype).toBe('int64');
    expect(Array.from(c.data)).toEqual([1, -1, 3]);
  });
  it('Dropout mask and BatchNormalization statistics outputs', () => {
    const d = run('Dropout', 6, node('Dropout', { is_test: 1 }, 1, 'dr', 2), [seq([3])]);
    expect(d.map((t) => t.dtype)).toEqual(['float32', 'float32']);
    const d10 = run('Dropout', 10, node('Dropout', {}, 1, 'dr', 2), [seq([3])]);
    expect(d10[1]!.dtype).toBe('bool');
    expect(Array.from(d10[1]!.data)).toEqual([1, 1, 1]);
    const bn = run('BatchNormalization', 6, node('BatchNormalization', { is_test: 1 }, 5, 'bn', 3), [
      seq([1, 2, 2]),
      f32([2], [1, 2]),
      f32([2], [0, 1]),
      f32([2], [1, 1]),
      f32([2], [4, 1]),
    ]);
    expect(bn[0]!.data[1]).toBeCloseTo((1 - 1) / Math.sqrt(4 + 1e-5), 6);
    expect(bn[0]!.data[3]).toBeCloseTo(((3 - 1) / Math.sqrt(1 + 1e-5)) * 2 + 1, 5);
    expect(Array.from(bn[1]!.data)).toEqual([1, 1]);
  });
  it('MaxPool before opset 10 ignores dilations it does not define', () => {
    const y = run('MaxPool', 8, node('MaxPool', { kernel_shape: [2, 2] }, 1), [seq([1, 1, 3, 3])])[0]!;
    expect(Array.from(y.data)).toEqual([4, 5, 7, 8]);
  });
});

describe('errors name the node', () => {
  const expectErr = (fn: () => unknown, re: RegExp) => expect(fn).toThrow(re);
  it('shape mismatches', () => {
    expectErr(() => run('Gemm', 13, node('Gemm', {}, 2, 'fc1'), [seq([2, 3]), seq([4, 5])]), /node 'fc1' \(Gemm\): inner dimensions differ/);
    expectErr(() => run('MatMul', 13, node('MatMul', {}, 2, 'mm'), [seq([2, 3]), seq([4, 5])]), /node 'mm' \(MatMul\)/);
    expectErr(() => run('Concat', 13, node('Concat', { axis: 1 }, 2, 'cat'), [seq([2, 3]), seq([3, 3])]), /node 'cat' \(Concat\).*differ outside axis 1/);
    expectErr(() => run('Squeeze', 11, node('Squeeze', { axes: [0] }, 1, 'sq'), [seq([2, 3])]), /node 'sq'.*cannot squeeze axis 0 of size 2/);
    expectErr(() => run('Gather', 13, node('Gather', {}, 2, 'g'), [seq([3]), i64([1], [3])]), /node 'g'.*index 3 is out of range/);
    expectErr(() => run('Reshape', 13, node('Reshape', {}, 2, 'rs'), [seq([2, 3]), i64([1], [4])]), /node 'rs'.*cannot reshape/);
    expectErr(() => run('Conv', 13, node('Conv', {}, 2, 'c1'), [seq([1, 3, 4]), seq([2, 3, 5])]), /node 'c1'.*kernel extent 5 is larger/);
    expectErr(
      () => run('BatchNormalization', 15, node('BatchNormalization', {}, 5, 'bn'), [seq([1, 3, 2]), seq([2]), seq([2]), seq([2]), seq([2])]),
      /node 'bn'.*does not match 3 channels/,
    );
    expectErr(() => run('Transpose', 13, node('Transpose', { perm: [0, 0] }, 1, 't'), [seq([2, 3])]), /node 't'.*not a permutation/);
    expectErr(() => run('Softmax', 13, node('Softmax', { axis: 2 }, 1, 'sm'), [seq([2, 3])]), /node 'sm'.*axis 2 is out of range/);
  });
  it('unsupported features raise UnsupportedOpError', () => {
    const e = (() => {
      try {
        run('Conv', 13, node('Conv', {}, 2, 'c3d'), [seq([1, 1, 2, 2, 2]), seq([1, 1, 1, 1, 1])]);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as Error).message).toMatch(/node 'c3d': op Conv \(opset 13\) is not supported: 3-D/);
    expect(() => run('Cast', 13, node('Cast', { to: 8 }, 1), [seq([1])])).toThrow(UnsupportedOpError);
  });
  it('inferShape needs constant shape inputs', () => {
    const def = findOp('Reshape', '', 13)!;
    expect(() => def.inferShape(node('Reshape', {}, 2, 'rs2'), [[2, 3], [2]], [undefined, undefined], { opset: 13 })).toThrow(/node 'rs2'.*must be a constant/);
    const sl = findOp('Slice', '', 13)!;
    expect(() => sl.inferShape(node('Slice', {}, 4, 'sl'), [[4], [1], [1], [1]], [undefined, i64([1], [0]), i64([1], [2]), undefined], { opset: 13 })).toThrow(
      /node 'sl'.*input 3 \(axes\) must be a constant/,
    );
    expect(sl.inferShape(node('Slice', {}, 3, 'sl'), [[4, 5], [1], [1]], [undefined, i64([1], [1]), i64([1], [3])], { opset: 13 })).toEqual([[2, 5]]);
  });
});
