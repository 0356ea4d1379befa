/**
 * The Electron IPC adapter of the app service, without importing electron (so it is unit
 * tested in Node): every `easyquant:call` is checked for a trusted sender, its size, its
 * envelope and parameters (zod), and any failure comes back as a value — a malformed or
 * oversized payload can neither crash the main process nor reach the service.
 */
import { z } from 'zod';
import type { DispatchResult } from '../app/dispatch.js';
import { IPC, type VersionInfo } from './ipc-contract.js';

const Envelope = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();

/** Largest call payload accepted (the web server's WebSocket frame limit). */
export const IPC_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export type SenderCheck = (event: unknown) => void;

/**
 * Approximate size of a structured-clone value (strings, binary data, keys), walking at most
 * until `limit` is passed; shared references and cycles count once.
 */
export function payloadSize(value: unknown, limit: number): number {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  let n = 0;
  while (stack.length && n <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length * 2;
    else if (typeof v !== 'object' || v === null) n += 8;
    else if (seen.has(v)) continue;
    else {
      seen.add(v);
      if (ArrayBuffer.isView(v)) n += v.byteLength;
      else if (v instanceof ArrayBuffer) n += v.byteLength;
      else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
      else if (v instanceof Set) for (const x of v) stack.push(x);
      else {
        for (const k of Object.keys(v)) {
          n += k.length * 2 + 8;
          stack.push((v as Record<string, unknown>)[k]);
          if (n > limit) break;
        }
      }
    }
  }
  return n;
}

export function createIpcCallHandler(
  dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>,
  assertTrustedSender: SenderCheck,
  maxPayloadBytes = IPC_MAX_PAYLOAD_BYTES,
): (event: unknown, payload: unknown) => Promise<DispatchResult> {
  return async (event, payload) => {
    try {
      assertTrustedSender(event);
    } catch (e) {
      return { ok: false, error: { code: 'bad_request', message: (e as Error).message } };
    }
    if (payloadSize(payload, maxPayloadBytes) > maxPayloadBytes) {
      return { ok: false, error: { code: 'bad_request', message: `IPC payload too large: more than ${maxPayloadBytes / 1024 / 1024} MiB (file contents are passed by path, not sent)` } };
    }
    const env = Envelope.safeParse(payload);
    if (!env.success) {
      const issues = env.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'bad_request', message: `malformed IPC payload: ${issues}` } };
    }
    try {
      return await dispatch(env.data.method, env.data.params);
    } catch (e) {
      // dispatch answers errors as values; this is the last guard for the main process
      return { ok: false, error: { code: 'internal', message: String((e as Error)?.message ?? e).split('\n')[0]! } };
    }
  };
}

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown): void;
}

/** Registers the app's two invoke channels; anything else has no handler (Electron rejects it in the renderer). */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  deps: { dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>; assertTrustedSender: SenderCheck; version: () => VersionInfo },
): void {
  const call = createIpcCallHandler(deps.dispatch, deps.assertTrustedSender);
  ipcMain.handle(IPC.call, (event: unknown, payload: unknown) => call(event, payload));
  ipcMain.handle(IPC.version, (event: unknown) => {
    deps.assertTrustedSender(event);
    return deps.version();
  });
}
