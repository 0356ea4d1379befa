/**
 * Adapter from the app's device records to the deploy module (src-main/deploy): probe one
 * board, and deploy + benchmark + accuracy-check model variants on one board. Runs inside the
 * app's worker thread (app-jobs.ts), so pushing files and waiting on boards never blocks the UI.
 */
import { probe } from '../deploy/operations.js';
import { compileVariant, loadEvalSet } from '../deploy/prepare.js';
import { profileFleet } from '../deploy/profile.js';
import { deviceSchema, type Device } from '../contract/device.js';
import { DeviceSession, type SessionOptions } from '../deploy/session.js';
import type { ResultRecord } from '../store/device-results-table.js';
import type { DeviceInfo } from '../contract/app-types.js';
import type { ProfileResult } from '../contract/bench-report.js';

export interface ProfileJob {
  device: DeviceInfo;
  /** deploy home (known hosts, push cache): `<data folder>/deploy` */
  home: string;
  model: string;
  card?: string;
  data: string;
  evalImages: number;
  variants: { label: string; scales: string | 'fp32' }[];
  bench: { warmup: number; runs: number; threads: number };
  timeoutMs: number;
  /** the board's decrypted passphrase or password (SecretBox.decrypt in the main thread) */
  secret?: string;
}

/** The deploy module's device record for an app device (its schema checks names and fields). */
export function toDeployDevice(d: DeviceInfo): Device {
  const c = d.config;
  const r =
    c.transport === 'ssh'
      ? deviceSchema.safeParse({ transport: 'ssh', name: d.name, host: c.host, port: c.port, user: c.user, keyPath: c.keyPath, dir: c.dir, jump: c.jump, timeoutMs: c.timeoutMs })
      : deviceSchema.safeParse({ transport: 'serial', name: d.name, path: c.path, baud: c.baud, dir: c.dir, timeoutMs: c.timeoutMs });
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`device '${d.name}' cannot be used for deployment: ${why}`);
  }
  if (c.transport === 'ssh' && !c.keyPath && !d.hasSecret)
    throw new Error(`device '${d.name}' cannot be used for deployment: it has neither an SSH key path nor a stored password`);
  return r.data;
}

/** The worker does not write the database: the caller stores `records` (device_results) and the profile. */
export interface ProfileJobResult {
  result: ProfileResult | null;
  error: string | null;
  records: ResultRecord[];
}

function sessionOptions(home: string, log: (m: string) => void, secret: string | undefined): SessionOptions {
  return { home, log, secret, onNewHostKey: (host, fp) => log(`trusting ${host}'s host key on first use: ${fp}`) };
}

export async function probeDevice(d: DeviceInfo, home: string, log: (m: string) => void, secret?: string): Promise<Record<string, unknown>> {
  const s = await DeviceSession.open(toDeployDevice(d), sessionOptions(home, log, secret));
  try {
    return { ...(await probe(s)) };
  } finally {
    await s.close().catch(() => undefined);
  }
}

export async function profileDevice(job: ProfileJob, log: (m: string) => void): Promise<ProfileJobResult> {
  const device = toDeployDevice(job.device);
  log(`${device.name}: compiling ${job.variants.map((v) => v.label).join(', ')}`);
  const variants = job.variants.map((v) => compileVariant({ model: job.model, card: job.card, scales: v.scales, label: v.label }));
  const evalSet = job.evalImages > 0 ? await loadEvalSet({ model: job.model, card: job.card, data: job.data, limit: job.evalImages }) : undefined;
  const records: ResultRecord[] = [];
  const [outcome] = await profileFleet({
    devices: [device],
    variants,
    evalSet,
    bench: job.bench,
    session: sessionOptions(job.home, log, job.secret),
    timeoutMs: job.timeoutMs,
    log,
    record: (r) => records.push(r),
  });
  if (!outcome) throw new Error('the deploy module returned no outcome');
  if (!outcome.ok) return { result: null, error: outcome.error, records };
  const result: ProfileResult = {
    machine: outcome.result.machine,
    seconds: outcome.seconds,
    variants: outcome.result.variants.map((v) => ({
      label: v.label,
      bits: v.bits,
      isa: v.bench?.isa ?? null,
      latencyMs: v.bench?.latencyMs ?? null,
      layers: v.bench?.layers ?? [],
      accuracy: v.accuracy ? { images: v.accuracy.images, top1: v.accuracy.top1, agreement: v.accuracy.agreement, bitExact: v.accuracy.bitExact } : null,
      pushed: v.pushed,
    })),
  };
  return { result, error: null, records };
}
