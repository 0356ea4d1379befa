/**
 * EqClient over the web-mode WebSocket (/api/ws). The access token comes from the page URL
 * (?token=…, kept in sessionStorage for reloads); the server's HttpOnly cookie also carries it.
 */
import type { ApiMethod, ApiParams, ApiResults } from '../../../src-main/contract/app-api';
import type { AppEvent } from '../../../src-main/contract/app-types';
import { ApiError, type EqClient } from './client';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

function pageToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem('eq-token', fromUrl);
  return fromUrl ?? sessionStorage.getItem('eq-token');
}

export class WsClient implements EqClient {
  readonly kind = 'ws' as const;
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: AppEvent) => void>();

  private connect(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    if (this.opening) return this.opening;
    const token = pageToken();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        this.ws = ws;
        this.opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        this.opening = null;
        reject(new ApiError('connection', 'cannot reach the EasyQuant server (is `easyquant serve` still running, and was the page opened with its token URL?)'));
      };
      ws.onclose = () => {
        this.ws = null;
        for (const p of this.pending.values()) p.reject(new ApiError('connection', 'connection to the EasyQuant server closed'));
        this.pending.clear();
      };
      ws.onmessage = (m) => this.onMessage(String(m.data));
    });
    return this.opening;
  }

  private onMessage(text: string): void {
    const msg = JSON.parse(text) as { id?: number; ok?: boolean; result?: unknown; error?: { code: string; message: string }; event?: AppEvent };
    if (msg.event) {
      for (const l of this.listeners) l(msg.event);
      return;
    }
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new ApiError(msg.error?.code ?? 'internal', msg.error?.message ?? 'unknown error'));
  }

  async call<M extends ApiMethod>(method: M, params: ApiParams[M]): Promise<ApiResults[M]> {
    const ws = await this.connect();
    const id = this.nextId++;
    return new Promise<ApiResults[M]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(listener: (e: AppEvent) => void): () => void {
    this.listeners.add(listener);
    void this.connect().catch(() => {});
    return () => this.listeners.delete(listener);
  }
}
