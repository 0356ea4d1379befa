/** The `results` table: one evaluation result per (project, run or FP32, engine). */
import type { EvalResultInfo } from '../contract/app-types.js';
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';
import { LayerCosinesSchema, OutputErrorsSchema } from '../contract/run-schemas.js';
import { jsonColumn } from './json-column.js';
import { nullable, type Row } from './row.js';
import { runLabel } from './runs-table.js';

export type NewResult = Omit<EvalResultInfo, 'id' | 'projectId' | 'runId' | 'createdAt' | 'label'>;

/** Replaces the result of this run (or of FP32: runId null); returns its id. The caller holds the transaction. */
export function replaceResult(db: Db, projectId: string, runId: string | null, r: NewResult): string {
  if (runId) db.prepare(`DELETE FROM results WHERE project_id = ? AND run_id = ?`).run(projectId, runId);
  else db.prepare(`DELETE FROM results WHERE project_id = ? AND run_id IS NULL`).run(projectId);
  const id = newId('e');
  db.prepare(
    `INSERT INTO results (id, project_id, run_id, engine, images, top1, top5, agreement, mean_cosine, layer_cosine_json, held_out_from, created_at, outputs_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    projectId,
    runId,
    r.engine,
    r.images,
    r.top1,
    r.top5,
    r.agreement,
    r.meanCosine,
    JSON.stringify(r.layerCosine),
    r.heldOutFrom ?? null,
    nowIso(),
    r.outputs ? JSON.stringify(r.outputs) : null,
  );
  return id;
}

export function listResults(db: Db, projectId: string): EvalResultInfo[] {
  const rows = db
    .prepare(`SELECT res.*, runs.method, runs.bits FROM results res LEFT JOIN runs ON runs.id = res.run_id WHERE res.project_id = ? ORDER BY res.created_at, res.rowid`)
    .all(projectId) as Row[];
  return rows.map((r) => ({
    id: String(r.id),
    projectId,
    runId: nullable<string>(r.run_id),
    label: r.run_id ? runLabel(String(r.method), Number(r.bits)) : 'FP32',
    engine: String(r.engine),
    images: Number(r.images),
    top1: nullable<number>(r.top1),
    top5: nullable<number>(r.top5),
    agreement: nullable<number>(r.agreement),
    meanCosine: nullable<number>(r.mean_cosine),
    layerCosine: jsonColumn(LayerCosinesSchema, r.layer_cosine_json, `result ${String(r.id)} layer_cosine_json`) ?? {},
    heldOutFrom: nullable<number>(r.held_out_from),
    createdAt: String(r.created_at),
    outputs: jsonColumn(OutputErrorsSchema, r.outputs_json, `result ${String(r.id)} outputs_json`) ?? undefined,
  }));
}
