/** The `layer_precision` table: a project's per-layer FP32 / INT8 / INT7 choice (core/quant/layer-precision.ts). */
import type { LayerPrecision, LayerPrecisionMap } from '../contract/app-types.js';
import type { Db } from './db.js';
import type { Row } from './row.js';

export function getLayerPrecision(db: Db, projectId: string): LayerPrecisionMap {
  const rows = db.prepare(`SELECT layer, precision FROM layer_precision WHERE project_id = ? ORDER BY rowid`).all(projectId) as Row[];
  return Object.fromEntries(rows.map((r) => [String(r.layer), r.precision as LayerPrecision]));
}

/** Replaces the project's whole map (an empty map: every layer at the run's bits). */
export function setLayerPrecision(db: Db, projectId: string, map: LayerPrecisionMap): void {
  db.transaction(() => {
    db.prepare(`DELETE FROM layer_precision WHERE project_id = ?`).run(projectId);
    const ins = db.prepare(`INSERT INTO layer_precision (project_id, layer, precision) VALUES (?, ?, ?)`);
    for (const [layer, p] of Object.entries(map)) ins.run(projectId, layer, p);
  })();
}
