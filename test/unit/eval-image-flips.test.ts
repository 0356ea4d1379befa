/**
 * Per-image predictions: top-1 with its probability, the flip extraction (top-1 differs from
 * FP32, most confident FP32 first), the lowest-cosine list, their storage (migration 5), and
 * what evaluation records image by image on a real model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { flippedImages, lowestCosine, top1WithProb, type ImagePrediction } from '../../src-main/core/eval/image-flips.js';
import { runCalibration, runEvaluation } from '../../src-main/pipeline/quantize.js';
import { migrate } from '../../src-main/store/db.js';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/project-store.js';
import { classNames, imageReview } from '../../src-main/app/image-review.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-flips-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

const img = (index: number, refClass: number | null, refProb: number | null, qClass: number, cosine: number | null = null): ImagePrediction => ({
  index,
  id: `i${index}.png`,
  label: null,
  refClass,
  refProb,
  qClass,
  qProb: 0.5,
  cosine,
});

describe('top-1 with probability', () => {
  it('takes a softmax output as it is', () => {
    expect(top1WithProb([0.1, 0.7, 0.2])).toEqual({ cls: 1, prob: 0.7 });
  });
  it('turns logits into a softmax probability', () => {
    const r = top1WithProb([1, 3, 2]);
    expect(r.cls).toBe(1);
    expect(r.prob).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(3) + Math.exp(2)), 12);
  });
  it('honours the label offset (class 0 = background skipped)', () => {
    expect(top1WithProb([0.9, 0.02, 0.08], 1).cls).toBe(1);
    expect(() => top1WithProb([0.5], 1)).toThrow(/no class scores after offset 1/);
  });
});

describe('flip extraction', () => {
  const images = [img(0, 3, 0.6, 3), img(1, 5, 0.9, 2), img(2, 1, 0.4, 7), img(3, 4, 0.9, 1), img(4, null, null, 2)];
  it('lists exactly the images whose top-1 differs from FP32, most confident FP32 first', () => {
    expect(flippedImages(images).map((p) => p.index)).toEqual([1, 3, 2]);
  });
  it('no flips: empty', () => {
    expect(flippedImages([img(0, 1, 0.5, 1)])).toEqual([]);
  });
  it('lowest output cosine first (non-classifiers)', () => {
    const c = [img(0, null, null, 0, 0.99), img(1, null, null, 0, 0.5), img(2, null, null, 0, null), img(3, null, null, 0, 0.7)];
    expect(lowestCosine(c, 2).map((p) => p.index)).toEqual([1, 3]);
  });
});

describe('stored per-image predictions (migration 5)', () => {
  it('saved with the result, replaced with it, and reviewed with class names', () => {
    const root = tmp();
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'labels.tsv'), 'n01_tench.JPEG\t1\tn01\nn02_goldfish.JPEG\t2\tn02\nx.png\t7\tn07\n');
    const s = new ProjectStore(root);
    const p = s.createProject('flips');
    s.setDataset(p.id, { dataDir: data, labelsFile: path.join(data, 'labels.tsv'), preprocess: null, kind: 'images', samples: 3, labelled: 3 });
    const run = s.createRun(p.id, { method: 'minmax', bits: 7, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 2, threads: 1 });
    s.finishRun(run.id, 1, []);
    const images = [img(2, 1, 0.6, 2), img(3, 2, 0.8, 2), img(4, 7, 0.95, 1), { ...img(5, 1, 0.7, 2), qProb: NaN }];
    const outputs = { prob: { cosineMean: 0.99, cosineMin: 0.9, sqnrDb: 21.5 } };
    s.saveResult(p.id, run.id, { engine: 'int-ref', images: 4, top1: 0.5, top5: 1, agreement: 0.25, meanCosine: 0.99, layerCosine: {}, outputs }, images);
    const res = s.listResults(p.id)[0]!;
    expect(res.outputs).toEqual(outputs);
    const back = s.resultImages(res.id);
    expect(back.slice(0, 3)).toEqual(images.slice(0, 3));
    expect(back[3]!.qProb).toBeNull(); // NaN is stored as NULL, not a failed insert

    const review = imageReview(s, p.id, run.id, 200);
    expect(review).toMatchObject({ classifier: true, images: 4, label: 'MinMax INT7' });
    expect(review.items.map((x) => x.index)).toEqual([4, 5, 2]);
    expect(review.classNames).toEqual({ 1: 'tench', 2: 'goldfish', 7: 'n07' });
    expect(imageReview(s, p.id, run.id, 1).items.map((x) => x.index)).toEqual([4]);

    // a new evaluation replaces the result and its images
    s.saveResult(p.id, run.id, { engine: 'int-ref', images: 1, top1: 1, top5: 1, agreement: 1, meanCosine: 1, layerCosine: {} }, [img(9, 3, 0.5, 3)]);
    expect(s.db.prepare(`SELECT count(*) AS n FROM result_images`).get()).toEqual({ n: 1 });
    expect(s.listResults(p.id)[0]!.outputs).toBeUndefined();
    s.close();
  });

  it('a version-4 database keeps its results: no outputs, no images (evaluate again)', () => {
    const root = tmp();
    const v4 = new Database(path.join(root, 'easyquant.db'));
    migrate(
      v4,
      MIGRATIONS.filter((m) => m.version <= 4),
    );
    v4.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES ('p1', 'old', ?, 'x', 'x')`).run(path.join(root, 'p1'));
    v4.prepare(`INSERT INTO results (id, project_id, run_id, engine, images, layer_cosine_json, created_at) VALUES ('e1', 'p1', NULL, 'int-ref', 10, '{}', 'x')`).run();
    v4.close();
    const s = new ProjectStore(root);
    const [r] = s.listResults('p1');
    expect(r).toMatchObject({ id: 'e1', images: 10 });
    expect(r!.outputs).toBeUndefined();
    expect(s.resultImages('e1')).toEqual([]);
    s.close();
  });

  it('a run without a result: a clear message', () => {
    const s = new ProjectStore(tmp());
    const p = s.createProject('none');
    const run = s.createRun(p.id, { method: 'minmax', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 2, threads: 1 });
    expect(() => imageReview(s, p.id, run.id, 10)).toThrow(/MinMax INT8 has not been evaluated yet/);
    s.close();
  });

  it('an unreadable labels file gives no names rather than an error', () => {
    expect(classNames(path.join(tmp(), 'missing.tsv'), new Set([1]))).toEqual({});
  });
});

describeShared('evaluation records every image (MNIST)', () => {
  it('FP32 and quantized top-1 per image agree with the FP32 and quantized evaluations', async () => {
    const out = path.join(tmp(), 'run');
    const base = { model: modelPath('mnist'), card: cardPath('mnist'), data: MNIST_DIR };
    await runCalibration(
      { ...base, calibImages: 8, out, formats: ['scales'], settings: { method: 'minmax', bits: 4 } },
      () => {},
      () => false,
    );
    const scales = path.join(out, 'scales.json');
    const q = await runEvaluation({ ...base, engine: 'int-ref', scales, limit: 40, skip: 8, perImage: true, layerCosines: false });
    const fp = await runEvaluation({ ...base, engine: 'fp32', limit: 40, skip: 8 });
    const per = q.per_image!;
    expect(per.map((p) => p.index)).toEqual(Array.from({ length: 40 }, (_, i) => i + 8));
    expect(per.map((p) => p.qClass)).toEqual(q.predictions);
    expect(per.map((p) => p.refClass)).toEqual(fp.predictions);
    for (const p of per) {
      expect(p.qProb).toBeGreaterThan(0);
      expect(p.qProb).toBeLessThanOrEqual(1);
      expect(p.cosine).toBeGreaterThan(0);
    }
    const agree = per.filter((p) => p.refClass === p.qClass).length / per.length;
    expect(q.agreement).toBeCloseTo(agree, 12);
    expect(flippedImages(per)).toHaveLength(per.length - Math.round(agree * per.length));
    // without the option nothing extra is returned (CLI --json output unchanged)
    expect(fp.per_image).toBeUndefined();
  });
});
