/**
 * The project store: projects, datasets, calibration runs (with per-layer cosines), evaluation
 * results, exports, devices and profiles in SQLite, plus one artifact folder per project
 * (`<root>/projects/<id>/`) that the rows reference. Every multi-row write is one transaction.
 *
 * The SQL of each table lives in its own module (projects-table.ts, runs-table.ts, …); this class
 * ties them to the artifact folders and keeps multi-table writes in one transaction.
 *
 * Crash recovery: a run row is 'running' only while a process works on it. On open, rows left
 * 'running' by a crash become 'interrupted' (resumable), and half-written artifact folders
 * (the `.tmp-` siblings writeDirAtomically leaves behind) are removed. That is only safe with
 * one writer per data folder: the store holds the folder's lock (data-lock.ts) while open.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  LayerPrecisionMap,
  DatasetInfo,
  DeviceConfig,
  DeviceInfo,
  EvalResultInfo,
  ExportInfo,
  ImagePredictionInfo,
  ProfileInfo,
  ProjectSummary,
  RunInfo,
  RunLayer,
  RunProgress,
  RunStatus,
} from '../contract/app-types.js';
import { CalibRunSettingsSchema, type CalibRunSettingsInput } from '../contract/calib-settings.js';
import type { ProfileResult } from '../contract/bench-report.js';
import { acquireDataLock } from './data-lock.js';
import { databaseFile, makePrivateDir } from './data-dir.js';
import { openDatabase, type Db } from './db.js';
import * as devices from './device-table.js';
import * as deviceResults from './device-results-table.js';
import * as datasets from './datasets-table.js';
import * as exportsTable from './exports-table.js';
import { newId } from './ids.js';
import * as layerPrecision from './layer-precision-table.js';
import * as profiles from './profiles-table.js';
import * as projects from './projects-table.js';
import * as resultImages from './result-images-table.js';
import * as results from './results-table.js';
import * as runLayers from './run-layers-table.js';
import * as runs from './runs-table.js';

export { runLabel } from './runs-table.js';

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface RecoveryReport {
  interruptedRuns: string[];
  removedTempDirs: string[];
}

export class ProjectStore {
  readonly db: Db;
  readonly projectsDir: string;
  readonly recovery: RecoveryReport;
  private readonly unlock: () => void;

  /** Throws DataLockError if another live process has this data folder open. */
  constructor(readonly root: string) {
    makePrivateDir(root);
    // before recovery: its 'running' runs and .tmp- folders may be another process's live work
    this.unlock = acquireDataLock(root);
    let db: Db | undefined;
    try {
      this.projectsDir = path.join(root, 'projects');
      fs.mkdirSync(this.projectsDir, { recursive: true });
      this.db = db = openDatabase(databaseFile(root));
      this.recovery = this.recover();
    } catch (e) {
      db?.close();
      this.unlock();
      throw e;
    }
  }

  close(): void {
    this.db.close();
    this.unlock();
  }

  // ---------------------------------------------------------------- recovery

  private recover(): RecoveryReport {
    const stale = runs.interruptRunning(this.db);
    const removed: string[] = [];
    for (const proj of fs.existsSync(this.projectsDir) ? fs.readdirSync(this.projectsDir) : []) {
      for (const sub of ['runs', 'exports']) {
        const dir = path.join(this.projectsDir, proj, sub);
        if (!fs.existsSync(dir)) continue;
        for (const name of fs.readdirSync(dir)) {
          if (name.startsWith('.') && name.includes('.tmp-')) {
            fs.rmSync(path.join(dir, name), { recursive: true, force: true });
            removed.push(path.join(dir, name));
          }
        }
      }
    }
    return { interruptedRuns: stale.map((r) => r.id), removedTempDirs: removed };
  }

  // ---------------------------------------------------------------- projects

  createProject(name: string): ProjectSummary {
    const clean = name.trim();
    if (!clean) throw new StoreError('a project needs a name');
    const id = newId('p');
    const folder = path.join(this.projectsDir, id);
    fs.mkdirSync(path.join(folder, 'runs'), { recursive: true });
    fs.mkdirSync(path.join(folder, 'exports'), { recursive: true });
    projects.insertProject(this.db, id, clean, folder);
    return this.getProject(id);
  }

  setProjectModel(id: string, modelPath: string, cardPath: string | null, sha256: string): ProjectSummary {
    if (!projects.setModel(this.db, id, modelPath, cardPath, sha256)) throw new StoreError(`no project with id ${id}`);
    return this.getProject(id);
  }

  getProject(id: string): ProjectSummary {
    const p = projects.projectById(this.db, id);
    if (!p) throw new StoreError(`no project with id ${id}`);
    return p;
  }

  listProjects(): ProjectSummary[] {
    return projects.listProjects(this.db);
  }

  deleteProject(id: string): void {
    const p = this.getProject(id);
    projects.deleteProject(this.db, id);
    fs.rmSync(p.folder, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- datasets

  setDataset(projectId: string, d: datasets.NewDataset): DatasetInfo {
    this.getProject(projectId);
    this.db.transaction(() => {
      datasets.insertDataset(this.db, projectId, d);
      projects.touchProject(this.db, projectId);
    })();
    return this.getDataset(projectId)!;
  }

  /** The project's current dataset (the latest one set). */
  getDataset(projectId: string): DatasetInfo | null {
    return datasets.currentDataset(this.db, projectId);
  }

  // ---------------------------------------------------------------- runs

  runDir(projectId: string, runId: string): string {
    return path.join(this.getProject(projectId).folder, 'runs', runId);
  }

  createRun(projectId: string, input: CalibRunSettingsInput): RunInfo {
    const settings = CalibRunSettingsSchema.parse(input);
    const id = newId('r');
    const dir = this.runDir(projectId, id);
    this.db.transaction(() => {
      runs.insertRun(this.db, id, projectId, settings, dir);
      projects.touchProject(this.db, projectId);
    })();
    return this.getRun(id);
  }

  /** Records a finished run whose artifacts were written elsewhere (the demo's exports). */
  importRun(projectId: string, input: CalibRunSettingsInput, artifactDir: string, seconds: number): RunInfo {
    const settings = CalibRunSettingsSchema.parse(input);
    const id = newId('r');
    this.db.transaction(() => {
      runs.insertRun(this.db, id, projectId, settings, artifactDir, { seconds });
      projects.touchProject(this.db, projectId);
    })();
    return this.getRun(id);
  }

  /** Marks an interrupted/failed/cancelled run as running again (a new attempt); clears its layers. */
  restartRun(runId: string): RunInfo {
    const run = this.getRun(runId);
    if (run.status === 'running') throw new StoreError(`run ${runId} is already running`);
    if (run.status === 'done') throw new StoreError(`run ${runId} already finished; start a new run instead`);
    this.db.transaction(() => {
      runLayers.clearLayers(this.db, runId);
      runs.markRestarted(this.db, runId);
    })();
    return this.getRun(runId);
  }

  recordProgress(runId: string, p: RunProgress, layer?: RunLayer): void {
    this.db.transaction(() => {
      runs.setProgress(this.db, runId, p);
      if (layer) runLayers.upsertLayer(this.db, runId, layer);
    })();
  }

  /** Completes a run: final layer list and status in one transaction. */
  finishRun(runId: string, seconds: number, layers: RunLayer[]): RunInfo {
    this.db.transaction(() => {
      runLayers.replaceLayers(this.db, runId, layers);
      runs.markDone(this.db, runId, seconds);
    })();
    return this.getRun(runId);
  }

  endRun(runId: string, status: Exclude<RunStatus, 'running' | 'done'>, error: string | null): RunInfo {
    runs.markEnded(this.db, runId, status, error);
    return this.getRun(runId);
  }

  getRun(runId: string): RunInfo {
    const r = runs.runById(this.db, runId);
    if (!r) throw new StoreError(`no calibration run with id ${runId}`);
    return r;
  }

  listRuns(projectId: string): RunInfo[] {
    return runs.listRuns(this.db, projectId);
  }

  // ---------------------------------------------------------------- results

  /** Replaces the result for (project, run-or-FP32, engine) with a new one. */
  saveResult(projectId: string, runId: string | null, r: results.NewResult, images: ImagePredictionInfo[] = []): EvalResultInfo {
    const id = this.db.transaction(() => {
      const id = results.replaceResult(this.db, projectId, runId, r);
      resultImages.insertImages(this.db, id, images);
      return id;
    })();
    return this.listResults(projectId).find((x) => x.id === id)!;
  }

  listResults(projectId: string): EvalResultInfo[] {
    return results.listResults(this.db, projectId);
  }

  /** Per-image predictions of one result (none for FP32 and for results stored before they were recorded). */
  resultImages(resultId: string): ImagePredictionInfo[] {
    return resultImages.imagesOf(this.db, resultId);
  }

  // ---------------------------------------------------------------- exports

  exportDir(projectId: string, runId: string): string {
    return path.join(this.getProject(projectId).folder, 'exports', runId);
  }

  saveExports(projectId: string, runId: string, files: Record<string, string>): ExportInfo[] {
    this.db.transaction(() => exportsTable.replaceExports(this.db, projectId, runId, files))();
    return this.listExports(projectId).filter((x) => x.runId === runId);
  }

  listExports(projectId: string): ExportInfo[] {
    return exportsTable.listExports(this.db, projectId);
  }

  // ---------------------------------------------------------------- devices

  /** `secretEnc` must already be encrypted (Electron safeStorage); plaintext never reaches here. */
  addDevice(name: string, config: DeviceConfig, secretEnc: Buffer | null): DeviceInfo {
    const clean = name.trim();
    if (!clean) throw new StoreError('a device needs a name');
    if (devices.deviceByName(this.db, clean)) throw new StoreError(`a device named '${clean}' already exists`);
    return devices.insertDevice(this.db, clean, config, secretEnc);
  }

  getDevice(id: string): DeviceInfo {
    const d = devices.deviceById<DeviceConfig>(this.db, id);
    if (!d) throw new StoreError(`no device with id ${id}`);
    return d;
  }

  deviceSecret(id: string): Buffer | null {
    return devices.deviceSecret(this.db, id);
  }

  listDevices(): DeviceInfo[] {
    return devices.listDevices<DeviceConfig>(this.db);
  }

  setDeviceProbe(id: string, probe: Record<string, unknown>): DeviceInfo {
    devices.setDeviceProbe(this.db, id, probe);
    return this.getDevice(id);
  }

  removeDevice(id: string): void {
    if (!devices.deleteDevice(this.db, id)) throw new StoreError(`no device with id ${id}`);
  }

  // ---------------------------------------------------------------- per-layer precision

  getLayerPrecision(projectId: string): LayerPrecisionMap {
    this.getProject(projectId);
    return layerPrecision.getLayerPrecision(this.db, projectId);
  }

  setLayerPrecision(projectId: string, map: LayerPrecisionMap): LayerPrecisionMap {
    this.getProject(projectId);
    layerPrecision.setLayerPrecision(this.db, projectId, map);
    return this.getLayerPrecision(projectId);
  }

  // ---------------------------------------------------------------- profiles

  createProfile(projectId: string, deviceId: string, runId: string | null): ProfileInfo {
    const id = profiles.insertProfile(this.db, projectId, deviceId, runId);
    return this.listProfiles(projectId).find((p) => p.id === id)!;
  }

  finishProfile(id: string, status: 'done' | 'failed', result: ProfileResult | null, error: string | null): void {
    profiles.finishProfile(this.db, id, status, result, error);
  }

  listProfiles(projectId: string): ProfileInfo[] {
    return profiles.listProfiles(this.db, projectId);
  }

  // ---------------------------------------------------------------- device results

  /** What a profile measured, one row per variant (the same table `easyquant profile` writes). */
  addDeviceResults(records: deviceResults.ResultRecord[], profileId: string | null): void {
    this.db.transaction(() => {
      for (const r of records) deviceResults.insertResult(this.db, r, profileId ? 'app' : 'cli', profileId);
    })();
  }

  /** Every result of one board, from the app, the CLI or an old results.jsonl, newest first. */
  listDeviceResults(deviceName: string): deviceResults.DeviceResultInfo[] {
    return deviceResults.queryResults(this.db, { device: deviceName }).reverse();
  }

  /** Imports an old results.jsonl once (null: missing or done before). */
  importResultsJsonl(file: string): { imported: number; skipped: number } | null {
    return deviceResults.importResultsJsonl(this.db, file);
  }
}
