/**
 * The Electron IPC adapter of the app service, without importing electron (so it is unit
 * tested in Node): every `easyquant:call` is checked for a trusted sender, its size, its
 * envelope and parameters (zod), and any failure comes back as a value — a malformed or
 * oversized payload can neither crash the main process nor reach the service.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { DispatchResult } from '../app/dispatch.js';
import { writeZip, type ZipSource } from '../app/zip-folder.js';
import { IPC, type VersionInfo } from './ipc-contract.js';

const Envelope = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();

/** Largest call payload accepted (the web server's WebSocket frame limit). */
export const IPC_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export type SenderCheck = (event: unknown) => void;

/**
 * Approximate size of a structured-clone value (strings, binary data, keys), walking at most
 * until `limit` is passed; shared references and cycles count once.
 */
export function payloadSize(value: unknown, limit: number): number {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  let n = 0;
  while (stack.length && n <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length * 2;
    else if (typeof v !== 'object' || v === null) n += 8;
    else if (seen.has(v)) continue;
    else {
      seen.add(v);
      if (ArrayBuffer.isView(v)) n += v.byteLength;
      else if (v instanceof ArrayBuffer) n += v.byteLength;
      else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
      else if (v instanceof Set) for (const x of v) stack.push(x);
      else {
        for (const k of Object.keys(v)) {
          n += k.length * 2 + 8;
          stack.push((v as Record<string, unknown>)[k]);
          if (n > limit) break;
        }
      }
    }
  }
  return n;
}

export function createIpcCallHandler(
  dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>,
  assertTrustedSender: SenderCheck,
  maxPayloadBytes = IPC_MAX_PAYLOAD_BYTES,
): (event: unknown, payload: unknown) => Promise<DispatchResult> {
  return async (event, payload) => {
    try {
      assertTrustedSender(event);
    } catch (e) {
      return { ok: false, error: { code: 'bad_request', message: (e as Error).message } };
    }
    if (payloadSize(payload, maxPayloadBytes) > maxPayloadBytes) {
      return {
        ok: false,
        error: { code: 'bad_request', message: `IPC payload too large: more than ${maxPayloadBytes / 1024 / 1024} MiB (file contents are passed by path, not sent)` },
      };
    }
    const env = Envelope.safeParse(payload);
    if (!env.success) {
      const issues = env.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'bad_request', message: `malformed IPC payload: ${issues}` } };
    }
    try {
      return await dispatch(env.data.method, env.data.params);
    } catch (e) {
      // dispatch answers errors as values; this is the last guard for the main process
      return { ok: false, error: { code: 'internal', message: String((e as Error)?.message ?? e).split('\n')[0]! } };
    }
  };
}

/** The part of Electron's `dialog` the handlers use (the real one takes the window first). */
export interface DialogLike {
  showOpenDialog(
    event: unknown,
    o: { title: string; properties: ('openFile' | 'openDirectory')[]; filters?: { name: string; extensions: string[] }[] },
  ): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(event: unknown, o: { title: string; defaultPath: string }): Promise<{ canceled: boolean; filePath?: string }>;
}

/** The downloads the save dialog writes (AppService's, the web server's routes use them too). */
export interface DownloadSource {
  exportDownload(projectId: string, exportId: string): { file: string; name: string };
  runDownload(runId: string): { name: string; sources: ZipSource[] };
}

const OpenRequest = z.object({ kind: z.enum(['model', 'card', 'data']) }).strict();
const SaveRequest = z.union([
  z.object({ projectId: z.string().min(1).max(100), exportId: z.string().min(1).max(100) }).strict(),
  z.object({ runId: z.string().min(1).max(100) }).strict(),
]);

const OPEN: Record<'model' | 'card' | 'data', Parameters<DialogLike['showOpenDialog']>[1]> = {
  model: { title: 'Choose an ONNX model', properties: ['openFile'], filters: [{ name: 'Models', extensions: ['onnx', 'tflite'] }] },
  card: { title: 'Choose a model card', properties: ['openFile'], filters: [{ name: 'Model card', extensions: ['json'] }] },
  data: { title: 'Choose a data folder', properties: ['openDirectory'] },
};

type DialogResult = { ok: true; path: string | null } | { ok: false; error: DispatchError };
type DispatchError = Extract<DispatchResult, { ok: false }>['error'];

/** Writes to a temporary name beside `target`, then renames: a failed copy leaves no partial file. */
async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.${process.pid}.${Date.now()}.part`;
  try {
    await write(tmp);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** IPC handlers of the native open and save dialogs: trusted sender, validated request, errors as values. */
export function createDialogHandlers(dialog: DialogLike, assertTrustedSender: SenderCheck, files: DownloadSource) {
  const guard = async (event: unknown, run: () => Promise<string | null>): Promise<DialogResult> => {
    try {
      assertTrustedSender(event);
    } catch (e) {
      return { ok: false, error: { code: 'bad_request', message: (e as Error).message } };
    }
    try {
      return { ok: true, path: await run() };
    } catch (e) {
      const err = e as Error;
      const code = err.name === 'UserError' || err.name === 'StoreError' || err.name === 'ZodError' ? 'user_error' : 'internal';
      return { ok: false, error: { code, message: err.name === 'ZodError' ? `malformed dialog request: ${err.message}` : err.message } };
    }
  };
  return {
    open: (event: unknown, payload: unknown) =>
      guard(event, async () => {
        const { kind } = OpenRequest.parse(payload);
        const r = await dialog.showOpenDialog(event, OPEN[kind]);
        return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0]!;
      }),
    save: (event: unknown, payload: unknown) =>
      guard(event, async () => {
        const req = SaveRequest.parse(payload);
        const src = 'runId' in req ? { kind: 'zip' as const, ...files.runDownload(req.runId) } : { kind: 'file' as const, ...files.exportDownload(req.projectId, req.exportId) };
        const r = await dialog.showSaveDialog(event, { title: 'Save as', defaultPath: src.name });
        if (r.canceled || !r.filePath) return null;
        const target = r.filePath;
        await writeAtomically(target, async (tmp) => {
          if (src.kind === 'file') fs.copyFileSync(src.file, tmp);
          else {
            // opened here, so a folder that cannot be written to fails at once, as an error value
            const out = fs.createWriteStream(tmp, { fd: fs.openSync(tmp, 'wx') });
            const failed = new Promise<never>((_, reject) => out.once('error', reject));
            await Promise.race([writeZip(src.sources, out), failed]);
            await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
          }
        });
        return target;
      }),
  };
}

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown): void;
}

/** Registers the call and version channels (the dialog channels: createDialogHandlers); unknown channels have no handler. */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  deps: { dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>; assertTrustedSender: SenderCheck; version: () => VersionInfo },
): void {
  const call = createIpcCallHandler(deps.dispatch, deps.assertTrustedSender);
  ipcMain.handle(IPC.call, (event: unknown, payload: unknown) => call(event, payload));
  ipcMain.handle(IPC.version, (event: unknown) => {
    deps.assertTrustedSender(event);
    return deps.version();
  });
}
