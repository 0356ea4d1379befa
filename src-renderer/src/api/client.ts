/**
 * The renderer's one client interface to the app service, with two implementations:
 * IPC (Electron preload, `window.easyquant`) and WebSocket (web mode). Pages only see EqClient.
 */
import type { ApiMethod, ApiParams, ApiResults } from '../../../src-main/contract/app-api';
import type { AppEvent } from '../../../src-main/contract/app-types';
import { IpcClient } from './ipc-client';
import { WsClient } from './ws-client';

export interface EqClient {
  readonly kind: 'ipc' | 'ws';
  call<M extends ApiMethod>(method: M, params: ApiParams[M]): Promise<ApiResults[M]>;
  onEvent(listener: (e: AppEvent) => void): () => void;
}

/** An error the service returned; `message` is written for the user. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function createClient(): EqClient {
  if (window.easyquant) return new IpcClient(window.easyquant);
  return new WsClient();
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
