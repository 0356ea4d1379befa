/**
 * The folders the web-mode file picker may show: the user's home, the app's data folder, and
 * any listed in EQ_FILE_ROOTS (path-delimited). A path is inside a root only after resolving
 * symlinks, so neither `..` nor a link pointing outside lets a client escape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from './user-error.js';

export interface FileRoot {
  label: string;
  path: string;
}

export function fileRoots(dataRoot: string, env: NodeJS.ProcessEnv = process.env): FileRoot[] {
  const list: FileRoot[] = [
    { label: 'Home', path: os.homedir() },
    { label: 'Data folder', path: dataRoot },
  ];
  for (const p of (env['EQ_FILE_ROOTS'] ?? '').split(path.delimiter)) if (p.trim()) list.push({ label: path.basename(p) || p, path: p.trim() });
  const out: FileRoot[] = [];
  for (const r of list) {
    let real: string;
    try {
      real = fs.realpathSync(r.path);
    } catch {
      continue; // a root that does not exist (yet) is not offered
    }
    if (!out.some((o) => o.path === real)) out.push({ label: r.label, path: real });
  }
  return out;
}

const within = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** The real path of `p` when it lies inside one of the roots; a UserError naming the path otherwise. */
export function resolveInRoots(roots: FileRoot[], p: string): string {
  if (p.includes('\0')) throw new UserError('a path may not contain NUL characters');
  if (!path.isAbsolute(p)) throw new UserError(`'${p}' is not an absolute path`);
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(p));
  } catch {
    throw new UserError(`not found: ${p}`);
  }
  if (!roots.some((r) => within(r.path, real))) {
    throw new UserError(`${p} is outside the folders the file picker may show (${roots.map((r) => r.path).join(', ')}); set EQ_FILE_ROOTS to add one`);
  }
  return real;
}

export function rootOf(roots: FileRoot[], real: string): FileRoot | undefined {
  return roots.find((r) => within(r.path, real));
}
