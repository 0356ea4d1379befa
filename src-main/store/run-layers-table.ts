/** The `run_layers` table: per-layer cosines of a calibration run, before and after EQ. */
import type { RunLayer } from '../contract/app-types.js';
import type { Db } from './db.js';
import { nullable, type Row } from './row.js';

export function layersOf(db: Db, runId: string): RunLayer[] {
  return (db.prepare(`SELECT idx, name, cos_before, cos_after FROM run_layers WHERE run_id = ? ORDER BY idx`).all(runId) as Row[]).map((l) => ({
    idx: Number(l.idx),
    name: String(l.name),
    cosBefore: nullable<number>(l.cos_before),
    cosAfter: nullable<number>(l.cos_after),
  }));
}

/** Adds or updates one layer (live progress). */
export function upsertLayer(db: Db, runId: string, layer: RunLayer): void {
  db.prepare(
    `INSERT INTO run_layers (run_id, idx, name, cos_before, cos_after) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(run_id, name) DO UPDATE SET idx = excluded.idx, cos_before = excluded.cos_before, cos_after = excluded.cos_after`,
  ).run(runId, layer.idx, layer.name, layer.cosBefore, layer.cosAfter);
}

/** Replaces every layer of the run (the caller holds the transaction). */
export function replaceLayers(db: Db, runId: string, layers: RunLayer[]): void {
  clearLayers(db, runId);
  const ins = db.prepare(`INSERT INTO run_layers (run_id, idx, name, cos_before, cos_after) VALUES (?, ?, ?, ?, ?)`);
  for (const l of layers) ins.run(runId, l.idx, l.name, l.cosBefore, l.cosAfter);
}

export function clearLayers(db: Db, runId: string): void {
  db.prepare(`DELETE FROM run_layers WHERE run_id = ?`).run(runId);
}
