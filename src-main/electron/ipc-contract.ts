/**
 * The typed contract between the Electron main process, the preload script and the renderer.
 * Types and constants only: no runtime imports, so main, preload and renderer can all import it
 * (the renderer with `import type`).
 */
import type { ApiErrorPayload, ApiMethod, ApiParams, ApiResults } from '../contract/app-api.js';
import type { AppEvent } from '../contract/app-types.js';

/** IPC channel names (ipcRenderer.invoke ↔ ipcMain.handle, and main → renderer events). */
export const IPC = {
  version: 'easyquant:version',
  call: 'easyquant:call',
  event: 'easyquant:event',
  openDialog: 'easyquant:open-dialog',
  saveDialog: 'easyquant:save-dialog',
} as const;

export type IpcChannel = (typeof IPC)[keyof typeof IPC];

export interface VersionInfo {
  /** EasyQuant Studio version (package.json). */
  app: string;
  electron: string;
  chrome: string;
  node: string;
  platform: string;
  arch: string;
}

/** What an `easyquant:call` invoke resolves to (errors are values, never thrown across IPC). */
export type IpcCallResult<M extends ApiMethod = ApiMethod> = { ok: true; result: ApiResults[M] } | { ok: false; error: ApiErrorPayload };

/** The object the preload script exposes as `window.easyquant`. */
export interface EasyQuantApi {
  version(): Promise<VersionInfo>;
  call<M extends ApiMethod>(method: M, params: ApiParams[M]): Promise<IpcCallResult<M>>;
  /** subscribe to service events; returns the unsubscribe function */
  onEvent(listener: (e: AppEvent) => void): () => void;
  /** native open dialog for a model, a card or a data folder; null when cancelled */
  pickPath(req: OpenDialogRequest): Promise<DialogResult>;
  /** native save dialog, then the export file (or the run folder as a zip) is written there */
  saveDownload(req: SaveDialogRequest): Promise<DialogResult>;
}

export interface OpenDialogRequest {
  kind: 'model' | 'card' | 'data';
}

export type SaveDialogRequest = { projectId: string; exportId: string } | { runId: string };

/** path: what was chosen (or written); null when the user cancelled */
export type DialogResult = { ok: true; path: string | null } | { ok: false; error: ApiErrorPayload };

/** Name of the global the API is exposed under (`window.easyquant`). */
export const API_KEY = 'easyquant';
