/**
 * The typed contract between the Electron main process, the preload script and the renderer.
 * Types and constants only: no runtime imports, so main, preload and renderer can all import it
 * (the renderer with `import type`).
 */

/** IPC channel names (ipcRenderer.invoke ↔ ipcMain.handle). */
export const IPC = {
  version: 'easyquant:version',
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

/** The object the preload script exposes as `window.easyquant`. */
export interface EasyQuantApi {
  version(): Promise<VersionInfo>;
}

/** Name of the global the API is exposed under (`window.easyquant`). */
export const API_KEY = 'easyquant';
