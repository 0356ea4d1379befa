/**
 * Unpacks an uploaded .zip (yauzl) or .tar/.tar.gz (node-tar) into an empty folder. Only plain
 * files and folders are written: links, absolute paths and `..` entries are refused with the
 * entry's name, and the unpacked total is capped (a zip bomb ends with a clear error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { UserError } from './user-error.js';

export const ARCHIVE_RE = /\.(zip|tar|tgz|tar\.gz)$/i;
const MAX_ENTRIES = 200_000;

/** The entry's path below `dest`, or a UserError when it is absolute, climbs out, or is odd. */
function entryTarget(dest: string, name: string, archive: string): string {
  const clean = name.replace(/\\/g, '/');
  if (clean.includes('\0') || clean.startsWith('/') || /^[a-zA-Z]:/.test(clean) || clean.split('/').includes('..')) {
    throw new UserError(`${archive}: entry '${name}' points outside the folder it unpacks to`);
  }
  return path.join(dest, clean);
}

async function unzip(file: string, dest: string, maxBytes: number): Promise<void> {
  const name = path.basename(file);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true, autoClose: true }, (e, z) =>
      e ? reject(new UserError(`${name} is not a readable zip file: ${e.message}`)) : resolve(z),
    ),
  );
  let total = 0;
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      zip.close();
      reject(e instanceof UserError ? e : new UserError(`${name}: ${e.message}`));
    };
    zip.on('error', fail);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        if (++count > MAX_ENTRIES) throw new UserError(`${name} has more than ${MAX_ENTRIES} entries`);
        const target = entryTarget(dest, entry.fileName, name);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (mode === 0o120000) throw new UserError(`${name}: entry '${entry.fileName}' is a symbolic link; links are not unpacked`);
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          return;
        }
        total += entry.uncompressedSize;
        if (total > maxBytes) throw new UserError(`${name} unpacks to more than ${Math.round(maxBytes / 2 ** 20)} MiB`);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const rs = await new Promise<NodeJS.ReadableStream>((res, rej) => zip.openReadStream(entry, (e, s) => (e ? rej(e) : res(s))));
        await pipeline(rs, fs.createWriteStream(target, { flags: 'wx' }));
      })().then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

async function untar(file: string, dest: string, maxBytes: number): Promise<void> {
  const name = path.basename(file);
  let total = 0;
  let count = 0;
  let bad: UserError | undefined;
  // first pass: check every entry before anything is written
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (e) => {
        if (bad) return;
        try {
          if (++count > MAX_ENTRIES) throw new UserError(`${name} has more than ${MAX_ENTRIES} entries`);
          entryTarget(dest, e.path, name);
          if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile' && e.type !== 'Directory') {
            throw new UserError(`${name}: entry '${e.path}' is a ${e.type}; only files and folders are unpacked`);
          }
          total += e.size ?? 0;
          if (total > maxBytes) throw new UserError(`${name} unpacks to more than ${Math.round(maxBytes / 2 ** 20)} MiB`);
        } catch (err) {
          bad = err as UserError;
        }
      },
    });
  } catch (e) {
    throw new UserError(`${name} is not a readable tar archive: ${(e as Error).message}`);
  }
  if (bad) throw bad;
  if (count === 0) throw new UserError(`${name} is not a tar archive (no entries found)`);
  await tar.x({
    file,
    cwd: dest,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    filter: (_p, e) => 'type' in e && (e.type === 'File' || e.type === 'OldFile' || e.type === 'ContiguousFile' || e.type === 'Directory'),
  });
}

/** Unpacks `file` into `dest` (created, must not exist). */
export async function extractArchive(file: string, dest: string, maxBytes: number): Promise<void> {
  fs.mkdirSync(dest);
  if (/\.zip$/i.test(file)) await unzip(file, dest, maxBytes);
  else await untar(file, dest, maxBytes);
}
