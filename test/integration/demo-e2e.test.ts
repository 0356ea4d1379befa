/**
 * The embedded demo end to end on a few tiny images: the real PP-OCRv4 detector, EQ INT8 and
 * INT7 (a short search), evaluation, and the exports. Checks that the FP32 reference finds the
 * rendered text, that the quantized rows are real measurements (counts consistent, native
 * identical to the integer reference when the addon is there), that every export is written
 * and usable (scales.json reads back for this model, the QDQ model runs in onnxruntime and
 * finds the same text as the integer model, the EQM loads), and that bad options fail cleanly
 * without leaving an output folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { checkModelMatches, readScalesJson } from '../../src-main/io/scales-json.js';
import { dbPostprocess } from '../../src-main/demo/db-postprocess.js';
import { DetectionCounter } from '../../src-main/demo/detection-metrics.js';
import { DEMO_EXPORT_FILES, formatDemoTable, runDemo, type DemoProgress } from '../../src-main/demo/index.js';
import { detectorInput } from '../../src-main/demo/ppocr-det.js';
import { renderTextSet } from '../../src-main/demo/render-text.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { runCli } from '../helpers/cli.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-demo-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const W = 192;
const H = 96;

describe('easyquant demo (small)', () => {
  // the addon must match this tree (EQ_NATIVE_ADDON: a prebuilt one, then nothing is built here)
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  it('runs FP32 vs EQ INT8 vs EQ INT7 and writes every export', async () => {
    const out = path.join(tmp, 'demo');
    const events: DemoProgress[] = [];
    const r = await runDemo(
      { out, width: W, height: H, calibImages: 1, evalImages: 3, steps: 8, samplePositions: 16, latencyRuns: 2, threads: 1, bits: [8, 7], buildNative: false },
      (e) => events.push(e),
    );
    expect(r.rows.map((x) => x.config)).toEqual(['FP32', 'EQ INT8', 'EQ INT7']);
    expect(r.data).toMatchObject({ width: W, height: H, calibImages: 1, evalImages: 3, calibSeed: 1, evalSeed: 2 });
    expect(r.model.quantizedLayers).toBeGreaterThan(50);
    const evalSet = await renderTextSet(2, 3, W, H);
    const gt = evalSet.reduce((a, im) => a + im.boxes.length, 0);
    expect(r.data.evalBoxes).toBe(gt);
    const fp32 = r.rows[0]!;
    expect(fp32.detection.reference).toBe(gt);
    // the pretrained detector finds most rendered lines
    expect(fp32.detection.fscore).toBeGreaterThan(0.6);
    expect(fp32.latency).toMatchObject({ runs: 2, engine: 'onnxruntime FP32', threads: 1 });
    expect(fp32.latency!.median_ms).toBeGreaterThan(0);
    expect(fp32.latency!.p90_ms).toBeGreaterThanOrEqual(fp32.latency!.median_ms);
    expect(fp32.latencyMs).toBe(fp32.latency!.median_ms);
    expect(fp32.fscoreDiff).toBeNull();
    expect(r.load).toMatchObject({ cores: os.availableParallelism() });
    for (const row of r.rows.slice(1)) {
      expect(row.detection.reference).toBe(gt);
      expect(row.detection.matched).toBeLessThanOrEqual(Math.min(row.detection.predicted, gt));
      expect(row.agreementF).toBeGreaterThanOrEqual(0);
      expect(row.agreementF).toBeLessThanOrEqual(1);
      expect(row.mapIoU).toBeGreaterThan(0.5);
      expect(row.calibSeconds).toBeGreaterThan(0);
      expect(row.fscoreDiff).toMatchObject({ images: 3, level: 0.95 });
      expect(row.fscoreDiff!.diff).toBeCloseTo(row.detection.fscore - fp32.detection.fscore, 12);
      expect(row.fscoreDiff!.lo).toBeLessThanOrEqual(row.fscoreDiff!.hi);
      // a note for every quantized config that scores above FP32, none otherwise
      expect(r.warnings.some((w) => w.startsWith(`${row.config} scores above FP32`))).toBe(row.fscoreDiff!.diff > 0);
      if (r.native.available) {
        expect(row.engine).toBe('native');
        expect(row.nativeMatchesIntRef).toBe(true);
        expect(row.latency).toMatchObject({ runs: 2, engine: `native INT${row.bits}`, threads: 1 });
        expect(row.latency!.median_ms).toBeGreaterThan(0);
      } else {
        expect(row.engine).toBe('int-ref');
        expect(row.latency).toBeNull();
        expect(row.latencyMs).toBeNull();
      }
    }
    expect(new Set(events.map((e) => e.stage))).toEqual(new Set(['setup', 'render', 'fp32', 'calibrate', 'evaluate', 'latency', 'export', 'done']));

    // exports
    for (const bits of [8, 7]) {
      const dir = path.join(out, `eq-int${bits}`);
      for (const f of DEMO_EXPORT_FILES) expect(fs.statSync(path.join(dir, f)).size, f).toBeGreaterThan(0);
      const table = readScalesJson(path.join(dir, 'scales.json'));
      expect(table.bits).toBe(bits);
      expect(table.method).toBe('eq');
      checkModelMatches(table, r.model.sha256, r.model.file);
      if (r.native.available) expect(Runtime.load(path.join(dir, 'model.eqm')).info.qmax).toBe(2 ** (bits - 1) - 1);
    }
    // the QDQ export finds the text in onnxruntime as well
    const qdq = await ort.InferenceSession.create(path.join(out, 'eq-int8', 'model_qdq.onnx'));
    try {
      const c = new DetectionCounter();
      for (const img of evalSet) {
        const res = await qdq.run({ [r.model.inputName]: new ort.Tensor('float32', detectorInput(img), [1, 3, H, W]) });
        c.add(dbPostprocess(res[qdq.outputNames[0]!]!.data as Float32Array, W, H), img.boxes);
      }
      expect(c.score().fscore).toBeGreaterThan(0.5);
    } finally {
      await qdq.release();
    }
    // the card the GUI's demo project uses
    const card = readCard(path.join(out, 'card.json'));
    expect(card.input.shape).toEqual([1, 3, H, W]);
    expect(card.modelFile).toBe(r.model.file);
    expect(card.output.name).toBe(r.model.outputName);
    expect(cardToSpec(card).resize).toEqual({ mode: 'stretch', width: W, height: H });
    // data, overlays and the result file
    expect(fs.readdirSync(path.join(out, 'data', 'eval')).filter((f) => f.endsWith('.png'))).toHaveLength(3);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, 'data', 'calib', 'boxes.json'), 'utf8')))).toHaveLength(1);
    expect(fs.readdirSync(path.join(out, 'samples'))).toHaveLength(3);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'demo-result.json'), 'utf8'));
    expect(saved.rows).toEqual(JSON.parse(JSON.stringify(r.rows)));
    for (const f of r.files) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const table = formatDemoTable(r);
    expect(table).toMatch(/\| FP32 \| onnxruntime \| \d\.\d{3} \|/);
    expect(table).toMatch(/\| EQ INT7 \| (native|int-ref) \| \d\.\d{3} \|/);
    // nothing left behind by the atomic write
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rejects bad options with a specific message and writes nothing', async () => {
    const out = path.join(tmp, 'bad');
    await expect(runDemo({ out, width: 100 })).rejects.toThrow(/width must be a multiple of 32/);
    await expect(runDemo({ out, bits: [9] })).rejects.toThrow(/bits must be an integer from 4 to 8/);
    await expect(runDemo({ out, calibImages: 0 })).rejects.toThrow(/calibration images must be an integer from 1/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('easyquant demo: bad arguments give one error line and a non-zero exit', () => {
    const out = path.join(tmp, 'cli-bad');
    for (const [args, msg] of [
      [['--bits', '8,9'], /--bits must be a comma-separated list of integers 4\.\.8/],
      [['--height', '100'], /height must be a multiple of 32/],
      [['--eval', 'x'], /--eval must be an integer/],
    ] as const) {
      const r = runCli(['demo', '--out', out, '--quiet', ...args]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(fs.existsSync(out)).toBe(false);
  });

  it('stops when cancelled, leaving no output folder', async () => {
    const out = path.join(tmp, 'cancelled');
    let n = 0;
    await expect(runDemo({ out, width: 64, height: 64, calibImages: 1, evalImages: 1, buildNative: false, shouldStop: () => ++n > 2 })).rejects.toThrow(/cancelled/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
