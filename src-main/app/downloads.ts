/**
 * What the web server's download routes send: one export file (by its id, never by a client
 * path) or a run's folder with its exports as a zip, with a file name for Content-Disposition.
 * Files must resolve inside the data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectStore } from '../store/project-store.js';
import { UserError } from './user-error.js';
import type { ZipSource } from './zip-folder.js';

function inside(root: string, file: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  const r = fs.realpathSync(root);
  return real.startsWith(r + path.sep);
}

/** A safe file name: letters, digits, '.', '-', '_' (the rest becomes '_'). */
export const safeName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120) || 'download';

export function exportDownload(store: ProjectStore, projectId: string, exportId: string): { file: string; name: string } {
  const x = store.listExports(projectId).find((e) => e.id === exportId);
  if (!x) throw new UserError(`project ${projectId} has no export with id ${exportId}`);
  if (!fs.existsSync(x.path) || !fs.statSync(x.path).isFile()) throw new UserError(`the exported file is gone: ${x.path} (export the run again)`);
  if (!inside(store.root, x.path)) throw new UserError(`the exported file ${x.path} is outside the data folder`);
  return { file: x.path, name: safeName(path.basename(x.path)) };
}

export function runDownload(store: ProjectStore, runId: string): { name: string; sources: ZipSource[] } {
  const run = store.getRun(runId);
  const project = store.getProject(run.projectId);
  const sources: ZipSource[] = [];
  if (fs.existsSync(run.artifactDir) && inside(store.root, run.artifactDir)) sources.push({ dir: run.artifactDir, prefix: 'run' });
  const ex = store.exportDir(run.projectId, runId);
  if (fs.existsSync(ex) && inside(store.root, ex)) sources.push({ dir: ex, prefix: 'exports' });
  if (sources.length === 0) throw new UserError(`run ${run.label} has no files in the data folder`);
  return { name: safeName(`${project.name}-${run.label}-${run.id}`) + '.zip', sources };
}
