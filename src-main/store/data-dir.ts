/** Where the projects database and artifact folders live: EQ_DATA_DIR, default ~/.easyquant-studio. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(): string {
  return process.env['EQ_DATA_DIR'] ?? path.join(os.homedir(), '.easyquant-studio');
}

/** The SQLite database inside a data folder. */
export function databaseFile(dataRoot: string): string {
  return path.join(dataRoot, 'easyquant.db');
}

/**
 * Creates a data folder readable by its owner only (0700, whatever the umask). A folder that
 * already exists is left as it is (it may be one the user chose for other things too).
 */
export function makePrivateDir(dir: string): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) fs.chmodSync(dir, 0o700);
}
