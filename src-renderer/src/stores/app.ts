import { defineStore } from 'pinia';
import type { VersionInfo } from '../../../src-main/electron/ipc-contract';

/** App-wide state: which host we run in (Electron shell or web mode) and its versions. */
export const useAppStore = defineStore('app', {
  state: () => ({
    mode: (window.easyquant ? 'desktop' : 'web') as 'desktop' | 'web',
    version: null as VersionInfo | null,
    error: null as string | null,
  }),
  actions: {
    async loadVersion(): Promise<void> {
      if (!window.easyquant) return;
      try {
        this.version = await window.easyquant.version();
      } catch (e) {
        this.error = e instanceof Error ? e.message : String(e);
      }
    },
  },
});
