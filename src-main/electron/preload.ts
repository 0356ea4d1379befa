/**
 * Preload script (sandboxed: only `electron`'s contextBridge/ipcRenderer are available).
 * Exposes one small, typed, promise-based API as `window.easyquant`; no raw ipcRenderer access.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppEvent } from '../contract/app-types.js';
import { API_KEY, IPC, type EasyQuantApi, type VersionInfo } from './ipc-contract.js';

const api: EasyQuantApi = {
  version: () => ipcRenderer.invoke(IPC.version) as Promise<VersionInfo>,
  call: (method, params) => ipcRenderer.invoke(IPC.call, { method, params }),
  onEvent: (listener) => {
    const wrapped = (_e: IpcRendererEvent, ev: AppEvent) => listener(ev);
    ipcRenderer.on(IPC.event, wrapped);
    return () => {
      ipcRenderer.off(IPC.event, wrapped);
    };
  },
  pickPath: (req) => ipcRenderer.invoke(IPC.openDialog, req),
  saveDownload: (req) => ipcRenderer.invoke(IPC.saveDialog, req),
};

contextBridge.exposeInMainWorld(API_KEY, api);
