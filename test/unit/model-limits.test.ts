import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { synthModel } from '../../src-main/core/synth/index.js';
import { budgetProblem, DEFAULT_LIMITS, modelFigures, resolveLimits } from '../../src-main/pipeline/model-limits.js';
import { prepareModel } from '../../src-main/pipeline/model-setup.js';
import { hugePadModel } from '../helpers/huge-pad-model.js';
import { cardPath, describeShared, modelPath } from '../helpers/shared.js';

const figuresOf = (bytes: Uint8Array) => modelFigures(loadModelBytes(bytes, 'm.onnx').graph);

describe('resource budget of a model', () => {
  it('measures MACs and the largest activation of the huge-pad model', () => {
    const f = figuresOf(hugePadModel());
    // Conv_0 (+Relu, fused: output y1): 64*5112^2 outputs x 27; Conv_2: 64*5112^2 outputs x 576
    expect(f.macs).toBe(64 * 5112 * 5112 * (27 + 576));
    expect(f.largest).toEqual({ node: 'Conv_0', tensor: 'y1', dims: [1, 64, 5112, 5112], bytes: 64 * 5112 * 5112 * 4 });
  });

  it('refuses it with the figures and how to raise the limit', () => {
    const f = figuresOf(hugePadModel());
    expect(budgetProblem('m.onnx', f, { maxGmacs: 50, maxActivationGb: 100 })).toBe(
      "m.onnx: 1008.5 G MACs per image exceeds the limit of 50 G (largest activation: node 'Conv_0' output 1×64×5112×5112 = 6.7 GB float32); raise it with --max-gmacs N or EQ_MAX_GMACS",
    );
    expect(budgetProblem('m.onnx', f, { maxGmacs: 2000, maxActivationGb: 2 })).toBe(
      "m.onnx: the largest activation, node 'Conv_0' output 1×64×5112×5112 = 6.7 GB float32, exceeds the limit of 2 GB (1008.5 G MACs per image); raise it with --max-activation-gb N or EQ_MAX_ACTIVATION_GB",
    );
    expect(budgetProblem('m.onnx', f, DEFAULT_LIMITS)).toMatch(
      /exceeds the limit of 200 G .*; it also exceeds the activation limit of 2 GB \(--max-activation-gb N or EQ_MAX_ACTIVATION_GB\)$/,
    );
    expect(budgetProblem('m.onnx', f, { maxGmacs: 2000, maxActivationGb: 10 })).toBeUndefined();
  });

  it('a ResNet-sized network is far inside the defaults', () => {
    // ResNet-18 at 448x448 is ~7.3 G MACs, more than ResNet-50 at 224 (4.1 G)
    const f = figuresOf(synthModel({ arch: 'resnet18', size: 448, seed: 1 }));
    expect(f.macs).toBeGreaterThan(5e9);
    expect(f.macs).toBeLessThan((DEFAULT_LIMITS.maxGmacs * 1e9) / 10);
    expect(f.largest!.bytes).toBeLessThan((DEFAULT_LIMITS.maxActivationGb * 1e9) / 10);
    expect(budgetProblem('r.onnx', f, DEFAULT_LIMITS)).toBeUndefined();
  });

  it('limits: flag over environment over default; bad values are named', () => {
    expect(resolveLimits({}, {})).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({}, { EQ_MAX_GMACS: '1000', EQ_MAX_ACTIVATION_GB: '8' })).toEqual({ maxGmacs: 1000, maxActivationGb: 8 });
    expect(resolveLimits({ maxGmacs: 5 }, { EQ_MAX_GMACS: '1000' })).toEqual({ maxGmacs: 5, maxActivationGb: 2 });
    expect(() => resolveLimits({}, { EQ_MAX_GMACS: 'many' })).toThrow("EQ_MAX_GMACS must be a positive number (got 'many')");
    expect(() => resolveLimits({}, { EQ_MAX_ACTIVATION_GB: '0' })).toThrow("EQ_MAX_ACTIVATION_GB must be a positive number (got '0')");
    expect(() => resolveLimits({ maxGmacs: -1 }, {})).toThrow("--max-gmacs must be a positive number (got '-1')");
  });
});

describeShared('shared models pass the default budget', () => {
  for (const m of ['mnist', 'mobilenet_v1_0.25', 'squeezenet1.1', 'ultraface_rfb320']) {
    it(m, () => {
      const p = prepareModel({ model: modelPath(m), card: cardPath(m) });
      expect(p.budgetWarning).toBeUndefined();
      expect(p.figures!.macs).toBeLessThan(1e9);
    });
  }
});
