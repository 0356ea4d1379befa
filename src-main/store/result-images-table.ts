/** The `result_images` table: per-image top-1 of FP32 and of the quantized engine, per evaluation result. */
import type { ImagePredictionInfo } from '../contract/app-types.js';
import type { Db } from './db.js';
import { nullable, type Row } from './row.js';

/** Writes the images of a freshly inserted result (the caller holds the transaction). */
export function insertImages(db: Db, resultId: string, images: ImagePredictionInfo[]): void {
  const ins = db.prepare(`INSERT INTO result_images (result_id, idx, sample_id, label, ref_class, ref_prob, q_class, q_prob, out_cosine) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // NaN (a model that produced NaN scores) is stored as NULL, not as a failed insert
  const num = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  for (const p of images) ins.run(resultId, p.index, p.id, p.label, p.refClass, num(p.refProb), p.qClass, num(p.qProb), num(p.cosine));
}

export function imagesOf(db: Db, resultId: string): ImagePredictionInfo[] {
  return (db.prepare(`SELECT * FROM result_images WHERE result_id = ? ORDER BY idx`).all(resultId) as Row[]).map((r) => ({
    index: Number(r.idx),
    id: String(r.sample_id),
    label: nullable<number>(r.label),
    refClass: nullable<number>(r.ref_class),
    refProb: nullable<number>(r.ref_prob),
    qClass: Number(r.q_class),
    qProb: nullable<number>(r.q_prob),
    cosine: nullable<number>(r.out_cosine),
  }));
}
