/**
 * The Electron IPC adapter of the app service, without importing electron (so it is unit
 * tested in Node): every `easyquant:call` is checked for a trusted sender, its envelope and
 * parameters are validated (zod), and any failure comes back as a value — a malformed payload
 * can neither crash the main process nor reach the service.
 */
import { z } from 'zod';
import type { DispatchResult } from '../app/dispatch.js';

const Envelope = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();

export type SenderCheck = (event: unknown) => void;

export function createIpcCallHandler(
  dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>,
  assertTrustedSender: SenderCheck,
): (event: unknown, payload: unknown) => Promise<DispatchResult> {
  return async (event, payload) => {
    try {
      assertTrustedSender(event);
    } catch (e) {
      return { ok: false, error: { code: 'bad_request', message: (e as Error).message } };
    }
    const env = Envelope.safeParse(payload);
    if (!env.success) {
      const issues = env.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'bad_request', message: `malformed IPC payload: ${issues}` } };
    }
    return dispatch(env.data.method, env.data.params);
  };
}
