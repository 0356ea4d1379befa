/** Where the projects database and artifact folders live: EQ_DATA_DIR, default ~/.easyquant-studio. */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(): string {
  return process.env['EQ_DATA_DIR'] ?? path.join(os.homedir(), '.easyquant-studio');
}

/** The SQLite database inside a data folder. */
export function databaseFile(dataRoot: string): string {
  return path.join(dataRoot, 'easyquant.db');
}
