/**
 * Web mode's file routes, behind the same token and origin checks as the API:
 *   POST /api/upload?batch=<id>&path=<relative path>   one file of an upload batch (raw body, streamed)
 *   POST /api/upload/commit?batch=<id>                 the batch is complete: unpack, move into uploads/
 *   GET  /api/download/export?projectId=&exportId=     one export file
 *   GET  /api/download/run?runId=                      a run's folder and its exports as a zip
 */
import type http from 'node:http';
import type { UploadResult } from '../contract/app-types.js';
import { UploadAborted, UploadTooLarge } from '../app/uploads.js';
import { writeZip, type ZipSource } from '../app/zip-folder.js';
import fs from 'node:fs';

export interface FilesBackend {
  uploads: {
    limit: number;
    receive(batch: string, rel: string, body: http.IncomingMessage, declared?: number): Promise<number>;
    commit(batch: string): Promise<UploadResult>;
  };
  exportDownload(projectId: string, exportId: string): { file: string; name: string };
  runDownload(runId: string): { name: string; sources: ZipSource[] };
}

type Send = (res: http.ServerResponse, status: number, body: unknown) => void;

/** Error → status: a user's mistake 422 (unknown ids 404), too large 413, aborted 400, else 500. */
function statusOf(e: Error): { status: number; code: string } {
  if (e instanceof UploadTooLarge) return { status: 413, code: 'bad_request' };
  if (e instanceof UploadAborted) return { status: 400, code: 'bad_request' };
  if (e.name === 'StoreError' || /^project \S+ has no export/.test(e.message)) return { status: 404, code: 'user_error' };
  if (e.name === 'UserError') return { status: 422, code: 'user_error' };
  return { status: 500, code: 'internal' };
}

function disposition(name: string): string {
  return `attachment; filename="${name.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Handles the request when it is one of the file routes; false otherwise. */
export function handleFileRoute(req: http.IncomingMessage, res: http.ServerResponse, url: URL, files: FilesBackend, send: Send): boolean {
  const q = (k: string) => url.searchParams.get(k) ?? '';
  const fail = (e: Error) => {
    const { status, code } = statusOf(e);
    if (status === 500) process.stderr.write(`[easyquant] ${url.pathname} failed: ${e.stack ?? e.message}\n`);
    if (res.headersSent) res.destroy();
    else send(res, status, { error: { code, message: status === 500 ? e.message.split('\n')[0] : e.message } });
  };
  const method = (allowed: string): boolean => {
    if (req.method === allowed) return true;
    req.resume();
    res.writeHead(405, { allow: allowed }).end();
    return false;
  };
  switch (url.pathname) {
    case '/api/upload': {
      if (!method('POST')) return true;
      const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
      Promise.resolve()
        .then(() => files.uploads.receive(q('batch'), q('path'), req, declared))
        .then((bytes) => send(res, 200, { bytes }), fail);
      return true;
    }
    case '/api/upload/commit':
      if (!method('POST')) return true;
      req.resume();
      Promise.resolve()
        .then(() => files.uploads.commit(q('batch')))
        .then((r) => send(res, 200, { result: r }), fail);
      return true;
    case '/api/download/export': {
      if (!method('GET')) return true;
      let f: { file: string; name: string };
      try {
        f = files.exportDownload(q('projectId'), q('exportId'));
      } catch (e) {
        fail(e as Error);
        return true;
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(fs.statSync(f.file).size),
        'content-disposition': disposition(f.name),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      fs.createReadStream(f.file)
        .on('error', () => res.destroy())
        .pipe(res);
      return true;
    }
    case '/api/download/run': {
      if (!method('GET')) return true;
      let z: { name: string; sources: ZipSource[] };
      try {
        z = files.runDownload(q('runId'));
      } catch (e) {
        fail(e as Error);
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': disposition(z.name), 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      writeZip(z.sources, res).then(
        () => res.end(),
        (e: Error) => {
          process.stderr.write(`[easyquant] zip download failed: ${e.message}\n`);
          res.destroy();
        },
      );
      return true;
    }
    default:
      return false;
  }
}
