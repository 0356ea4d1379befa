/**
 * Writes an output folder or file atomically: everything goes to a temporary sibling, which is
 * renamed into place only when complete, so a failure (a full disk above all) never leaves a
 * half-written output, and an existing output stays as it was.
 */
import fs from 'node:fs';
import path from 'node:path';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** A full disk or quota while writing `target`, said as such (the caller has removed its temporary files). */
export class DiskFullError extends Error {
  constructor(target: string, cause: unknown) {
    super(
      `no space left on device while writing ${target}: nothing was written${fs.existsSync(target) ? ` (the existing ${path.basename(target)} is unchanged)` : ''}; free some space and try again`,
      { cause },
    );
    this.name = 'DiskFullError';
  }
}

export function isDiskFull(e: unknown): boolean {
  return FULL.has((e as NodeJS.ErrnoException)?.code ?? '');
}

function rethrow(e: unknown, target: string): never {
  throw isDiskFull(e) ? new DiskFullError(target, e) : e;
}

export async function writeDirAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  let tmp: string;
  try {
    fs.mkdirSync(parent, { recursive: true });
    tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(abs)}.tmp-`));
  } catch (e) {
    rethrow(e, abs);
  }
  try {
    await fill(tmp);
    if (fs.existsSync(abs)) {
      const old = `${tmp}.old`;
      fs.renameSync(abs, old);
      try {
        fs.renameSync(tmp, abs);
      } catch (e) {
        fs.renameSync(old, abs); // put the previous output back
        throw e;
      }
      fs.rmSync(old, { recursive: true, force: true });
    } else fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    rethrow(e, abs);
  }
}

/** `fsync`: flush the data before the rename (a crash then leaves the old file or the new one). */
export function writeFileAtomically(file: string, data: string | Uint8Array, o: { fsync?: boolean; mode?: number } = {}): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w', o.mode ?? 0o666);
    try {
      fs.writeFileSync(fd, data);
      if (o.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    rethrow(e, file);
  }
}
