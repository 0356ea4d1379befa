/**
 * Native runtime vs the TypeScript integer reference on the four reference models (issue 3):
 * min-max INT8 and INT7 scales from two real inputs (MNIST digits / ImageNet images through
 * the cards' preprocessing); on those two and one held-out input, every per-layer tap (the
 * dequantized int32 accumulators) must be bit-identical, outputs of the integer part
 * (dequantize / float-output layers) bit-identical, and outputs of FP32 fallback ops within
 * 1e-5 relative. This holds for every ISA level the machine runs (scalar, avx2, avx512vnni /
 * neon, dotprod), with every convolution algorithm (packed GEMM, Winograd F(2,3), F(4,3)),
 * on one and two threads.
 */
import { beforeAll, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { openDataset } from '../../src-main/io/data/dataset.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { loadModelBytes, type LoadedModel } from '../../src-main/core/graph/load.js';
import { synthModel } from '../../src-main/core/synth/index.js';
import { Runtime, type NativeSessionOptions } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, maxRelativeDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { cardPath, describeShared, IMAGENET_DIR, MNIST_DIR, modelPath } from '../helpers/shared.js';

const MODELS = ['mnist', 'squeezenet1.1', 'mobilenet_v1_0.25', 'ultraface_rfb320'];

/** Every ISA × algorithm × thread configuration to compare (the reference is computed once). */
function configs(): NativeSessionOptions[] {
  const out: NativeSessionOptions[] = [];
  for (const isa of Runtime.version().availableIsas.split(',')) {
    out.push({ isa, threads: 1, convAlgo: 'gemm' });
    out.push({ isa, threads: 2, convAlgo: 'wino23' });
    out.push({ isa, threads: 1, convAlgo: 'wino43' });
    out.push({ isa, threads: 2 });
    // the AMX direct convolution on every dense convolution (2 threads: the row blocks split)
    if (isa === 'amx') out.push({ isa, threads: 2, convAlgo: 'amxconv' });
  }
  return out;
}

describeShared('native runtime is bit-exact with the integer reference', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  for (const name of MODELS) {
    it(
      `${name}: INT8 and INT7 outputs and per-layer taps`,
      async () => {
        const model = loadModel(modelPath(name));
        const dims = model.graph.inputs[0]!.dims;
        const card = readCard(cardPath(name));
        const ds = await openDataset(name === 'mnist' ? MNIST_DIR : IMAGENET_DIR, { spec: cardToSpec(card), inputDims: dims, limit: 8 });
        const inputs: Float32Array[] = [];
        for (const i of [0, 1, 5]) inputs.push((await ds.load(i))!);
        await checkModel(model, inputs, dims);
      },
      20 * 60_000,
    );
  }

  // residual adds followed by a relu (fused into the int8 add's clamp) and strided downsamples
  it(
    'synthetic ResNet-18 (64x64): INT8 and INT7 outputs and per-layer taps',
    async () => {
      const model = loadModelBytes(synthModel({ arch: 'resnet18', size: 64, seed: 3 }), 'resnet18-64.onnx');
      const dims = model.graph.inputs[0]!.dims;
      const inputs = randomInputs(dims, 3, 17);
      const ops = (await quantize(model, inputs.slice(0, 2), 8)).prog.ops;
      expect(ops.filter((op) => op.kind === 'qadd' && op.lo === 0).length).toBe(8);
      expect(ops.some((op) => op.kind === 'qrelu')).toBe(false);
      await checkModel(model, inputs, dims);
    },
    20 * 60_000,
  );
});

async function checkModel(model: LoadedModel, inputs: Float32Array[], dims: number[]): Promise<void> {
  for (const bits of [8, 7]) {
    const q = await quantize(model, inputs.slice(0, 2), bits);
    const eqm = compileEqm(q.graph, q.plan, q.table);
    // outputs produced by the integer program itself are in the bit-exact contract
    const producer = new Map<string, string>();
    for (const op of q.prog.ops) {
      if (op.kind === 'dequantize' || op.kind === 'qlinear') producer.set(op.output, 'int');
      else if (op.kind === 'float') for (const o of op.node.outputs) producer.set(o, 'float');
    }
    const refs = inputs.map((x) => runReference(q, x, dims));
    for (const cfg of configs()) {
      const session = Runtime.load(eqm, cfg);
      const tag = `INT${bits} ${JSON.stringify(cfg)}`;
      expect(session.info.layers.length).toBe(q.plan.layers.length);
      const prof = session.profile();
      expect(prof.isa).toBe(cfg.isa);
      // each op runs split over the session's threads or on the caller alone (chosen at load)
      for (const op of prof.ops) expect([1, prof.threads], `${tag} ${op.name}`).toContain(op.threads);
      if (cfg.convAlgo === 'wino43' || cfg.convAlgo === 'wino23') {
        // every 3x3 stride-1 dense conv runs the forced Winograd variant
        const wino = prof.ops.filter((op) => op.kernel.startsWith(`${cfg.convAlgo}:`));
        expect(wino.length, tag).toBe(
          q.prog.ops.filter(
            (op) =>
              op.kind === 'qlinear' &&
              op.geom.kind === 'conv' &&
              op.geom.kh === 3 &&
              op.geom.kw === 3 &&
              op.geom.sh === 1 &&
              op.geom.sw === 1 &&
              op.geom.group === 1 &&
              op.geom.dh === 1 &&
              op.geom.dw === 1,
          ).length,
        );
      }
      if (cfg.convAlgo === 'amxconv') {
        const amx = prof.ops.filter((op) => op.kernel.startsWith('amxconv:'));
        const dense = q.prog.ops.filter(
          (op) => op.kind === 'qlinear' && op.geom.kind === 'conv' && op.geom.group === 1 && op.geom.dh === 1 && op.geom.dw === 1 && op.geom.sh <= 4 && op.geom.sw <= 4,
        );
        expect(amx.length, tag).toBe(dense.length);
      }
      inputs.forEach((x, i) => {
        const ref = refs[i]!;
        const nat = session.runWithTaps(x, dims);
        expect(Object.keys(nat.taps).sort()).toEqual([...ref.taps.keys()].sort());
        for (const [layer, t] of ref.taps) {
          const d = firstBitDifference(t, nat.taps[layer]!);
          expect(d, `${tag} layer ${layer}: tap differs at ${d}: ${t[d]} vs ${nat.taps[layer]![d]}`).toBe(-1);
        }
        for (const op of q.prog.ops) {
          if (op.kind !== 'qlinear' || op.outScale === undefined) continue;
          const q8 = nat.int8[op.name]!;
          expect(q8.length).toBe(op.geom.cout * op.geom.P);
          let lo = 127;
          let hi = -128;
          for (const v of q8) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
          }
          expect(lo).toBeGreaterThanOrEqual(op.lo);
          expect(hi).toBeLessThanOrEqual(op.hi);
        }
        // with taps the output stage runs scalar; without, the SIMD output stage
        const plain = session.run(x, dims);
        q.prog.outputs.forEach((o, k) => {
          const a = ref.outputs[k]!;
          for (const b of [nat.outputs[k]!, plain[k]!]) {
            expect(b.length).toBe(a.length);
            if (producer.get(o) === 'int') expect(firstBitDifference(a, b), `${tag} output ${o}`).toBe(-1);
            else expect(maxRelativeDifference(a, b), `${tag} output ${o}`).toBeLessThanOrEqual(1e-5);
          }
        });
      });
    }
  }
}
