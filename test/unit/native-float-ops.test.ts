/**
 * The list of FP32 ops the native runtime runs (src-main/core/eqm/native-float-ops.ts) against
 * the C++ dispatch (native/src/fallback/fp32_registry.cc), and the compile refusal built on it:
 * `compile` names every node the native runtime cannot run and writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_FLOAT_OPS } from '../../src-main/core/eqm/native-float-ops.js';
import { compileIntProgram, EqmCompileError } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { findOp } from '../../src-main/core/ops/registry.js';
import { writeScalesJson } from '../../src-main/io/scales-json.js';
import { runCompile } from '../../src-main/pipeline/compile.js';
import { quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

/** every `t == "Op"` of fallback::Prepare's dispatch */
function nativeDispatch(): string[] {
  const src = fs.readFileSync(path.join(PROJECT_ROOT, 'native', 'src', 'fallback', 'fp32_registry.cc'), 'utf8');
  const body = src.slice(src.indexOf('Status Prepare(const Model& model, Op* op)'));
  return [...new Set([...body.matchAll(/t == "(\w+)"/g)].map((m) => m[1]!))].sort();
}

/** conv → Tanh, Neg (TypeScript kernels, no native ones) and a LeakyRelu (native) */
function unsupportedModel(): Uint8Array {
  const r = rng(3);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['a'], name: 'conv' },
      { op: 'Tanh', inputs: ['a'], outputs: ['t1'], name: 'tanh_1' },
      { op: 'Neg', inputs: ['t1'], outputs: ['n1'], name: 'neg_1' },
      { op: 'Tanh', inputs: ['n1'], outputs: ['t2'], name: 'tanh_2' },
      { op: 'LeakyRelu', inputs: ['t2'], outputs: ['y'], name: 'leaky' },
    ],
    inputs: [{ name: 'x', dims: [1, 3, 6, 6] }],
    outputs: [{ name: 'y' }],
    initializers: { w: randomTensor([4, 3, 3, 3], r, 0.5), b: randomTensor([4], r, 0.1) },
  });
}

describe('native FP32 op list', () => {
  it('is exactly the op types the C++ fallback dispatches', () => {
    const native = nativeDispatch();
    expect(native.length).toBeGreaterThan(30);
    expect([...NATIVE_FLOAT_OPS].sort()).toEqual(native);
  });

  it('covers the FP32 ops of real CNNs, each with a TypeScript reference kernel', () => {
    for (const op of [
      'LeakyRelu',
      'PRelu',
      'HardSwish',
      'HardSigmoid',
      'Sigmoid',
      'Mul',
      'Add',
      'Sub',
      'Div',
      'Max',
      'Min',
      'Pad',
      'Split',
      'Slice',
      'Concat',
      'Transpose',
      'Reshape',
      'Flatten',
      'Squeeze',
      'Unsqueeze',
      'Resize',
      'Softmax',
      'ReduceMean',
      'MatMul',
      'Gemm',
    ]) {
      expect(NATIVE_FLOAT_OPS, op).toContain(op);
    }
    for (const op of NATIVE_FLOAT_OPS) expect(findOp(op, '', 17) ?? findOp(op, '', 13), `TypeScript kernel for ${op}`).toBeDefined();
  });
});

describe('compile refuses a model the native runtime cannot run', () => {
  it('the EQM writer lists every unsupported node, op type and name', async () => {
    const q = await quantize(loadModelBytes(unsupportedModel(), 'unsup.onnx'), randomInputs([1, 3, 6, 6], 2, 4), 8);
    expect(() => compileIntProgram(q.graph, q.prog)).toThrow(EqmCompileError);
    expect(() => compileIntProgram(q.graph, q.prog)).toThrow("the native runtime has no FP32 kernel for Neg, Tanh (3 nodes: Tanh 'tanh_1', Neg 'neg_1', Tanh 'tanh_2')");
  });

  it('`compile` writes no file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-refuse-'));
    try {
      const bytes = unsupportedModel();
      const model = path.join(dir, 'unsup.onnx');
      fs.writeFileSync(model, bytes);
      const q = await quantize(loadModelBytes(bytes, 'unsup.onnx'), randomInputs([1, 3, 6, 6], 2, 4), 8);
      const scales = path.join(dir, 'scales.json');
      fs.writeFileSync(scales, writeScalesJson(q.table));
      const out = path.join(dir, 'unsup.eqm');
      expect(() => runCompile({ model, scales, out })).toThrow(/no FP32 kernel for Neg, Tanh .*Tanh 'tanh_1', Neg 'neg_1', Tanh 'tanh_2'/);
      expect(fs.readdirSync(dir).sort()).toEqual(['scales.json', 'unsup.onnx']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
