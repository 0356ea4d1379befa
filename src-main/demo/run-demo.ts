/**
 * The embedded demo, end to end and offline: PP-OCRv4's text detector (from node_modules) on
 * text images the project renders itself (calibration and evaluation sets from different
 * seeds), FP32 reference in onnxruntime, EQ calibration at each bit width, evaluation of the
 * integer model (native runtime, bit-exact with the TypeScript integer reference, which is
 * used when the addon cannot be built), detection F-score against the rendered boxes and
 * agreement with FP32 (with a bootstrap interval for the F-score difference), latency of all
 * engines interleaved in one loop, and every export written atomically into one folder.
 * `easyquant demo` prints the result as a table; the GUI calls runDemo directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calibrate } from '../pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS, type CalibSettings } from '../core/calib/settings.js';
import { runIntProgram } from '../core/engine/int-ref.js';
import { lowerToIntProgram } from '../core/engine/lower.js';
import { OrtReference } from '../engines/ort-reference.js';
import { compileEqm } from '../core/eqm/write-eqm.js';
import { loadModel } from '../io/model-file.js';
import { decodeModelProto, modelToGraph } from '../core/onnx/import.js';
import { planQuantization } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { Runtime } from '../engines/native/native-runtime.js';
import { writeDirAtomically } from '../io/atomic-write.js';
import { EXPORT_FILES, writeExports } from '../pipeline/quantize.js';
import { binarize, DB_DEFAULTS, dbPostprocess, type DetectedBox } from './db-postprocess.js';
import { DEMO_CARD_FILE, demoCard } from './demo-card.js';
import { DetectionCounter, MATCH_IOU, maskOverlap } from './detection-metrics.js';
import { drawBoxesPng } from './draw-boxes.js';
import { bootstrapFscoreDiff, fscoreCaveat } from './fscore-diff.js';
import { loadAvg1, loadNote, measureInterleaved, type LoadNote, type Timed } from './latency.js';
import { ensureNativeRuntime } from './native-addon.js';
import { DET_MODEL_PACKAGE, detectorInput, findDetectorModel } from './ppocr-det.js';
import { imageToPng, renderTextSet, type RenderedImage } from './render-text.js';
import type { DemoLatency, DemoOptions, DemoProgress, DemoProgressSink, DemoResult, DemoRow } from '../contract/demo.js';

export const DEMO_DEFAULTS = {
  width: 320,
  height: 160,
  calibImages: 4,
  evalImages: 32,
  seed: 1,
  bits: [8, 7],
  steps: 100,
  samplePositions: 64,
  latencyRuns: 20,
  buildNative: true,
} as const;

/** Overlays written for the first few evaluation images. */
const SAMPLE_OVERLAYS = 4;

export class DemoCancelled extends Error {
  constructor() {
    super('demo cancelled');
    this.name = 'DemoCancelled';
  }
}

function checkOptions(o: Required<Omit<DemoOptions, 'shouldStop' | 'threads'>> & { threads: number }): void {
  const int = (name: string, v: number, lo: number, hi = Infinity) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`demo: ${name} must be an integer from ${lo}${hi < Infinity ? ` to ${hi}` : ' up'} (got ${v})`);
  };
  for (const [n, v] of [
    ['width', o.width],
    ['height', o.height],
  ] as const) {
    int(n, v, 64, 2048);
    if (v % 32 !== 0) throw new Error(`demo: ${n} must be a multiple of 32 (the detector downsamples 32x), got ${v}`);
  }
  int('calibration images', o.calibImages, 1, 1000);
  int('evaluation images', o.evalImages, 1, 10000);
  int('seed', o.seed, 0, 2 ** 31 - 2);
  int('steps', o.steps, 1, 10000);
  int('sample positions', o.samplePositions, 0);
  int('latency runs', o.latencyRuns, 1, 10000);
  int('threads', o.threads, 1, 1024);
  if (o.bits.length === 0) throw new Error('demo: give at least one bit width');
  for (const b of o.bits) int('bits', b, 4, 8);
  if (!o.out) throw new Error('demo: an output folder is required');
}

interface Evaluated {
  counter: DetectionCounter;
  vsFp32: DetectionCounter;
  inter: number;
  union: number;
  boxes: DetectedBox[][];
}

export async function runDemo(options: DemoOptions, onProgress?: DemoProgressSink): Promise<DemoResult> {
  const release: (() => Promise<void>)[] = [];
  try {
    return await demo(options, onProgress, release);
  } finally {
    for (const r of release) await r();
  }
}

/** The demo; sessions that must outlive a step (FP32 for the interleaved timing) register their release in `release`. */
async function demo(options: DemoOptions, onProgress: DemoProgressSink | undefined, release: (() => Promise<void>)[]): Promise<DemoResult> {
  const o = { ...DEMO_DEFAULTS, ...options, bits: [...(options.bits ?? DEMO_DEFAULTS.bits)], threads: options.threads ?? os.availableParallelism() };
  checkOptions(o);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const warnings: string[] = [];
  const emit = (p: Omit<DemoProgress, 'elapsedMs'>) => onProgress?.({ ...p, elapsedMs: performance.now() - t0 });
  const checkStop = () => {
    if (options.shouldStop?.()) throw new DemoCancelled();
  };
  const { width: W, height: H } = o;
  const out = path.resolve(o.out);

  // ---- model ----
  emit({ stage: 'setup', message: `loading ${DET_MODEL_PACKAGE} detector` });
  const file = findDetectorModel();
  const bytes = fs.readFileSync(file);
  const g0 = modelToGraph(decodeModelProto(bytes, file), file);
  const inputName = g0.inputs[0]!.name;
  const outputName = g0.outputs[0]!.name;
  const dims = [1, 3, H, W];
  const model = loadModel(file, { inputShapes: { [inputName]: dims } });
  const plan = planQuantization(model.graph);
  const native = ensureNativeRuntime(o.buildNative, (m) => emit({ stage: 'setup', message: m }));
  if (!native.available) warnings.push(`no native latency: ${native.reason}; accuracy comes from the TypeScript integer reference`);

  // ---- data ----
  const tRender = performance.now();
  emit({ stage: 'render', message: `rendering ${o.calibImages} calibration and ${o.evalImages} evaluation images (${W}x${H})` });
  const calibSet = await renderTextSet(o.seed, o.calibImages, W, H);
  const evalSet = await renderTextSet(o.seed + 1, o.evalImages, W, H);
  const calibInputs = calibSet.map(detectorInput);
  const evalInputs = evalSet.map(detectorInput);
  const renderSeconds = (performance.now() - tRender) / 1000;
  checkStop();

  // ---- FP32 reference (the session stays open for the interleaved latency runs) ----
  const ort = await OrtReference.create(model.bytes, [], o.threads);
  release.push(() => ort.release());
  const tFp32 = performance.now();
  const fp32Maps: Float32Array[] = [];
  const fp32Boxes: DetectedBox[][] = [];
  const fp32Counter = new DetectionCounter();
  for (const [i, x] of evalInputs.entries()) {
    emit({ stage: 'fp32', config: 'FP32', message: 'FP32 reference (onnxruntime)', index: i + 1, total: evalInputs.length });
    const prob = [...(await ort.run(x, dims)).outputs.values()][0]!.data;
    fp32Maps.push(prob);
    const boxes = dbPostprocess(prob, W, H);
    fp32Boxes.push(boxes);
    fp32Counter.add(boxes, evalSet[i]!.boxes);
  }
  const fp32Seconds = (performance.now() - tFp32) / 1000;
  const rows: DemoRow[] = [
    {
      config: 'FP32',
      method: 'fp32',
      bits: null,
      engine: 'onnxruntime',
      detection: fp32Counter.score(),
      agreementF: null,
      mapIoU: null,
      latency: null,
      latencyMs: null,
      latencyEngine: null,
      fscoreDiff: null,
      calibSeconds: null,
    },
  ];
  const timed: (Timed & { row: DemoRow })[] = [{ row: rows[0]!, name: 'onnxruntime FP32', run: () => ort.run(evalInputs[0]!, dims) }];

  // ---- EQ at each bit width ----
  let calibrateSeconds = 0;
  let evaluateSeconds = 0;
  const tables: { row: DemoRow; table: ScaleTable; eqm: Uint8Array; dir: string; boxes: DetectedBox[][] }[] = [];
  for (const bits of o.bits) {
    const config = `EQ INT${bits}`;
    checkStop();
    const settings: CalibSettings = { ...DEFAULT_SETTINGS, method: 'eq', bits, steps: o.steps, samplePositions: o.samplePositions };
    emit({ stage: 'calibrate', config, message: `${config}: EQ search on ${calibInputs.length} images` });
    const res = await calibrate(model, calibInputs, dims, settings, {
      onProgress: (e) => emit({ stage: 'calibrate', config, message: `${config}: ${e.stage} ${e.name}`, index: e.index, total: e.total, calib: e }),
      shouldStop: options.shouldStop,
    });
    checkStop();
    calibrateSeconds += res.seconds;
    const eqm = compileEqm(model.graph, res.plan, res.table);
    const prog = lowerToIntProgram(model.graph, res.plan, res.table);
    let session: ReturnType<typeof Runtime.load> | undefined;
    if (native.available) {
      try {
        session = Runtime.load(eqm, { threads: o.threads });
      } catch (e) {
        // e.g. an addon built before an op this model needs: go on with the integer reference
        warnings.push(
          `${config}: the native runtime cannot load the model (${(e as Error).message}); rebuild it with \`npm run build:native\`. Evaluated with the TypeScript integer reference`,
        );
      }
    }
    const runQuant = (x: Float32Array): Float32Array => (session ? session.run(x, dims)[0]! : (runIntProgram(model.graph, prog, x, dims).outputs[0]!.data as Float32Array));

    const tEval = performance.now();
    const ev: Evaluated = { counter: new DetectionCounter(), vsFp32: new DetectionCounter(), inter: 0, union: 0, boxes: [] };
    let matches: boolean | null = null;
    for (const [i, x] of evalInputs.entries()) {
      emit({ stage: 'evaluate', config, message: `${config}: evaluating on ${session ? 'the native runtime' : 'the integer reference'}`, index: i + 1, total: evalInputs.length });
      const prob = runQuant(x);
      if (i === 0 && session) {
        // the native runtime must reproduce the TypeScript integer reference bit for bit
        const ref = runIntProgram(model.graph, prog, x, dims).outputs[0]!.data as Float32Array;
        matches = ref.length === prob.length && ref.every((v, k) => Object.is(v, prob[k]));
        if (!matches) warnings.push(`${config}: the native output differs from the TypeScript integer reference`);
      }
      const boxes = dbPostprocess(prob, W, H);
      ev.boxes.push(boxes);
      ev.counter.add(boxes, evalSet[i]!.boxes);
      ev.vsFp32.add(boxes, fp32Boxes[i]!);
      const m = maskOverlap(binarize(prob, DB_DEFAULTS.thresh), binarize(fp32Maps[i]!, DB_DEFAULTS.thresh));
      ev.inter += m.inter;
      ev.union += m.union;
      checkStop();
    }
    evaluateSeconds += (performance.now() - tEval) / 1000;

    const detection = ev.counter.score();
    const fscoreDiff = bootstrapFscoreDiff(ev.counter.perImage(), fp32Counter.perImage(), { seed: o.seed });
    const caveat = fscoreCaveat(config, fscoreDiff);
    if (caveat) warnings.push(caveat);
    const row: DemoRow = {
      config,
      method: 'eq',
      bits,
      engine: session ? 'native' : 'int-ref',
      detection,
      agreementF: ev.vsFp32.score().fscore,
      mapIoU: ev.union === 0 ? 1 : ev.inter / ev.union,
      latency: null,
      latencyMs: null,
      latencyEngine: null,
      fscoreDiff,
      calibSeconds: res.seconds,
      nativeMatchesIntRef: matches,
      exportDir: path.join(out, `eq-int${bits}`),
    };
    rows.push(row);
    tables.push({ row, table: res.table, eqm, dir: `eq-int${bits}`, boxes: ev.boxes });
    if (session) timed.push({ row, name: `native INT${bits}`, run: () => session.run(evalInputs[0]!, dims) });
  }

  // ---- latency: every engine in one loop, interleaved ----
  checkStop();
  const tLat = performance.now();
  emit({ stage: 'latency', message: `timing ${timed.map((t) => t.name).join(', ')} interleaved (${o.latencyRuns} runs each, ${o.threads} thread${o.threads > 1 ? 's' : ''})` });
  const load0 = loadAvg1();
  const stats = await measureInterleaved(timed, { runs: o.latencyRuns });
  const load: LoadNote = loadNote(load0, loadAvg1(), os.availableParallelism());
  timed.forEach((t, i) => setLatency(t.row, { ...stats[i]!, engine: t.name, threads: o.threads }));
  const latencySeconds = (performance.now() - tLat) / 1000;
  if (load.loaded) {
    warnings.push(
      `the machine was loaded while timing (1-min load average ${load.loadAvgStart.toFixed(1)} at start, ${load.loadAvgEnd.toFixed(1)} at end, ${load.cores} cores): latencies are inflated and noisy`,
    );
  }

  // ---- exports, data and result, written atomically ----
  checkStop();
  const tExport = performance.now();
  emit({ stage: 'export', message: `writing exports to ${out}` });
  const files: string[] = [];
  const result: DemoResult = {
    model: { file, package: DET_MODEL_PACKAGE, sha256: model.sha256, inputName, outputName, inputDims: dims, quantizedLayers: plan.layers.length, nodes: model.graph.nodes.length },
    data: {
      width: W,
      height: H,
      calibSeed: o.seed,
      evalSeed: o.seed + 1,
      calibImages: calibSet.length,
      evalImages: evalSet.length,
      calibBoxes: calibSet.reduce((a, im) => a + im.boxes.length, 0),
      evalBoxes: evalSet.reduce((a, im) => a + im.boxes.length, 0),
    },
    settings: {
      steps: o.steps,
      samplePositions: o.samplePositions,
      alpha: DEFAULT_SETTINGS.alpha,
      beta: DEFAULT_SETTINGS.beta,
      db: DB_DEFAULTS,
      matchIoU: MATCH_IOU,
      threads: o.threads,
    },
    rows,
    native,
    out,
    files,
    timings: { totalSeconds: 0, cpuSeconds: 0, renderSeconds, fp32Seconds, calibrateSeconds, evaluateSeconds, latencySeconds, exportSeconds: 0 },
    load,
    warnings,
  };
  await writeDirAtomically(out, async (tmp) => {
    // mkdtemp makes the folder private (0700); the output is an ordinary folder
    fs.chmodSync(tmp, 0o777 & ~process.umask());
    const put = (rel: string, data: string | Uint8Array) => {
      const f = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, data);
      files.push(rel);
    };
    const prepared = { model, inputDims: dims, outputIndex: 0, labelOffset: 0 };
    for (const t of tables) {
      fs.mkdirSync(path.join(tmp, t.dir), { recursive: true });
      const written = await writeExports(path.join(tmp, t.dir), prepared, t.table, ['scales', 'ncnn', 'trt', 'qdq']);
      for (const f of Object.values(written)) files.push(path.join(t.dir, path.basename(f)));
      put(path.join(t.dir, 'model.eqm'), t.eqm);
    }
    put(DEMO_CARD_FILE, `${JSON.stringify(demoCard({ modelFile: file, inputName, outputName, width: W, height: H }), null, 2)}\n`);
    await writeImages(put, 'calib', calibSet);
    await writeImages(put, 'eval', evalSet);
    for (let i = 0; i < Math.min(SAMPLE_OVERLAYS, evalSet.length); i++) {
      const layers = [
        { boxes: evalSet[i]!.boxes, colour: '#00c000' },
        { boxes: fp32Boxes[i]!, colour: '#0060ff', dash: '3 2' },
        ...tables.slice(0, 1).map((t) => ({ boxes: t.boxes[i]!, colour: '#ff2020', dash: '1 2' })),
      ];
      put(path.join('samples', `${evalSet[i]!.id}.png`), await drawBoxesPng(evalSet[i]!, layers));
    }
    result.timings.exportSeconds = (performance.now() - tExport) / 1000;
    result.timings.totalSeconds = (performance.now() - t0) / 1000;
    result.timings.cpuSeconds = cpuSince(cpu0);
    files.push('demo-result.json');
    fs.writeFileSync(path.join(tmp, 'demo-result.json'), `${JSON.stringify(result, null, 2)}\n`);
  });
  result.timings.totalSeconds = (performance.now() - t0) / 1000;
  result.timings.cpuSeconds = cpuSince(cpu0);
  emit({ stage: 'done', message: `done in ${result.timings.totalSeconds.toFixed(1)} s` });
  return result;
}

function setLatency(row: DemoRow, l: DemoLatency): void {
  row.latency = l;
  row.latencyMs = l.median_ms;
  row.latencyEngine = `${l.engine}, ${l.threads} thread${l.threads > 1 ? 's' : ''}`;
}

/** CPU time of this process (all threads) since `start`, in seconds. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

async function writeImages(put: (rel: string, data: string | Uint8Array) => void, name: string, set: RenderedImage[]): Promise<void> {
  for (const img of set) put(path.join('data', name, `${img.id}.png`), await imageToPng(img));
  const boxes = Object.fromEntries(set.map((img) => [img.id, img.boxes]));
  put(path.join('data', name, 'boxes.json'), `${JSON.stringify(boxes, null, 1)}\n`);
}

/** File names of one configuration's exports (for the GUI's export list). */
export const DEMO_EXPORT_FILES = [...Object.values(EXPORT_FILES), 'model.eqm'];
