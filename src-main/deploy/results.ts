/**
 * Profiling results as structured records, one JSON object per line in
 * <deploy home>/results.jsonl, keyed by device, model sha256, bits and method.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ResultKey {
  device: string;
  modelSha256: string;
  bits: number | null;
  method: string | null;
}

export interface ResultRecord extends ResultKey {
  at: string;
  machine?: string;
  isa?: string;
  bench?: unknown;
  accuracy?: unknown;
  error?: string;
}

export class ResultStore {
  readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'results.jsonl');
  }

  add(r: ResultRecord): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify(r)}\n`);
  }

  /** Records matching every given key field, oldest first. Unreadable lines are skipped. */
  query(k: Partial<ResultKey> = {}): ResultRecord[] {
    if (!fs.existsSync(this.file)) return [];
    const out: ResultRecord[] = [];
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as ResultRecord;
        if ((Object.keys(k) as (keyof ResultKey)[]).every((f) => k[f] === undefined || r[f] === k[f])) out.push(r);
      } catch {
        // a line cut by a crash: ignore it
      }
    }
    return out;
  }
}
