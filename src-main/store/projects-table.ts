/** The `projects` table: one row per project, with its model and the number of runs. */
import type { ProjectSummary } from '../contract/app-types.js';
import type { Db } from './db.js';
import { nowIso } from './ids.js';
import { nullable, type Row } from './row.js';

const SELECT = `SELECT p.*, (SELECT count(*) FROM runs WHERE project_id = p.id) AS runs FROM projects p`;

function toSummary(r: Row): ProjectSummary {
  return {
    id: String(r.id),
    name: String(r.name),
    folder: String(r.folder),
    modelPath: nullable<string>(r.model_path),
    cardPath: nullable<string>(r.card_path),
    modelSha256: nullable<string>(r.model_sha256),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    runs: Number(r.runs ?? 0),
  };
}

export function insertProject(db: Db, id: string, name: string, folder: string): void {
  const t = nowIso();
  db.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(id, name, folder, t, t);
}

/** false: no such project */
export function setModel(db: Db, id: string, modelPath: string, cardPath: string | null, sha256: string): boolean {
  return db.prepare(`UPDATE projects SET model_path = ?, card_path = ?, model_sha256 = ?, updated_at = ? WHERE id = ?`).run(modelPath, cardPath, sha256, nowIso(), id).changes > 0;
}

export function projectById(db: Db, id: string): ProjectSummary | null {
  const r = db.prepare(`${SELECT} WHERE id = ?`).get(id) as Row | undefined;
  return r ? toSummary(r) : null;
}

export function listProjects(db: Db): ProjectSummary[] {
  return (db.prepare(`${SELECT} ORDER BY updated_at DESC`).all() as Row[]).map(toSummary);
}

export function deleteProject(db: Db, id: string): void {
  db.prepare(`DELETE FROM projects WHERE id = ?`).run(id);
}

export function touchProject(db: Db, id: string): void {
  db.prepare(`UPDATE projects SET updated_at = ? WHERE id = ?`).run(nowIso(), id);
}
