/**
 * The CLI's handle on the `device_results` table (store/device-results-table.ts), the same
 * rows the app shows: `easyquant profile` adds to it, `easyquant results` lists it. Opening it
 * imports an old `<old deploy home>/results.jsonl` once.
 */
import path from 'node:path';
import { databaseFile, defaultDataDir } from '../store/data-dir.js';
import { openDatabase, type Db } from '../store/db.js';
import { legacyDeployHome } from '../store/deploy-home.js';
import * as table from '../store/device-results-table.js';

export class DeviceResultStore {
  private readonly db: Db;
  /** what opening imported from an old results.jsonl (null: nothing to import) */
  readonly imported: { file: string; imported: number; skipped: number } | null;

  constructor(dataRoot = defaultDataDir(), legacyHome = legacyDeployHome()) {
    this.db = openDatabase(databaseFile(dataRoot));
    const file = path.join(legacyHome, 'results.jsonl');
    const r = table.importResultsJsonl(this.db, file);
    this.imported = r && { file, ...r };
  }

  close(): void {
    this.db.close();
  }

  add(r: table.ResultRecord, source: table.ResultSource = 'cli'): void {
    table.insertResult(this.db, r, source);
  }

  /** Records matching every given key field, oldest first. */
  query(k: Partial<table.ResultKey> = {}): table.DeviceResultInfo[] {
    return table.queryResults(this.db, k);
  }
}

/** The one-line note the CLI prints after an import. */
export function importNote(i: NonNullable<DeviceResultStore['imported']>): string {
  return `imported ${i.imported} profile result(s) from ${i.file} into the data folder${i.skipped ? ` (${i.skipped} unreadable line(s) skipped)` : ''}`;
}
