/**
 * The project store: projects, datasets, calibration runs (with per-layer cosines), evaluation
 * results, exports, devices and profiles in SQLite, plus one artifact folder per project
 * (`<root>/projects/<id>/`) that the rows reference. Every multi-row write is one transaction.
 *
 * Crash recovery: a run row is 'running' only while a process works on it. On open, rows left
 * 'running' by a crash become 'interrupted' (resumable), and half-written artifact folders
 * (the `.tmp-` siblings writeDirAtomically leaves behind) are removed. That is only safe with
 * one writer per data folder: the store holds the folder's lock (data-lock.ts) while open.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  DatasetInfo,
  DeviceConfig,
  DeviceInfo,
  EvalResultInfo,
  ExportInfo,
  ProfileInfo,
  ProjectSummary,
  RunInfo,
  RunLayer,
  RunProgress,
  RunStatus,
} from '../contract/app-types.js';
import { acquireDataLock } from './data-lock.js';
import { databaseFile, makePrivateDir } from './data-dir.js';
import { openDatabase, type Db } from './db.js';
import * as devices from './device-table.js';
import * as deviceResults from './device-results-table.js';
import { newId, nowIso } from './ids.js';
import { jsonColumn } from './json-column.js';
import { CalibRunSettingsSchema, type CalibRunSettingsInput } from '../contract/calib-settings.js';
import { PreprocessFormSchema } from '../contract/preprocess.js';
import { LayerCosinesSchema, RunProgressSchema } from '../contract/run-schemas.js';
import { ProfileResultSchema, type ProfileResult } from '../contract/bench-report.js';

type Row = Record<string, unknown>;

/** A run's last progress: only a snapshot for the view, so one that does not parse is shown as none. */
function snapshot(r: Row): RunProgress | null {
  try {
    return jsonColumn(RunProgressSchema, r.last_progress_json, `run ${String(r.id)} last_progress_json`);
  } catch {
    return null;
  }
}

export function runLabel(method: string, bits: number): string {
  const m = method === 'eq' ? 'EQ' : method === 'minmax' ? 'MinMax' : method === 'kl' ? 'KL' : 'Percentile';
  return `${m} INT${bits}`;
}

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
    const stale = this.db.prepare(`SELECT id, artifact_dir FROM runs WHERE status = 'running'`).all() as Row[];
    this.db
      .prepare(`UPDATE runs SET status = 'interrupted', error = 'the app stopped while this run was in progress', finished_at = ? WHERE status = 'running'`)
      .run(nowIso());
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
    return { interruptedRuns: stale.map((r) => String(r.id)), removedTempDirs: removed };
  }

  // ---------------------------------------------------------------- projects

  createProject(name: string): ProjectSummary {
    const clean = name.trim();
    if (!clean) throw new StoreError('a project needs a name');
    const id = newId('p');
    const folder = path.join(this.projectsDir, id);
    fs.mkdirSync(path.join(folder, 'runs'), { recursive: true });
    fs.mkdirSync(path.join(folder, 'exports'), { recursive: true });
    const t = nowIso();
    this.db.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(id, clean, folder, t, t);
    return this.getProject(id);
  }

  setProjectModel(id: string, modelPath: string, cardPath: string | null, sha256: string): ProjectSummary {
    const r = this.db
      .prepare(`UPDATE projects SET model_path = ?, card_path = ?, model_sha256 = ?, updated_at = ? WHERE id = ?`)
      .run(modelPath, cardPath, sha256, nowIso(), id);
    if (r.changes === 0) throw new StoreError(`no project with id ${id}`);
    return this.getProject(id);
  }

  private projectRow(r: Row): ProjectSummary {
    return {
      id: String(r.id),
      name: String(r.name),
      folder: String(r.folder),
      modelPath: (r.model_path as string | null) ?? null,
      cardPath: (r.card_path as string | null) ?? null,
      modelSha256: (r.model_sha256 as string | null) ?? null,
      createdAt: String(r.created_at),
      updatedAt: String(r.updated_at),
      runs: Number(r.runs ?? 0),
    };
  }

  getProject(id: string): ProjectSummary {
    const r = this.db.prepare(`SELECT p.*, (SELECT count(*) FROM runs WHERE project_id = p.id) AS runs FROM projects p WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new StoreError(`no project with id ${id}`);
    return this.projectRow(r);
  }

  listProjects(): ProjectSummary[] {
    const rows = this.db.prepare(`SELECT p.*, (SELECT count(*) FROM runs WHERE project_id = p.id) AS runs FROM projects p ORDER BY updated_at DESC`).all() as Row[];
    return rows.map((r) => this.projectRow(r));
  }

  deleteProject(id: string): void {
    const p = this.getProject(id);
    this.db.prepare(`DELETE FROM projects WHERE id = ?`).run(id);
    fs.rmSync(p.folder, { recursive: true, force: true });
  }

  private touch(projectId: string): void {
    this.db.prepare(`UPDATE projects SET updated_at = ? WHERE id = ?`).run(nowIso(), projectId);
  }

  // ---------------------------------------------------------------- datasets

  setDataset(projectId: string, d: Omit<DatasetInfo, 'id' | 'projectId' | 'createdAt'>): DatasetInfo {
    this.getProject(projectId);
    const id = newId('d');
    this.db
      .prepare(
        `INSERT INTO datasets (id, project_id, data_dir, labels_file, preprocess_json, kind, samples, labelled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, projectId, d.dataDir, d.labelsFile, d.preprocess ? JSON.stringify(d.preprocess) : null, d.kind, d.samples, d.labelled, nowIso());
    this.touch(projectId);
    return this.getDataset(projectId)!;
  }

  /** The project's current dataset (the latest one set). */
  getDataset(projectId: string): DatasetInfo | null {
    const r = this.db.prepare(`SELECT * FROM datasets WHERE project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(projectId) as Row | undefined;
    if (!r) return null;
    return {
      id: String(r.id),
      projectId,
      dataDir: String(r.data_dir),
      labelsFile: (r.labels_file as string | null) ?? null,
      preprocess: jsonColumn(PreprocessFormSchema, r.preprocess_json, `dataset ${String(r.id)} preprocess_json`),
      kind: r.kind as DatasetInfo['kind'],
      samples: Number(r.samples),
      labelled: Number(r.labelled),
      createdAt: String(r.created_at),
    };
  }

  // ---------------------------------------------------------------- runs

  runDir(projectId: string, runId: string): string {
    return path.join(this.getProject(projectId).folder, 'runs', runId);
  }

  createRun(projectId: string, input: CalibRunSettingsInput): RunInfo {
    const settings = CalibRunSettingsSchema.parse(input);
    const id = newId('r');
    const dir = this.runDir(projectId, id);
    this.db
      .prepare(
        `INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      )
      .run(id, projectId, settings.method, settings.bits, JSON.stringify(settings), settings.calibImages, dir, nowIso());
    this.touch(projectId);
    return this.getRun(id);
  }

  /** Records a finished run whose artifacts were written elsewhere (the demo's exports). */
  importRun(projectId: string, input: CalibRunSettingsInput, artifactDir: string, seconds: number): RunInfo {
    const settings = CalibRunSettingsSchema.parse(input);
    const id = newId('r');
    const t = nowIso();
    this.db
      .prepare(
        `INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at, finished_at, seconds) VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?)`,
      )
      .run(id, projectId, settings.method, settings.bits, JSON.stringify(settings), settings.calibImages, artifactDir, t, t, seconds);
    this.touch(projectId);
    return this.getRun(id);
  }

  /** Marks an interrupted/failed/cancelled run as running again (a new attempt); clears its layers. */
  restartRun(runId: string): RunInfo {
    const run = this.getRun(runId);
    if (run.status === 'running') throw new StoreError(`run ${runId} is already running`);
    if (run.status === 'done') throw new StoreError(`run ${runId} already finished; start a new run instead`);
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM run_layers WHERE run_id = ?`).run(runId);
      this.db
        .prepare(`UPDATE runs SET status = 'running', error = NULL, attempts = attempts + 1, started_at = ?, finished_at = NULL, seconds = NULL, last_progress_json = NULL WHERE id = ?`)
        .run(nowIso(), runId);
    })();
    return this.getRun(runId);
  }

  recordProgress(runId: string, p: RunProgress, layer?: RunLayer): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE runs SET last_progress_json = ? WHERE id = ? AND status = 'running'`).run(JSON.stringify(p), runId);
      if (layer) {
        this.db
          .prepare(
            `INSERT INTO run_layers (run_id, idx, name, cos_before, cos_after) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(run_id, name) DO UPDATE SET idx = excluded.idx, cos_before = excluded.cos_before, cos_after = excluded.cos_after`,
          )
          .run(runId, layer.idx, layer.name, layer.cosBefore, layer.cosAfter);
      }
    })();
  }

  /** Completes a run: final layer list and status in one transaction. */
  finishRun(runId: string, seconds: number, layers: RunLayer[]): RunInfo {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM run_layers WHERE run_id = ?`).run(runId);
      const ins = this.db.prepare(`INSERT INTO run_layers (run_id, idx, name, cos_before, cos_after) VALUES (?, ?, ?, ?, ?)`);
      for (const l of layers) ins.run(runId, l.idx, l.name, l.cosBefore, l.cosAfter);
      this.db.prepare(`UPDATE runs SET status = 'done', seconds = ?, finished_at = ?, error = NULL WHERE id = ?`).run(seconds, nowIso(), runId);
    })();
    return this.getRun(runId);
  }

  endRun(runId: string, status: Exclude<RunStatus, 'running' | 'done'>, error: string | null): RunInfo {
    this.db.prepare(`UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`).run(status, error, nowIso(), runId);
    return this.getRun(runId);
  }

  private runRow(r: Row): RunInfo {
    const layers = (this.db.prepare(`SELECT idx, name, cos_before, cos_after FROM run_layers WHERE run_id = ? ORDER BY idx`).all(r.id) as Row[]).map((l) => ({
      idx: Number(l.idx),
      name: String(l.name),
      cosBefore: (l.cos_before as number | null) ?? null,
      cosAfter: (l.cos_after as number | null) ?? null,
    }));
    return {
      id: String(r.id),
      projectId: String(r.project_id),
      method: r.method as RunInfo['method'],
      bits: Number(r.bits),
      settings: jsonColumn(CalibRunSettingsSchema, r.settings_json, `run ${String(r.id)} settings_json`)!,
      calibImages: Number(r.calib_images),
      status: r.status as RunStatus,
      error: (r.error as string | null) ?? null,
      artifactDir: String(r.artifact_dir),
      attempts: Number(r.attempts),
      startedAt: String(r.started_at),
      finishedAt: (r.finished_at as string | null) ?? null,
      seconds: (r.seconds as number | null) ?? null,
      lastProgress: snapshot(r),
      layers,
      label: runLabel(String(r.method), Number(r.bits)),
    };
  }

  getRun(runId: string): RunInfo {
    const r = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as Row | undefined;
    if (!r) throw new StoreError(`no calibration run with id ${runId}`);
    return this.runRow(r);
  }

  listRuns(projectId: string): RunInfo[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE project_id = ? ORDER BY started_at, rowid`).all(projectId) as Row[]).map((r) => this.runRow(r));
  }

  // ---------------------------------------------------------------- results

  /** Replaces the result for (project, run-or-FP32, engine) with a new one. */
  saveResult(projectId: string, runId: string | null, r: Omit<EvalResultInfo, 'id' | 'projectId' | 'runId' | 'createdAt' | 'label'>): EvalResultInfo {
    const id = newId('e');
    this.db.transaction(() => {
      if (runId) this.db.prepare(`DELETE FROM results WHERE project_id = ? AND run_id = ?`).run(projectId, runId);
      else this.db.prepare(`DELETE FROM results WHERE project_id = ? AND run_id IS NULL`).run(projectId);
      this.db
        .prepare(
          `INSERT INTO results (id, project_id, run_id, engine, images, top1, top5, agreement, mean_cosine, layer_cosine_json, held_out_from, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, projectId, runId, r.engine, r.images, r.top1, r.top5, r.agreement, r.meanCosine, JSON.stringify(r.layerCosine), r.heldOutFrom ?? null, nowIso());
    })();
    return this.listResults(projectId).find((x) => x.id === id)!;
  }

  listResults(projectId: string): EvalResultInfo[] {
    const rows = this.db
      .prepare(`SELECT res.*, runs.method, runs.bits FROM results res LEFT JOIN runs ON runs.id = res.run_id WHERE res.project_id = ? ORDER BY res.created_at, res.rowid`)
      .all(projectId) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      projectId,
      runId: (r.run_id as string | null) ?? null,
      label: r.run_id ? runLabel(String(r.method), Number(r.bits)) : 'FP32',
      engine: String(r.engine),
      images: Number(r.images),
      top1: (r.top1 as number | null) ?? null,
      top5: (r.top5 as number | null) ?? null,
      agreement: (r.agreement as number | null) ?? null,
      meanCosine: (r.mean_cosine as number | null) ?? null,
      layerCosine: jsonColumn(LayerCosinesSchema, r.layer_cosine_json, `result ${String(r.id)} layer_cosine_json`) ?? {},
      heldOutFrom: (r.held_out_from as number | null) ?? null,
      createdAt: String(r.created_at),
    }));
  }

  // ---------------------------------------------------------------- exports

  exportDir(projectId: string, runId: string): string {
    return path.join(this.getProject(projectId).folder, 'exports', runId);
  }

  saveExports(projectId: string, runId: string, files: Record<string, string>): ExportInfo[] {
    const t = nowIso();
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM exports WHERE project_id = ? AND run_id = ?`).run(projectId, runId);
      const ins = this.db.prepare(`INSERT INTO exports (id, project_id, run_id, format, path, created_at) VALUES (?, ?, ?, ?, ?, ?)`);
      for (const [format, file] of Object.entries(files)) ins.run(newId('x'), projectId, runId, format, file, t);
    })();
    return this.listExports(projectId).filter((x) => x.runId === runId);
  }

  listExports(projectId: string): ExportInfo[] {
    return (this.db.prepare(`SELECT * FROM exports WHERE project_id = ? ORDER BY created_at, rowid`).all(projectId) as Row[]).map((r) => ({
      id: String(r.id),
      runId: String(r.run_id),
      format: String(r.format),
      path: String(r.path),
      createdAt: String(r.created_at),
    }));
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

  // ---------------------------------------------------------------- profiles

  createProfile(projectId: string, deviceId: string, runId: string | null): ProfileInfo {
    const id = newId('prof');
    this.db.prepare(`INSERT INTO profiles (id, project_id, device_id, run_id, status, created_at) VALUES (?, ?, ?, ?, 'running', ?)`).run(id, projectId, deviceId, runId, nowIso());
    return this.listProfiles(projectId).find((p) => p.id === id)!;
  }

  finishProfile(id: string, status: 'done' | 'failed', result: ProfileResult | null, error: string | null): void {
    this.db.prepare(`UPDATE profiles SET status = ?, result_json = ?, error = ? WHERE id = ?`).run(status, result ? JSON.stringify(result) : null, error, id);
  }

  listProfiles(projectId: string): ProfileInfo[] {
    const rows = this.db
      .prepare(`SELECT pr.*, d.name AS device_name FROM profiles pr JOIN devices d ON d.id = pr.device_id WHERE pr.project_id = ? ORDER BY pr.created_at, pr.rowid`)
      .all(projectId) as Row[];
    return rows.map((r) => this.profileRow(r, projectId));
  }

  private profileRow(r: Row, projectId: string): ProfileInfo {
    // a stored result that no longer matches (hand-edited, a much older version) is left out, with a note
    let result: ProfileResult | null = null;
    let note: string | null = null;
    try {
      result = jsonColumn(ProfileResultSchema, r.result_json, `profile ${String(r.id)} result_json`);
    } catch (e) {
      note = (e as Error).message;
    }
    return {
      id: String(r.id),
      projectId,
      deviceId: String(r.device_id),
      deviceName: String(r.device_name),
      runId: (r.run_id as string | null) ?? null,
      status: r.status as ProfileInfo['status'],
      error: (r.error as string | null) ?? note,
      result,
      createdAt: String(r.created_at),
    };
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
