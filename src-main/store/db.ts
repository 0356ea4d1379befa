/**
 * Opens the SQLite database (better-sqlite3) and brings its schema up to date.
 * WAL journal + synchronous=NORMAL: a crash loses at most the last transaction, never
 * leaves a half-applied one.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { makePrivateDir } from './data-dir.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

/**
 * The database file and its -wal/-shm companions are the owner's only (0600, whatever the
 * umask): the file is made 0600 before SQLite opens it, and SQLite gives the WAL and shared
 * memory files the database file's mode.
 */
function makePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
}

export function openDatabase(file: string, migrations: Migration[] = MIGRATIONS): Db {
  if (file !== ':memory:') {
    makePrivateDir(path.dirname(path.resolve(file)));
    makePrivateFile(file);
  }
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** Applies every migration newer than PRAGMA user_version, each in its own transaction. */
export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new Error(`project database schema version ${current} is newer than this app understands (${latest}); update EasyQuant Studio`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      apply();
    } catch (e) {
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
    }
  }
  return db.pragma('user_version', { simple: true }) as number;
}
