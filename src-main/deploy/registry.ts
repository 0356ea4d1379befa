/**
 * Device registry: the boards the user deploys to, with how to reach them and what probing
 * found. Stored as JSON in the deploy home (EQ_DEPLOY_HOME, default ~/.easyquant), written
 * atomically. The same folder holds the SSH known-hosts file, the per-device push cache and
 * the results records.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../service/atomic-write.js';

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

const common = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'device names use letters, digits, _ . - (at most 64)'),
  /** folder on the board for the runner, models and batches (relative = from the login/agent directory) */
  dir: z.string().min(1).default('.easyquant'),
  /** connect timeout */
  timeoutMs: z.number().int().positive().default(10_000),
  probe: probeSchema.optional(),
};

export const deviceSchema = z.discriminatedUnion('transport', [
  z.object({ transport: z.literal('ssh'), ...common, ...endpoint, jump: z.object(endpoint).optional() }),
  z.object({ transport: z.literal('serial'), ...common, path: z.string().min(1), baud: z.number().int().positive().default(115200) }),
]);

export type Device = z.infer<typeof deviceSchema>;
export type DeviceInput = z.input<typeof deviceSchema>;
export type Probe = z.infer<typeof probeSchema>;

export function deployHome(): string {
  return path.resolve(process.env.EQ_DEPLOY_HOME ?? path.join(os.homedir(), '.easyquant'));
}

export class DeviceRegistry {
  readonly file: string;

  constructor(readonly home = deployHome()) {
    this.file = path.join(home, 'devices.json');
  }

  list(): Device[] {
    if (!fs.existsSync(this.file)) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new Error(`device registry ${this.file} is not valid JSON: ${(e as Error).message}`);
    }
    const r = z.object({ devices: z.array(deviceSchema) }).safeParse(raw);
    if (!r.success) throw new Error(`device registry ${this.file} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data.devices;
  }

  get(name: string): Device {
    const d = this.list().find((x) => x.name === name);
    if (!d) throw new Error(`no device named '${name}' (known: ${this.list().map((x) => x.name).join(', ') || 'none'}; add one with 'easyquant devices add')`);
    return d;
  }

  private save(devices: Device[]): void {
    fs.mkdirSync(this.home, { recursive: true });
    writeFileAtomically(this.file, `${JSON.stringify({ devices }, null, 2)}\n`);
  }

  add(input: DeviceInput, replace = false): Device {
    const r = deviceSchema.safeParse(input);
    if (!r.success) throw new Error(`invalid device: ${r.error.issues.map((i) => `${i.path.join('.') || 'device'}: ${i.message}`).join('; ')}`);
    const list = this.list();
    if (list.some((d) => d.name === r.data.name) && !replace) throw new Error(`a device named '${r.data.name}' already exists (remove it first)`);
    this.save([...list.filter((d) => d.name !== r.data.name), r.data]);
    return r.data;
  }

  remove(name: string): void {
    const list = this.list();
    if (!list.some((d) => d.name === name)) throw new Error(`no device named '${name}'`);
    this.save(list.filter((d) => d.name !== name));
  }

  setProbe(name: string, probe: Probe): void {
    this.save(this.list().map((d) => (d.name === name ? { ...d, probe } : d)));
  }
}
