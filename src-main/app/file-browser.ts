/**
 * Lists one folder for the web-mode file picker: sub-folders (flagged when they hold images or
 * MNIST files, i.e. look like a data folder), models (.onnx, .tflite) and card.json files. Hidden
 * entries and anything that resolves outside the allowed roots are left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileEntry, FileListing } from '../contract/app-types.js';
import { resolveInRoots, rootOf, type FileRoot } from './file-roots.js';
import { UserError } from './user-error.js';

const MODEL_EXT = new Set(['.onnx', '.tflite']);
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);
/** entries shown per folder (a huge folder stays quick to list) */
const MAX_ENTRIES = 2000;

function looksLikeData(dir: string): boolean {
  let h: fs.Dir | undefined;
  try {
    h = fs.opendirSync(dir, { bufferSize: 64 });
    // the first 200 names are enough to tell
    for (let n = 0, e = h.readSync(); e && n < 200; n++, e = h.readSync()) {
      if (IMAGE_EXT.has(path.extname(e.name).toLowerCase()) || /-idx\d-ubyte$/.test(e.name)) return true;
    }
  } catch {
    return false;
  } finally {
    h?.closeSync();
  }
  return false;
}

export function listFolder(roots: FileRoot[], p?: string): FileListing {
  if (roots.length === 0) throw new UserError('no folder is available to browse (home and data folder are missing)');
  const dir = resolveInRoots(roots, p ?? roots[0]!.path);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a folder`);
  const root = rootOf(roots, dir)!;
  const entries: FileEntry[] = [];
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UserError(`cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const d of names.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entries.length >= MAX_ENTRIES) break;
    if (d.name.startsWith('.')) continue;
    const full = path.join(dir, d.name);
    let real: string;
    let st: fs.Stats;
    try {
      real = resolveInRoots(roots, full); // a symlink pointing outside the roots is not shown
      st = fs.statSync(real);
    } catch {
      continue;
    }
    if (st.isDirectory()) entries.push({ name: d.name, path: full, kind: 'dir', size: 0, dataFolder: looksLikeData(real) });
    else if (st.isFile()) {
      const ext = path.extname(d.name).toLowerCase();
      const kind = MODEL_EXT.has(ext) ? 'model' : d.name === 'card.json' ? 'card' : null;
      if (kind) entries.push({ name: d.name, path: full, kind, size: st.size });
    }
  }
  entries.sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir'));
  return { path: dir, parent: dir === root.path ? null : path.dirname(dir), roots, entries };
}
