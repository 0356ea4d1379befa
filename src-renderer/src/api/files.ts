/**
 * Files in both modes: uploads and downloads over the web server's file routes (web mode), or
 * the native open/save dialogs through the preload (desktop). Pages call these, never fetch.
 */
import type { UploadResult } from '../../../src-main/contract/app-types';
import { ApiError } from './client';

export const isDesktop = (): boolean => !!window.easyquant;

function tokenHeader(): Record<string, string> {
  const t = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('eq-token');
  return t ? { 'x-easyquant-token': t } : {};
}

async function failure(r: Response): Promise<ApiError> {
  try {
    const body = (await r.json()) as { error?: { code: string; message: string } };
    return new ApiError(body.error?.code ?? 'internal', body.error?.message ?? `HTTP ${r.status}`);
  } catch {
    return new ApiError('internal', `the upload failed (HTTP ${r.status})`);
  }
}

export interface UploadItem {
  file: File;
  /** path inside the upload (a dropped folder keeps its sub-folders) */
  rel: string;
}

const newBatch = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

/** Sends the files one request each, then commits them as one upload folder. */
export async function uploadFiles(items: UploadItem[], onProgress: (done: number, total: number) => void = () => {}): Promise<UploadResult> {
  if (items.length === 0) throw new ApiError('bad_request', 'no files to upload');
  const batch = newBatch();
  const total = items.reduce((a, i) => a + i.file.size, 0);
  let done = 0;
  for (const it of items) {
    const r = await fetch(`/api/upload?batch=${batch}&path=${encodeURIComponent(it.rel)}`, { method: 'POST', headers: tokenHeader(), body: it.file });
    if (!r.ok) throw await failure(r);
    done += it.file.size;
    onProgress(done, total);
  }
  const c = await fetch(`/api/upload/commit?batch=${batch}`, { method: 'POST', headers: tokenHeader() });
  if (!c.ok) throw await failure(c);
  return ((await c.json()) as { result: UploadResult }).result;
}

/** Files of a drop: folders are walked (webkitGetAsEntry), so a dropped data folder keeps its layout. */
export async function droppedItems(dt: DataTransfer): Promise<UploadItem[]> {
  const out: UploadItem[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, rel: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = Array.from(dt.items, (i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length) for (const e of entries) await walk(e, '');
  else for (const f of Array.from(dt.files)) out.push({ file: f, rel: f.name });
  return out;
}

/** Files of an <input type=file> (webkitRelativePath when a folder was chosen). */
export const inputItems = (files: FileList): UploadItem[] => Array.from(files, (f) => ({ file: f, rel: f.webkitRelativePath || f.name }));

export type DownloadTarget = { projectId: string; exportId: string } | { runId: string };

/** Web mode: the URL of the download (the page's cookie carries the token). */
export function downloadUrl(t: DownloadTarget): string {
  return 'runId' in t
    ? `/api/download/run?runId=${encodeURIComponent(t.runId)}`
    : `/api/download/export?projectId=${encodeURIComponent(t.projectId)}&exportId=${encodeURIComponent(t.exportId)}`;
}

/** Desktop: the native save dialog; resolves with the written path (null when cancelled). */
export async function saveNative(t: DownloadTarget): Promise<string | null> {
  const r = await window.easyquant!.saveDownload(t);
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.path;
}

/** Desktop: the native open dialog; resolves with the chosen path (null when cancelled). */
export async function pickNative(kind: 'model' | 'card' | 'data'): Promise<string | null> {
  const r = await window.easyquant!.pickPath({ kind });
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.path;
}
