/**
 * Makes sure the web build of the renderer (out/renderer) exists and is not older than its
 * sources; builds it with Vite (src-renderer/vite.config.ts) when needed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_OUT = path.join(PROJECT_ROOT, 'out', 'renderer');
const RENDERER_SRC = path.join(PROJECT_ROOT, 'src-renderer');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

export function rendererIsStale(): boolean {
  const index = path.join(RENDERER_OUT, 'index.html');
  if (!fs.existsSync(index)) return true;
  if (!fs.existsSync(RENDERER_SRC)) return false; // packaged: sources are not shipped
  return newestMtime(RENDERER_SRC) > fs.statSync(index).mtimeMs;
}

/** Builds out/renderer if it is missing or stale (or always with force). Returns true if it built. */
export function ensureRendererBuilt(opts: { force?: boolean; quiet?: boolean } = {}): boolean {
  if (!opts.force && !rendererIsStale()) return false;
  const started = new Date();
  const require = createRequire(path.join(PROJECT_ROOT, 'package.json'));
  const viteBin = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [viteBin, 'build', '--config', path.join(RENDERER_SRC, 'vite.config.ts'), '--logLevel', opts.quiet ? 'error' : 'warn'], {
    cwd: PROJECT_ROOT,
    stdio: opts.quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit',
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the renderer failed (vite build exited with ${r.status})${r.stderr ? `: ${r.stderr.slice(-2000)}` : ''}`);
  // date the build by when it started: a source edited during the build makes it stale
  fs.utimesSync(path.join(RENDERER_OUT, 'index.html'), started, started);
  return true;
}
