/** A tiny typed event hub: the service emits, the IPC bridge and the web server forward. */
import type { AppEvent } from '../contract/app-types.js';

export type AppEventListener = (e: AppEvent) => void;

export class AppEvents {
  private readonly listeners = new Set<AppEventListener>();
  on(fn: AppEventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(e: AppEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        console.error(`[easyquant] event listener failed: ${(err as Error).message}`);
      }
    }
  }
}
