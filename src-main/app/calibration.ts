/**
 * Calibration runs of the app: each run is a row in the store, an artifact folder written
 * atomically, and a worker thread streaming per-layer progress. Cancel stops the worker at
 * the next layer; resume restarts an interrupted/cancelled/failed run with its settings.
 *
 * EQ runs checkpoint every finished layer group beside the run folder (checkpointOf), outside
 * the atomically written artifacts, so a resume after a cancel, a failure or a crash (kill -9)
 * goes on from the last finished group and ends with bitwise the scales of an uninterrupted run.
 */
import { specFromForm } from '../contract/preprocess.js';
import fs from 'node:fs';
import type { ProgressEvent } from '../core/calib/progress.js';
import type { ProjectStore } from '../store/project-store.js';
import type { AppEvents } from './events.js';
import type { CalibSettingsForm, ProjectInputs, RunInfo, RunLayer, RunProgress } from '../contract/app-types.js';
import { JobCancelledError, startJob, type JobHandle } from './worker-pool.js';
import type { CalibrateResponse } from '../pipeline/quantize.js';
import { parseCalibRunSettings } from '../contract/calib-settings.js';

export class CalibrationRunner {
  private readonly active = new Map<string, JobHandle<CalibrateResponse>>();

  constructor(
    private readonly store: ProjectStore,
    private readonly events: AppEvents,
    private readonly inputs: (projectId: string) => ProjectInputs,
  ) {}

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  start(projectId: string, form: CalibSettingsForm): RunInfo {
    const settings = parseCalibRunSettings(form);
    this.inputs(projectId); // throws a clear error if the model or data is not set yet
    const run = this.store.createRun(projectId, settings);
    this.launch(run);
    return run;
  }

  resume(runId: string): RunInfo {
    const before = this.store.getRun(runId);
    this.inputs(before.projectId);
    const run = this.store.restartRun(runId);
    this.launch(run, true);
    return run;
  }

  cancel(runId: string): RunInfo {
    const job = this.active.get(runId);
    if (!job) throw new Error(`run ${runId} is not running`);
    job.stop();
    return this.store.getRun(runId);
  }

  /** Waits for every active run (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.active.values()].map((j) => j.promise));
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.active.values()].map((j) => j.kill()));
  }

  private launch(run: RunInfo, resume = false): void {
    const inp = this.inputs(run.projectId);
    // the run's parsed settings go to the calibrator unchanged (only the image count travels apart),
    // plus where it checkpoints and whether to go on from that checkpoint
    const { calibImages, ...form } = run.settings;
    const checkpoint = checkpointOf(run);
    const settings = { ...form, checkpoint, resume };
    let lastWrite = 0;
    // a group's search sends one event per phase, each with that phase's own "before"; the row
    // shows the group's objective before any search, as the final table (CalibrateResponse.groups)
    const firstBefore = new Map<number, number>();
    const onProgress = (e: ProgressEvent) => {
      const progress: RunProgress = { stage: e.stage, index: e.index, total: e.total, name: e.name, elapsedMs: e.elapsedMs, etaMs: e.etaMs };
      if (e.stage === 'search' && e.cosBefore !== undefined && !firstBefore.has(e.index)) firstBefore.set(e.index, e.cosBefore);
      const layer: RunLayer | undefined =
        e.stage === 'search' && e.cosAfter !== undefined ? { idx: e.index - 1, name: e.name, cosBefore: firstBefore.get(e.index) ?? null, cosAfter: e.cosAfter } : undefined;
      // layer rows always; plain progress at most 4 times a second (it is only a snapshot)
      const now = Date.now();
      if (layer || now - lastWrite > 250) {
        lastWrite = now;
        this.store.recordProgress(run.id, progress, layer);
      }
      this.events.emit({ type: 'run.progress', runId: run.id, projectId: run.projectId, progress, layer });
    };
    const job = startJob<CalibrateResponse>(
      {
        kind: 'calibrate',
        req: {
          model: inp.model,
          card: inp.card,
          preprocess: inp.preprocess ? specFromForm(inp.preprocess) : undefined,
          data: inp.data,
          labels: inp.labels,
          calibImages,
          out: run.artifactDir,
          formats: ['scales', 'ncnn', 'trt', 'qdq'],
          settings,
          layerPrecision: this.store.getLayerPrecision(run.projectId),
        },
      },
      onProgress,
    );
    this.active.set(run.id, job);
    job.promise.then(
      (res) => {
        this.active.delete(run.id);
        const layers = res.groups.map((g, i) => ({ idx: i, name: g.name, cosBefore: g.cosBefore ?? null, cosAfter: g.cosAfter ?? null }));
        this.store.finishRun(run.id, res.seconds, layers);
        this.events.emit({ type: 'run.finished', runId: run.id, projectId: run.projectId, status: 'done' });
        const worst = layers.reduce<number | null>((m, l) => (l.cosAfter === null ? m : m === null ? l.cosAfter : Math.min(m, l.cosAfter)), null);
        const summary = `${run.calibImages} images in ${res.seconds.toFixed(1)} s${worst === null ? '' : `, lowest layer cosine ${worst.toFixed(4)}`}`;
        this.events.emit({ type: 'job.finished', job: 'calibration', projectId: run.projectId, status: 'done', title: `${run.label} calibrated`, summary });
      },
      (err: unknown) => {
        this.active.delete(run.id);
        const cancelled = err instanceof JobCancelledError;
        const msg = cancelled ? 'cancelled by the user' : (err as Error).message;
        // a cancelled/failed run never leaves a half-written artifact folder (writeDirAtomically)
        if (!fs.existsSync(`${run.artifactDir}/scales.json`)) fs.rmSync(run.artifactDir, { recursive: true, force: true });
        this.store.endRun(run.id, cancelled ? 'cancelled' : 'failed', msg);
        this.events.emit({ type: 'run.finished', runId: run.id, projectId: run.projectId, status: cancelled ? 'cancelled' : 'failed', error: msg });
        const status = cancelled ? 'cancelled' : 'failed';
        this.events.emit({ type: 'job.finished', job: 'calibration', projectId: run.projectId, status, title: `${run.label} ${status}`, summary: msg });
      },
    );
  }
}

/** Where an EQ run keeps its checkpoint: beside its artifact folder, which is only written at the end. */
export function checkpointOf(run: Pick<RunInfo, 'artifactDir'>): string {
  return `${run.artifactDir}.checkpoint.json`;
}
