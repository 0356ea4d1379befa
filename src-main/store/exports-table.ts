/** The `exports` table: the files exported from a run, one row per format. */
import type { ExportInfo } from '../contract/app-types.js';
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';
import type { Row } from './row.js';

/** Replaces the run's exports (the caller holds the transaction). */
export function replaceExports(db: Db, projectId: string, runId: string, files: Record<string, string>): void {
  const t = nowIso();
  db.prepare(`DELETE FROM exports WHERE project_id = ? AND run_id = ?`).run(projectId, runId);
  const ins = db.prepare(`INSERT INTO exports (id, project_id, run_id, format, path, created_at) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const [format, file] of Object.entries(files)) ins.run(newId('x'), projectId, runId, format, file, t);
}

export function listExports(db: Db, projectId: string): ExportInfo[] {
  return (db.prepare(`SELECT * FROM exports WHERE project_id = ? ORDER BY created_at, rowid`).all(projectId) as Row[]).map((r) => ({
    id: String(r.id),
    runId: String(r.run_id),
    format: String(r.format),
    path: String(r.path),
    createdAt: String(r.created_at),
  }));
}
