/// <reference types="vite/client" />
import type { EasyQuantApi } from '../../src-main/electron/ipc-contract';

declare global {
  interface Window {
    /** Present in the Electron app (exposed by the preload script); absent in web mode. */
    easyquant?: EasyQuantApi;
  }
}
