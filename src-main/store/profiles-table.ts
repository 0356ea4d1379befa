/** The `profiles` table: on-device profile jobs of a project (their measurements go to device_results). */
import type { ProfileInfo } from '../contract/app-types.js';
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';
import { ProfileResultSchema, type ProfileResult } from '../contract/bench-report.js';
import { jsonColumn } from './json-column.js';
import { nullable, type Row } from './row.js';

export function insertProfile(db: Db, projectId: string, deviceId: string, runId: string | null): string {
  const id = newId('prof');
  db.prepare(`INSERT INTO profiles (id, project_id, device_id, run_id, status, created_at) VALUES (?, ?, ?, ?, 'running', ?)`).run(id, projectId, deviceId, runId, nowIso());
  return id;
}

export function finishProfile(db: Db, id: string, status: 'done' | 'failed', result: ProfileResult | null, error: string | null): void {
  db.prepare(`UPDATE profiles SET status = ?, result_json = ?, error = ? WHERE id = ?`).run(status, result ? JSON.stringify(result) : null, error, id);
}

export function listProfiles(db: Db, projectId: string): ProfileInfo[] {
  const rows = db
    .prepare(`SELECT pr.*, d.name AS device_name FROM profiles pr JOIN devices d ON d.id = pr.device_id WHERE pr.project_id = ? ORDER BY pr.created_at, pr.rowid`)
    .all(projectId) as Row[];
  return rows.map((r) => toInfo(r, projectId));
}

function toInfo(r: Row, projectId: string): ProfileInfo {
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
    runId: nullable<string>(r.run_id),
    status: r.status as ProfileInfo['status'],
    error: nullable<string>(r.error) ?? note,
    result,
    createdAt: String(r.created_at),
  };
}
