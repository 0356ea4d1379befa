/**
 * Per-layer precision (issue 12 item 3 / issue 14): a squeezenet with some layers kept FP32,
 * some INT7 and the rest INT8 runs bit-exactly on the native runtime vs the TypeScript integer
 * reference (taps and integer outputs); the EQM carries each op's qmax; a map that sets every
 * layer to the global bits gives byte-identical scales.json and EQM.
 */
import { beforeAll, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { openDataset } from '../../src-main/io/data/dataset.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { readEqm } from '../helpers/read-eqm.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { parseScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import type { LayerPrecisionMap } from '../../src-main/core/quant/layer-precision.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, runReference } from '../helpers/native-models.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

const MIXED: LayerPrecisionMap = { Conv_0: 'int7', Conv_3: 'fp32', Conv_5: 'int7', Conv_12: 'fp32', Conv_25: 'int7', Conv_61: 'fp32' };

describeShared('per-layer precision on squeezenet1.1', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  async function setup() {
    const model = loadModel(modelPath('squeezenet1.1'));
    const dims = model.graph.inputs[0]!.dims;
    const ds = await openDataset(IMAGENET_DIR, { spec: cardToSpec(readCard(cardPath('squeezenet1.1'))), inputDims: dims, limit: 4 });
    const inputs = [(await ds.load(0))!, (await ds.load(1))!, (await ds.load(3))!];
    // beyond the calibrated range: every clamp (INT7 at 63, INT8 at 127) is hit
    inputs.push(inputs[2]!.map((v) => v * 3));
    return { model, dims, inputs };
  }
  const settings = { ...DEFAULT_SETTINGS, method: 'minmax' as const, bits: 8 };

  it(
    'mixed FP32 / INT7 / INT8 runs bit-exactly natively and the files carry the choice',
    async () => {
      const { model, dims, inputs } = await setup();
      const res = await calibrate(model, inputs.slice(0, 2), dims, settings, { layerPrecision: MIXED });
      // compile takes the full plan (as `runtime compile` does): FP32 layers have no scales
      expect(Buffer.from(compileEqm(model.graph, planQuantization(model.graph), res.table)).equals(Buffer.from(compileEqm(model.graph, res.plan, res.table)))).toBe(true);
      const names = res.table.layers.map((l) => l.name);
      for (const fp of ['Conv_3', 'Conv_12', 'Conv_61']) expect(names).not.toContain(fp);
      const bitsOf = (n: string) => res.table.layers.find((l) => l.name === n)!.bits ?? res.table.bits;
      // Conv_7 shares Conv_5's input, so the group takes the lower bits
      expect(['Conv_0', 'Conv_5', 'Conv_7', 'Conv_25'].map(bitsOf)).toEqual([7, 7, 7, 7]);
      expect(['Conv_10', 'Conv_14', 'Conv_27'].map(bitsOf)).toEqual([8, 8, 8]);
      expect(res.plan.report.find((r) => r.name === 'Conv_3')!.reason).toMatch(/per-layer precision/);

      // scales.json round trip keeps per-layer and per-tensor bits
      const text = writeScalesJson(res.table);
      const back = parseScalesJson(text, 'scales.json');
      expect(back.layers.map((l) => l.bits)).toEqual(res.table.layers.map((l) => l.bits));
      expect(back.tensorBits).toEqual(res.table.tensorBits);
      expect(JSON.parse(text).layers.find((l: { name: string }) => l.name === 'Conv_0').bits).toBe(7);

      const prog = lowerToIntProgram(model.graph, res.plan, back);
      const eqm = compileEqm(model.graph, res.plan, back);
      // the EQM stores a per-op qmax where it differs from the model's
      const decoded = readEqm(eqm);
      const conv0 = decoded.ops.find((o) => o.kind === 'qlinear' && o.name === 'Conv_0')!;
      expect(decoded.qmax).toBe(127);
      expect(conv0.qmax).toBe(63);
      expect(decoded.ops.filter((o) => o.kind === 'quantize')[0]!.qmax).toBe(63);
      const wq = prog.ops.find((o) => o.kind === 'qlinear' && o.name === 'Conv_0');
      expect(wq && wq.kind === 'qlinear' && Math.max(...Array.from(wq.wq, Math.abs))).toBeLessThanOrEqual(63);

      const refs = inputs.map((x) => runReference({ graph: model.graph, prog }, x, dims));
      const isas = Runtime.version().availableIsas.split(',');
      for (const cfg of isas.flatMap((isa) => [
        { isa, threads: 1, convAlgo: 'gemm' },
        { isa, threads: 2, convAlgo: 'wino23' },
        { isa, threads: 2 },
      ])) {
        const session = Runtime.load(eqm, cfg);
        const tag = JSON.stringify(cfg);
        expect(session.info.layers.length).toBe(res.plan.layers.length);
        inputs.forEach((x, i) => {
          const ref = refs[i]!;
          const nat = session.runWithTaps(x, dims);
          expect(Object.keys(nat.taps).sort()).toEqual([...ref.taps.keys()].sort());
          for (const [layer, t] of ref.taps) expect(firstBitDifference(t, nat.taps[layer]!), `${tag} ${layer}`).toBe(-1);
          for (const op of prog.ops) {
            if (op.kind !== 'qlinear' || op.outScale === undefined) continue;
            const q8 = nat.int8[op.name]!;
            const bad = q8.findIndex((v) => v < op.lo || v > op.hi);
            expect(bad, `${tag} ${op.name}: value outside [${op.lo}, ${op.hi}]`).toBe(-1);
          }
          const plain = session.run(x, dims);
          // squeezenet's output comes out of a float op (softmax/flatten tail): compare closely
          ref.outputs.forEach((a, k) => {
            for (const b of [nat.outputs[k]!, plain[k]!])
              for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a[j]!)));
          });
        });
        if (cfg.isa === 'avx2' && cfg.convAlgo === 'gemm') {
          // the INT7 layers run the INT7 kernel, the INT8 ones do not
          const k = Object.fromEntries(session.profile().ops.map((o) => [o.name, o.kernel]));
          expect(k['Conv_0']).toMatch(/int7/);
          expect(k['Conv_10']).not.toMatch(/int7/);
        }
      }
    },
    20 * 60_000,
  );

  it(
    'a map setting every layer to the global bits changes no byte',
    async () => {
      const { model, dims, inputs } = await setup();
      const a = await calibrate(model, inputs.slice(0, 2), dims, settings);
      const all: LayerPrecisionMap = Object.fromEntries(a.table.layers.map((l) => [l.name, 'int8' as const]));
      const b = await calibrate(model, inputs.slice(0, 2), dims, settings, { layerPrecision: all });
      const fix = (t: typeof a.table) => ({ ...t, createdAt: '2026-01-01T00:00:00.000Z', settings: {} });
      expect(writeScalesJson(fix(b.table))).toBe(writeScalesJson(fix(a.table)));
      expect(Buffer.from(compileEqm(model.graph, b.plan, b.table)).equals(Buffer.from(compileEqm(model.graph, a.plan, a.table)))).toBe(true);
    },
    20 * 60_000,
  );
});
