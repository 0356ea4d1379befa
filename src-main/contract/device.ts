/**
 * A board the user deploys to: how to reach it and what probing found (the schema; the boards
 * themselves live in the app's SQLite devices table, see app/device-registry.ts; known
 * hosts and the push cache in the data folder's deploy/, see store/deploy-home.ts).
 */
import { z } from 'zod';

const endpoint = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  keyPath: z.string().min(1),
};

const probeSchema = z.object({
  machine: z.string(),
  at: z.string(),
  /** `eqrun info` of the board, once the runner is there */
  info: z.record(z.string(), z.unknown()).optional(),
});

/** The one rule for a board's name (the app's Devices page, the CLI and deploy all use it). */
export const deviceNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'device names use letters, digits, _ . - (at most 64), starting with a letter or digit');

const common = {
  name: deviceNameSchema,
  /** folder on the board for the runner, models and batches (relative = from the login/agent directory) */
  dir: z.string().min(1).default('.easyquant'),
  /** connect timeout */
  timeoutMs: z.number().int().positive().default(10_000),
  probe: probeSchema.optional(),
};

export const deviceSchema = z.discriminatedUnion('transport', [
  // no key path: password login (the password is stored encrypted by the desktop app, not here)
  z.object({ transport: z.literal('ssh'), ...common, ...endpoint, keyPath: endpoint.keyPath.optional(), jump: z.object(endpoint).optional() }),
  z.object({ transport: z.literal('serial'), ...common, path: z.string().min(1), baud: z.number().int().positive().default(115200) }),
]);

export type Device = z.infer<typeof deviceSchema>;
export type DeviceInput = z.input<typeof deviceSchema>;
export type Probe = z.infer<typeof probeSchema>;
