/**
 * The `device_results` table: what profiling measured on a board, one row per board × model
 * variant (model sha256, bits, method), with the bench and accuracy reports or the error.
 * Written by `easyquant profile` and by the app's Deploy page (rows linked to the app's
 * profile), read by `easyquant results` and the app (ProjectStore). Works on an open database
 * handle and touches no other table, like device-table.ts.
 *
 * Earlier versions appended these records to `<deploy home>/results.jsonl`; that file is
 * imported once per database (remembered in `legacy_imports`; the file itself is left alone).
 */
import type { DeviceResultInfo, ResultSource } from '../contract/device-result.js';

export type { DeviceResultInfo, ResultSource };
import fs from 'node:fs';
import { StoredAccuracySchema, StoredBenchSchema, type StoredAccuracy, type StoredBench } from '../contract/bench-report.js';
import path from 'node:path';
import type { Db } from './db.js';
import { newId, nowIso } from './ids.js';

export interface ResultKey {
  device: string;
  modelSha256: string;
  bits: number | null;
  method: string | null;
}

/** One variant on one board, as the deploy module reports it. */
export interface ResultRecord extends ResultKey {
  at: string;
  label?: string;
  machine?: string;
  isa?: string;
  bench?: StoredBench;
  accuracy?: StoredAccuracy;
  error?: string;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function insertResult(db: Db, r: ResultRecord, source: ResultSource, profileId: string | null = null): string {
  const id = newId('dr');
  const body = { label: r.label, bench: r.bench, accuracy: r.accuracy };
  db.prepare(
    `INSERT INTO device_results (id, device_name, model_sha256, bits, method, machine, isa, result_json, error, source, profile_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, r.device, r.modelSha256, r.bits, r.method, r.machine ?? null, r.isa ?? null, JSON.stringify(body), r.error ?? null, source, profileId, r.at || nowIso());
  return id;
}

function toInfo(r: Row): DeviceResultInfo {
  const body = (typeof r.result_json === 'string' ? JSON.parse(r.result_json) : {}) as { label?: unknown; bench?: unknown; accuracy?: unknown };
  // a report whose present fields have the wrong type is left out (the row still lists)
  const bench = StoredBenchSchema.safeParse(body.bench);
  const accuracy = StoredAccuracySchema.safeParse(body.accuracy);
  return {
    id: String(r.id),
    device: String(r.device_name),
    modelSha256: String(r.model_sha256),
    bits: typeof r.bits === 'number' ? r.bits : null,
    method: str(r.method),
    label: str(body.label),
    machine: str(r.machine),
    isa: str(r.isa),
    bench: bench.success ? bench.data : null,
    accuracy: accuracy.success ? accuracy.data : null,
    error: str(r.error),
    source: r.source as ResultSource,
    profileId: str(r.profile_id),
    at: String(r.created_at),
  };
}

/** Rows matching every given key field, oldest first. */
export function queryResults(db: Db, k: Partial<ResultKey> = {}): DeviceResultInfo[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const col = { device: 'device_name', modelSha256: 'model_sha256', bits: 'bits', method: 'method' } as const;
  for (const f of Object.keys(col) as (keyof ResultKey)[]) {
    const v = k[f];
    if (v === undefined) continue;
    where.push(v === null ? `${col[f]} IS NULL` : `${col[f]} = ?`);
    if (v !== null) args.push(v);
  }
  const sql = `SELECT * FROM device_results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid`;
  return (db.prepare(sql).all(...args) as Row[]).map(toInfo);
}

function parseLine(line: string): ResultRecord | null {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return null;
  }
  if (!r || typeof r !== 'object') return null;
  const o = r as Record<string, unknown>;
  const nullableNum = o.bits === undefined || o.bits === null || typeof o.bits === 'number';
  const nullableStr = o.method === undefined || o.method === null || typeof o.method === 'string';
  if (typeof o.device !== 'string' || typeof o.modelSha256 !== 'string' || typeof o.at !== 'string' || !nullableNum || !nullableStr) return null;
  return {
    device: o.device,
    modelSha256: o.modelSha256,
    bits: (o.bits as number | undefined) ?? null,
    method: (o.method as string | undefined) ?? null,
    at: o.at,
    machine: str(o.machine) ?? undefined,
    isa: str(o.isa) ?? undefined,
    bench: StoredBenchSchema.safeParse(o.bench).data,
    accuracy: StoredAccuracySchema.safeParse(o.accuracy).data,
    error: str(o.error) ?? undefined,
  };
}

/**
 * Imports an old results.jsonl once (one transaction, remembered by its absolute path).
 * Lines that do not parse as a result record (e.g. cut by a crash) are skipped and counted.
 * null: no such file, or already imported into this database.
 */
export function importResultsJsonl(db: Db, file: string): { imported: number; skipped: number } | null {
  const key = `results.jsonl:${path.resolve(file)}`;
  if (!fs.existsSync(file) || db.prepare(`SELECT 1 FROM legacy_imports WHERE source = ?`).get(key)) return null;
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  let imported = 0;
  db.transaction(() => {
    for (const line of lines) {
      const r = parseLine(line);
      if (!r) continue;
      insertResult(db, r, 'import');
      imported++;
    }
    db.prepare(`INSERT INTO legacy_imports (source, imported, skipped, at) VALUES (?, ?, ?, ?)`).run(key, imported, lines.length - imported, nowIso());
  })();
  return { imported, skipped: lines.length - imported };
}
