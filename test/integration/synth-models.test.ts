/**
 * Synthetic benchmark networks (src-main/core/synth): exact ResNet-18 / MobileNetV2
 * topology, BN folded on load, runnable in onnxruntime with sane activations, the expected
 * quantizable layers, torchvision parameter counts, deterministic bytes per seed.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { onnx, toNum, type IModelProto } from '../../src-main/core/onnx/proto.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { SYNTH_ARCHS, synthModel, synthModelWithInfo, type SynthArch, type SynthResult } from '../../src-main/core/synth/index.js';

interface Expect {
  convs: number;
  layers: number;
  depthwise: number;
  /** torchvision's trainable parameter count */
  params: number;
  /** MACs at 224 (thop convention) */
  macs224: number;
  /** activation nodes that stay after fusion (ReLU after a residual Add) */
  unfusedActs: number;
}

const EXPECT: Record<SynthArch, Expect> = {
  resnet18: { convs: 20, layers: 21, depthwise: 0, params: 11_689_512, macs224: 1_814_073_344, unfusedActs: 8 },
  mobilenetv2: { convs: 52, layers: 53, depthwise: 17, params: 3_504_872, macs224: 300_774_272, unfusedActs: 0 },
};

function initializer(bytes: Uint8Array, name: string): Uint8Array {
  const m = onnx.ModelProto.decode(bytes) as IModelProto;
  const t = m.graph!.initializer!.find((i) => i.name === name);
  if (!t?.rawData) throw new Error(`no initializer ${name}`);
  return t.rawData;
}

function noise(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s / 4294967296) * 2 - 1;
  }
  return x;
}

for (const arch of SYNTH_ARCHS) {
  describe(`synthetic ${arch} at 224`, () => {
    const e = EXPECT[arch];
    let res: SynthResult;
    beforeAll(() => {
      res = synthModelWithInfo({ arch, size: 224, seed: 1 });
    });

    it('has the expected interface, layer counts, parameters and MACs', () => {
      const m = onnx.ModelProto.decode(res.bytes) as IModelProto;
      expect(toNum(m.opsetImport!.find((o) => !o.domain)!.version)).toBe(13);
      const g = m.graph!;
      const node = g.node ?? [];
      const output = g.output ?? [];
      const inits = new Set((g.initializer ?? []).map((i) => i.name));
      const inputs = (g.input ?? []).filter((i) => !inits.has(i.name));
      expect(inputs.map((i) => i.name)).toEqual(['input']);
      expect(inputs[0]!.type!.tensorType!.shape!.dim!.map((d) => toNum(d.dimValue))).toEqual([1, 3, 224, 224]);
      expect(inputs[0]!.type!.tensorType!.elemType).toBe(1);
      expect(output.map((o) => o.name)).toEqual(['logits']);
      expect(output[0]!.type!.tensorType!.shape!.dim!.map((d) => toNum(d.dimValue))).toEqual([1, 1000]);
      const ops = node.map((n) => n.opType);
      expect(ops.filter((o) => o === 'Conv').length).toBe(e.convs);
      expect(ops.filter((o) => o === 'BatchNormalization').length).toBe(e.convs);
      expect(ops.filter((o) => o === 'Gemm').length).toBe(1);
      expect(res.info).toMatchObject({ convs: e.convs, batchNorms: e.convs, gemms: 1, params: e.params, macs: e.macs224 });
    });

    it('loads with BN folded into every conv and yields the expected quantizable layers', () => {
      const m = loadModelBytes(res.bytes, `${arch}.onnx`);
      expect(m.passes['batchNormFolding']).toBe(e.convs);
      expect(m.graph.nodes.filter((n) => n.op === 'BatchNormalization')).toEqual([]);
      expect(m.graph.nodes.filter((n) => n.op === 'Relu' || n.op === 'Clip').length).toBe(e.unfusedActs);
      const plan = planQuantization(m.graph);
      expect(plan.layers.length).toBe(e.layers);
      expect(plan.layers.filter((l) => l.op === 'Conv').length).toBe(e.convs);
      expect(plan.layers.filter((l) => l.op === 'Gemm').length).toBe(1);
      expect(plan.layers.filter((l) => l.geom.group > 1 && l.geom.group === l.geom.cout).length).toBe(e.depthwise);
      expect(plan.report.reduce((a, r) => a + r.macs, 0)).toBe(e.macs224);
      // after folding: conv weights + one bias per channel (BN gamma is folded away)
      const params = plan.report.reduce((a, r) => a + r.params, 0);
      expect(Math.abs(params - e.params) / e.params).toBeLessThan(0.005);
    });

    it('runs in onnxruntime with finite, moderate logits of shape [1,1000]', async () => {
      const session = await ort.InferenceSession.create(res.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        const out = await session.run({ input: new ort.Tensor('float32', noise(3 * 224 * 224, 11), [1, 3, 224, 224]) });
        const logits = out['logits']!;
        expect(logits.dims.map(Number)).toEqual([1, 1000]);
        const d = logits.data as Float32Array;
        let s = 0;
        let q = 0;
        for (const v of d) {
          expect(Number.isFinite(v)).toBe(true);
          s += v;
          q += v * v;
        }
        const std = Math.sqrt(q / d.length - (s / d.length) ** 2);
        // neither exploding nor vanishing through the depth
        expect(std).toBeGreaterThan(0.2);
        expect(std).toBeLessThan(20);
      } finally {
        await session.release();
      }
    });
  });
}

describe('synthetic models: determinism and options', () => {
  it('same seed gives identical bytes, another seed other weights; weights do not depend on size', () => {
    const a = synthModel({ arch: 'mobilenetv2', size: 64, seed: 5 });
    const b = synthModel({ arch: 'mobilenetv2', size: 64, seed: 5 });
    const c = synthModel({ arch: 'mobilenetv2', size: 64, seed: 6 });
    const d = synthModel({ arch: 'mobilenetv2', size: 96, seed: 5 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    for (const w of ['features.0.0.weight', 'features.5.conv.1.0.weight', 'classifier.1.weight']) {
      expect(Buffer.from(initializer(a, w)).equals(Buffer.from(initializer(c, w)))).toBe(false);
      expect(Buffer.from(initializer(a, w)).equals(Buffer.from(initializer(d, w)))).toBe(true);
    }
  });

  it('rejects bad sizes, architectures and seeds with clear errors', () => {
    for (const size of [0, 16, 100, 224.5, 1056, Number.NaN]) {
      expect(() => synthModel({ arch: 'resnet18', size, seed: 1 })).toThrow(/multiple of 32 between 32 and 1024/);
    }
    expect(() => synthModel({ arch: 'vgg16' as SynthArch, size: 224, seed: 1 })).toThrow(/unknown architecture 'vgg16' \(available: resnet18, mobilenetv2\)/);
    for (const seed of [-1, 1.5, 2 ** 32]) {
      expect(() => synthModel({ arch: 'resnet18', size: 224, seed })).toThrow(/seed must be an integer/);
    }
  });
});
