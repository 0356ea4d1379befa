/** EqClient over Electron IPC (the preload's `window.easyquant`). */
import type { ApiMethod, ApiParams, ApiResults } from '../../../src-main/contract/app-api';
import type { AppEvent } from '../../../src-main/contract/app-types';
import type { EasyQuantApi } from '../../../src-main/electron/ipc-contract';
import { ApiError, type EqClient } from './client';

export class IpcClient implements EqClient {
  readonly kind = 'ipc' as const;
  constructor(private readonly api: EasyQuantApi) {}

  async call<M extends ApiMethod>(method: M, params: ApiParams[M]): Promise<ApiResults[M]> {
    const r = await this.api.call(method, params);
    if (!r.ok) throw new ApiError(r.error.code, r.error.message);
    return r.result;
  }

  onEvent(listener: (e: AppEvent) => void): () => void {
    return this.api.onEvent(listener);
  }
}
