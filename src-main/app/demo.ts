/**
 * "Open demo project": runs the embedded demo (src-main/demo: PP-OCRv4 text detector on
 * rendered text lines) in a worker, then turns its output into an ordinary project — the
 * model with a card for its input shape, the rendered evaluation images as the dataset, the
 * EQ INT8/INT7 runs with their exports — plus the demo's measured table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readScalesJson } from '../io/scales-json.js';
import { DEMO_CARD_FILE } from '../demo/demo-card.js';
import type { DemoResult } from '../demo/index.js';
import type { ProjectStore } from '../store/project-store.js';
import type { AppEvents } from './events.js';
import type { ProjectSummary } from '../contract/app-types.js';
import { startJob } from './worker-pool.js';

export const DEMO_RESULT_FILE = 'demo-result.json';

export function demoDir(projectFolder: string): string {
  return path.join(projectFolder, 'demo');
}

/** The demo's measured table when the project is a demo project, else null. */
export function readDemoResult(projectFolder: string): DemoResult | null {
  const f = path.join(demoDir(projectFolder), DEMO_RESULT_FILE);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as DemoResult) : null;
}

/** Up to 4 overlay pictures (ground truth, FP32 and EQ boxes) as data URLs. */
export function readDemoSamples(projectFolder: string): string[] {
  const dir = path.join(demoDir(projectFolder), 'samples');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(0, 4)
    .map((f) => `data:image/png;base64,${fs.readFileSync(path.join(dir, f)).toString('base64')}`);
}

export async function openDemoProject(store: ProjectStore, events: AppEvents): Promise<ProjectSummary> {
  const p = store.createProject('Demo: PP-OCRv4 text detector');
  const out = demoDir(p.folder);
  let r: DemoResult;
  try {
    r = await startJob<DemoResult>({ kind: 'demo', out }, undefined, (message) => events.emit({ type: 'demo.progress', message })).promise;
  } catch (e) {
    store.deleteProject(p.id);
    events.emit({ type: 'job.finished', job: 'demo', status: 'failed', title: 'Demo failed', summary: (e as Error).message });
    throw e;
  }
  // the demo writes a card (demo-card.ts): the dynamic-shaped detector's input shape and its preprocessing
  const card = path.join(out, DEMO_CARD_FILE);
  store.setProjectModel(p.id, r.model.file, card, r.model.sha256);
  const evalDir = path.join(out, 'data', 'eval');
  store.setDataset(p.id, { dataDir: evalDir, labelsFile: null, preprocess: null, kind: 'images', samples: r.data.evalImages, labelled: 0 });
  for (const row of r.rows) {
    if (row.method !== 'eq' || row.bits === null || !row.exportDir) continue;
    const settings = {
      method: 'eq' as const,
      bits: row.bits,
      alpha: r.settings.alpha,
      beta: r.settings.beta,
      steps: r.settings.steps,
      rounds: 1,
      samplePositions: r.settings.samplePositions,
      percentile: 99.99,
      calibImages: r.data.calibImages,
      threads: r.settings.threads,
    };
    const run = store.importRun(p.id, settings, row.exportDir, row.calibSeconds ?? 0);
    // per-layer cosines measured by the calibration travel in scales.json
    const scales = path.join(row.exportDir, 'scales.json');
    if (fs.existsSync(scales)) {
      const layers = readScalesJson(scales).layers.map((l, idx) => ({ idx, name: l.name, cosBefore: null, cosAfter: l.cosine ?? null }));
      store.finishRun(run.id, row.calibSeconds ?? 0, layers);
    }
    const files: Record<string, string> = {};
    for (const [fmt, name] of Object.entries({ scales: 'scales.json', ncnn: 'ncnn.table', trt: 'trt_calibration.cache', qdq: 'model_qdq.onnx', eqm: 'model.eqm' })) {
      const f = path.join(row.exportDir, name);
      if (fs.existsSync(f)) files[fmt] = f;
    }
    store.saveExports(p.id, run.id, files);
  }
  const eq8 = r.rows.find((x) => x.method === 'eq' && x.bits === 8);
  const f = eq8 ? ` · EQ INT8 F-score ${(eq8.detection.fscore * 100).toFixed(1)} %` : '';
  events.emit({ type: 'job.finished', job: 'demo', projectId: p.id, status: 'done', title: 'Demo project ready', summary: `${r.rows.length} configurations measured${f}` });
  return store.getProject(p.id);
}
