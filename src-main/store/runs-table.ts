/** The `runs` table: calibration runs with their settings, status and last progress. */
import type { RunInfo, RunProgress, RunStatus } from '../contract/app-types.js';
import { CalibRunSettingsSchema, type CalibRunSettings } from '../contract/calib-settings.js';
import { RunProgressSchema } from '../contract/run-schemas.js';
import type { Db } from './db.js';
import { nowIso } from './ids.js';
import { jsonColumn } from './json-column.js';
import { nullable, type Row } from './row.js';
import { layersOf } from './run-layers-table.js';

export function runLabel(method: string, bits: number): string {
  const names: Record<string, string> = { eq: 'EQ', minmax: 'MinMax', kl: 'KL', percentile: 'Percentile', lapq: 'LAPQ', 'eq+lapq': 'EQ+LAPQ' };
  const m = names[method] ?? method;
  return `${m} INT${bits}`;
}

/** A run's last progress: only a snapshot for the view, so one that does not parse is shown as none. */
function snapshot(r: Row): RunProgress | null {
  try {
    return jsonColumn(RunProgressSchema, r.last_progress_json, `run ${String(r.id)} last_progress_json`);
  } catch {
    return null;
  }
}

function toInfo(db: Db, r: Row): RunInfo {
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    method: r.method as RunInfo['method'],
    bits: Number(r.bits),
    settings: jsonColumn(CalibRunSettingsSchema, r.settings_json, `run ${String(r.id)} settings_json`)!,
    calibImages: Number(r.calib_images),
    status: r.status as RunStatus,
    error: nullable<string>(r.error),
    artifactDir: String(r.artifact_dir),
    attempts: Number(r.attempts),
    startedAt: String(r.started_at),
    finishedAt: nullable<string>(r.finished_at),
    seconds: nullable<number>(r.seconds),
    lastProgress: snapshot(r),
    layers: layersOf(db, String(r.id)),
    label: runLabel(String(r.method), Number(r.bits)),
  };
}

/** A new run, 'running' from now; or an already finished one (`done`: its seconds). */
export function insertRun(db: Db, id: string, projectId: string, settings: CalibRunSettings, artifactDir: string, done?: { seconds: number }): void {
  const t = nowIso();
  if (done) {
    db.prepare(
      `INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at, finished_at, seconds) VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?)`,
    ).run(id, projectId, settings.method, settings.bits, JSON.stringify(settings), settings.calibImages, artifactDir, t, t, done.seconds);
  } else {
    db.prepare(`INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`).run(
      id,
      projectId,
      settings.method,
      settings.bits,
      JSON.stringify(settings),
      settings.calibImages,
      artifactDir,
      t,
    );
  }
}

export function runById(db: Db, id: string): RunInfo | null {
  const r = db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as Row | undefined;
  return r ? toInfo(db, r) : null;
}

export function listRuns(db: Db, projectId: string): RunInfo[] {
  return (db.prepare(`SELECT * FROM runs WHERE project_id = ? ORDER BY started_at, rowid`).all(projectId) as Row[]).map((r) => toInfo(db, r));
}

/** Runs left 'running' by a process that is gone become 'interrupted'; returns their ids and artifact folders. */
export function interruptRunning(db: Db): { id: string; artifactDir: string }[] {
  const stale = (db.prepare(`SELECT id, artifact_dir FROM runs WHERE status = 'running'`).all() as Row[]).map((r) => ({ id: String(r.id), artifactDir: String(r.artifact_dir) }));
  db.prepare(`UPDATE runs SET status = 'interrupted', error = 'the app stopped while this run was in progress', finished_at = ? WHERE status = 'running'`).run(nowIso());
  return stale;
}

/** A new attempt of the run: running again, error, timing and progress cleared. */
export function markRestarted(db: Db, id: string): void {
  db.prepare(
    `UPDATE runs SET status = 'running', error = NULL, attempts = attempts + 1, started_at = ?, finished_at = NULL, seconds = NULL, last_progress_json = NULL WHERE id = ?`,
  ).run(nowIso(), id);
}

export function setProgress(db: Db, id: string, p: RunProgress): void {
  db.prepare(`UPDATE runs SET last_progress_json = ? WHERE id = ? AND status = 'running'`).run(JSON.stringify(p), id);
}

export function markDone(db: Db, id: string, seconds: number): void {
  db.prepare(`UPDATE runs SET status = 'done', seconds = ?, finished_at = ?, error = NULL WHERE id = ?`).run(seconds, nowIso(), id);
}

export function markEnded(db: Db, id: string, status: Exclude<RunStatus, 'running' | 'done'>, error: string | null): void {
  db.prepare(`UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`).run(status, error, nowIso(), id);
}
