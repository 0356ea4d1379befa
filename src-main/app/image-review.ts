/**
 * The flip gallery's data: a run's evaluation, image by image — the images whose top-1 flipped
 * against FP32 (classifiers, most confident FP32 first), else those with the lowest output
 * cosine — and readable names of their classes from the dataset's labels file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { flippedImages, lowestCosine } from '../core/eval/image-flips.js';
import { readLabels } from '../io/data/labels.js';
import type { ImageReviewInfo } from '../contract/app-types.js';
import type { ProjectStore } from '../store/project-store.js';

export class ReviewError extends Error {}

export function imageReview(store: ProjectStore, projectId: string, runId: string, limit: number): ImageReviewInfo {
  const run = store.getRun(runId);
  if (run.projectId !== projectId) throw new ReviewError(`run ${runId} belongs to another project`);
  const result = store.listResults(projectId).find((r) => r.runId === runId);
  if (!result) throw new ReviewError(`${run.label} has not been evaluated yet: press “Evaluate all”`);
  const images = store.resultImages(result.id);
  const classifier = result.agreement !== null;
  const items = (classifier ? flippedImages(images) : lowestCosine(images, images.length)).slice(0, limit);
  const labelsFile = store.getDataset(projectId)?.labelsFile ?? defaultLabels(store, projectId);
  const wanted = new Set(items.flatMap((p) => [p.refClass, p.qClass, p.label]).filter((c): c is number => c !== null));
  return { runId, label: run.label, engine: result.engine, classifier, images: images.length, items, classNames: labelsFile ? classNames(labelsFile, wanted) : {} };
}

/** A classifier's data folder may carry labels.tsv (used when no labels file was chosen). */
function defaultLabels(store: ProjectStore, projectId: string): string | null {
  const d = store.getDataset(projectId);
  const f = d ? path.join(d.dataDir, 'labels.tsv') : null;
  return f && fs.existsSync(f) ? f : null;
}

/**
 * Class index → name from a labels file: the synset column, made readable when the file is named
 * `<synset>_<words>.<ext>` (../shared's ImageNet sample). A labels file that cannot be read gives no names.
 */
export function classNames(file: string, wanted: Set<number>): Record<number, string> {
  const out: Record<number, string> = {};
  let rows;
  try {
    rows = readLabels(file).rows;
  } catch {
    return out;
  }
  for (const r of rows) {
    if (!wanted.has(r.classIndex) || out[r.classIndex] !== undefined || !r.synset) continue;
    const base = path.basename(r.file).replace(/\.[^.]+$/, '');
    out[r.classIndex] = base.startsWith(`${r.synset}_`) ? base.slice(r.synset.length + 1).replace(/_/g, ' ') : r.synset;
  }
  return out;
}
