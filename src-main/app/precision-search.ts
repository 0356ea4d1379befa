/**
 * The app's mixed-precision search (precision.search): combines the project's latest finished
 * INT8 and INT7 runs (EQ preferred), searches in a worker job on the host native runtime's
 * profile, and streams progress as search.progress events. Applying the chosen point is
 * precision.set (the layer precision table), which the next calibration run uses.
 */
import path from 'node:path';
import type { MixedSearchInfo, ProjectInputs, RunInfo } from '../contract/app-types.js';
import type { ApiParams } from '../contract/app-schemas.js';
import { Runtime } from '../engines/native/native-runtime.js';
import type { MixedSearchResult } from '../pipeline/mixed-search.js';
import type { ProjectStore } from '../store/project-store.js';
import type { AppEvents } from './events.js';
import { UserError } from './user-error.js';
import { startJob } from './worker-pool.js';

export type PrecisionSearchParams = Required<Omit<ApiParams['precision.search'], 'isa'>> & { isa?: ApiParams['precision.search']['isa'] };

function latestRun(store: ProjectStore, projectId: string, bits: number): RunInfo {
  const done = store.listRuns(projectId).filter((r) => r.status === 'done' && r.bits === bits);
  const run = done.filter((r) => r.method === 'eq').pop() ?? done.pop();
  if (!run) throw new UserError(`the search needs a finished INT${bits} calibration run of this project (Calibrate page, ${bits} bits, no per-layer precision)`);
  return run;
}

export async function runPrecisionSearch(store: ProjectStore, events: AppEvents, inputs: ProjectInputs, p: PrecisionSearchParams): Promise<MixedSearchInfo> {
  if (!Runtime.available()) throw new UserError('the search needs the native engine, which is not available (see the banner to build it)');
  const r8 = latestRun(store, p.projectId, 8);
  const r7 = latestRun(store, p.projectId, 7);
  const { preprocess, ...src } = inputs;
  const r = await startJob<MixedSearchResult>(
    {
      kind: 'mixedSearch',
      preprocess,
      req: {
        ...src,
        scalesInt8: path.join(r8.artifactDir, 'scales.json'),
        scalesInt7: path.join(r7.artifactDir, 'scales.json'),
        budget: p.budget,
        calibImages: Math.max(r8.calibImages, r7.calibImages),
        searchImages: p.searchImages,
        runs: p.runs,
        warmup: 3,
        threads: 1,
        isa: p.isa,
        out: path.join(r8.artifactDir, 'mixed-search'),
      },
    },
    undefined,
    (message) => {
      const m = JSON.parse(message) as { stage: string; index: number; total: number; message: string };
      events.emit({ type: 'search.progress', projectId: p.projectId, ...m });
    },
  ).promise.catch((e: Error) => {
    throw new UserError(`mixed-precision search failed: ${e.message}`);
  });
  return {
    projectId: p.projectId,
    runInt8: r8.id,
    runInt7: r7.id,
    budget: p.budget,
    metric: r.metric,
    latencySource: r.latencySource,
    searchImages: r.searchImages,
    fp32Top1: r.fp32Top1,
    allInt8: r.allInt8,
    points: r.points,
    front: r.front,
    chosen: r.chosen,
    closest: r.closest,
    createdAt: new Date().toISOString(),
  };
}
