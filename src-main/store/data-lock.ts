/**
 * One writer per data folder: the process that opens the project store for writing holds
 * `<data folder>/easyquant.lock` (its pid). The store's crash recovery marks 'running' runs
 * interrupted and removes `.tmp-` folders, which is only right when no other process owns them,
 * so a second app or server on the same folder is refused while the holder lives. A lock left
 * by a dead process is taken over. Within one process the lock is shared (counted).
 *
 * The CLI's device commands (app/device-registry.ts) open the database without recovery
 * and take no lock, so they keep working while a server runs.
 */
import fs from 'node:fs';
import path from 'node:path';

export class DataLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataLockError';
  }
}

export const lockFileOf = (root: string): string => path.join(path.resolve(root), 'easyquant.lock');

/** lock file → how many stores of this process hold it */
const held = new Map<string, number>();
let exitHook = false;

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Creates the lock file with our pid in one step (link of a written temp file: never empty). */
function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataLockError(`cannot create the lock file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Moves a stale lock (of `stalePid`) aside; puts it back if it turned out to be a fresh one. */
function removeStale(file: string, stalePid: number | null): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already: someone else took it over
  }
  if (readPid(aside) !== stalePid) {
    // another process replaced the stale lock meanwhile: that lock is live, restore it
    try {
      fs.linkSync(aside, file);
    } catch {
      /* a third one holds it now */
    }
  }
  fs.rmSync(aside, { force: true });
}

function release(file: string): void {
  const n = held.get(file) ?? 0;
  if (n > 1) {
    held.set(file, n - 1);
    return;
  }
  held.delete(file);
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
}

/**
 * Takes the data folder's lock (the folder must exist); returns its release function (safe to
 * call twice). Throws DataLockError naming the folder and the holder's pid if a live process
 * holds it.
 */
export function acquireDataLock(root: string): () => void {
  const file = lockFileOf(root);
  let released = false;
  const done = () => {
    if (!released) {
      released = true;
      release(file);
    }
  };
  const n = held.get(file);
  if (n) {
    held.set(file, n + 1);
    return done;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file)) {
      held.set(file, 1);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const f of held.keys()) if (readPid(f) === process.pid) fs.rmSync(f, { force: true });
        });
      }
      return done;
    }
    const pid = readPid(file);
    if (pid !== null && pid !== process.pid && alive(pid)) {
      throw new DataLockError(
        `data folder ${path.resolve(root)} is in use by another EasyQuant Studio process (pid ${pid}); ` +
          `stop that one or choose another data folder (--data-dir or EQ_DATA_DIR). If no such process is running, delete ${file}`,
      );
    }
    removeStale(file, pid); // dead holder, unreadable file, or a reused pid of ours from an earlier life
  }
  throw new DataLockError(`could not take the lock ${file}: other processes keep replacing it`);
}
