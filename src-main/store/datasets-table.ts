/** The `datasets` table: the data folders a project was given; the latest one is current. */
import type { DatasetInfo } from '../contract/app-types.js';
import { PreprocessFormSchema } from '../contract/preprocess.js';
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';
import { jsonColumn } from './json-column.js';
import { nullable, type Row } from './row.js';

export type NewDataset = Omit<DatasetInfo, 'id' | 'projectId' | 'createdAt'>;

export function insertDataset(db: Db, projectId: string, d: NewDataset): void {
  db.prepare(`INSERT INTO datasets (id, project_id, data_dir, labels_file, preprocess_json, kind, samples, labelled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    newId('d'),
    projectId,
    d.dataDir,
    d.labelsFile,
    d.preprocess ? JSON.stringify(d.preprocess) : null,
    d.kind,
    d.samples,
    d.labelled,
    nowIso(),
  );
}

/** The project's current dataset (the latest one set). */
export function currentDataset(db: Db, projectId: string): DatasetInfo | null {
  const r = db.prepare(`SELECT * FROM datasets WHERE project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(projectId) as Row | undefined;
  if (!r) return null;
  return {
    id: String(r.id),
    projectId,
    dataDir: String(r.data_dir),
    labelsFile: nullable<string>(r.labels_file),
    preprocess: jsonColumn(PreprocessFormSchema, r.preprocess_json, `dataset ${String(r.id)} preprocess_json`),
    kind: r.kind as DatasetInfo['kind'],
    samples: Number(r.samples),
    labelled: Number(r.labelled),
    createdAt: String(r.created_at),
  };
}
