/**
 * Preload script (sandboxed: only `electron`'s contextBridge/ipcRenderer are available).
 * Exposes a small, typed, promise-based API as `window.easyquant`; no raw ipcRenderer access.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { API_KEY, IPC, type EasyQuantApi, type VersionInfo } from './ipc-contract.js';

const api: EasyQuantApi = {
  version: () => ipcRenderer.invoke(IPC.version) as Promise<VersionInfo>,
};

contextBridge.exposeInMainWorld(API_KEY, api);
