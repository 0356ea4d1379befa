/**
 * What the CLI, the app and the fleet do with one connected board: probe it, deploy a model
 * (runner + EQM + scale table), benchmark it, and run an accuracy batch whose outputs are
 * compared with the host's native engine and the labels.
 */
import fs from 'node:fs';
import { Runtime } from '../engines/native/native-runtime.js';
import { decodeOutputs, encodeBatch } from './batch.js';
import type { Probe } from '../contract/device.js';
import { findRunner } from './runners.js';
import { sha256Hex, type DeviceSession, type PushResult } from './session.js';
import { DeployError } from './transport.js';
import { BenchReportSchema, describeIssues, type AccuracyReport, type BenchReport, type LayerTime } from '../contract/bench-report.js';

export async function probe(s: DeviceSession, opts: { withInfo?: boolean } = {}): Promise<Probe> {
  const machine = await s.retrying('uname', (t) => t.machine());
  const p: Probe = { machine, at: new Date().toISOString() };
  if (opts.withInfo !== false) {
    const haveRunner = s.device.transport === 'serial' || (await s.retrying('hash', (t) => t.hash(s.remote('eqrun')))) !== null;
    if (haveRunner) {
      const out = await s.runner(['info'], 60_000);
      try {
        p.info = JSON.parse(out) as Record<string, unknown>;
      } catch {
        throw new DeployError(`${s.device.name}: eqrun info printed no JSON: ${out.slice(0, 200)}`);
      }
    }
  }
  return p;
}

export interface Deployed {
  runner?: PushResult;
  model: PushResult;
  scales?: PushResult;
  /** path of the model on the board */
  remoteModel: string;
  machine: string;
}

/** Pushes the runner (SSH boards), the EQM model and the scale table. */
export async function deployModel(s: DeviceSession, a: { eqm: Buffer; scales?: Buffer; onProgress?: (what: string, sent: number, total: number) => void }): Promise<Deployed> {
  const machine = await s.retrying('uname', (t) => t.machine());
  let runner: PushResult | undefined;
  if (s.device.transport === 'ssh') {
    const bin = fs.readFileSync(findRunner(machine));
    runner = await s.push(bin, s.remote('eqrun'), 0o755, (x, n) => a.onProgress?.('runner', x, n));
  }
  const id = sha256Hex(a.eqm).slice(0, 16);
  const remoteModel = s.remote('models', `${id}.eqm`);
  const model = await s.push(a.eqm, remoteModel, 0o644, (x, n) => a.onProgress?.('model', x, n));
  const scales = a.scales ? await s.push(a.scales, s.remote('models', `${id}.scales.json`), 0o644, (x, n) => a.onProgress?.('scales', x, n)) : undefined;
  return { runner, model, scales, remoteModel, machine };
}

export type { AccuracyReport, BenchReport, LayerTime };

export async function bench(s: DeviceSession, remoteModel: string, o: { warmup: number; runs: number; threads: number; timeoutMs?: number }): Promise<BenchReport> {
  const out = await s.runner(['bench', remoteModel, '--warmup', String(o.warmup), '--runs', String(o.runs), '--threads', String(o.threads), '--json'], o.timeoutMs);
  let raw: unknown;
  try {
    raw = JSON.parse(out);
  } catch {
    throw new DeployError(`${s.device.name}: eqrun bench printed no JSON: ${out.slice(0, 200)}`);
  }
  return parseBenchReport(raw, s.device.name);
}

/** The runner's bench answer, checked field by field (an older or broken runner is named, not trusted). */
export function parseBenchReport(raw: unknown, board: string): BenchReport {
  const r = BenchReportSchema.safeParse(raw);
  if (!r.success) throw new DeployError(`${board}: eqrun bench answered with an unexpected report: ${describeIssues(r.error, raw)}`, 'integrity');
  return r.data;
}

function argmax(v: Float32Array): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[b]!) b = i;
  return b;
}

function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/**
 * Runs preprocessed images on the board (as one int8 batch when the model quantizes its input,
 * else float32) and compares with the host's native engine and the labels.
 */
export async function accuracy(
  s: DeviceSession,
  a: {
    eqm: Buffer;
    inputQuant?: { scale: number; qmax: number } | null;
    remoteModel: string;
    samples: Float32Array[];
    dims: number[];
    labels?: (number | null)[];
    outputIndex?: number;
    labelOffset?: number;
    timeoutMs?: number;
  },
): Promise<AccuracyReport> {
  // int8 batches (4x smaller) need the compiler's input quantization; an .eqm deployed as it is gets
  // float32 batches, which are exact for any model
  const batch = encodeBatch(a.samples, a.inputQuant ?? null);
  const id = sha256Hex(batch).slice(0, 16);
  const remoteBatch = s.remote('batches', `${id}.eqb`);
  await s.push(batch, remoteBatch, 0o644);
  const remoteOut = s.remote('out', `${sha256Hex(Buffer.from(a.remoteModel + id)).slice(0, 16)}.eqo`);
  await s.retrying('mkdir', (t) => t.mkdirp(s.remote('out')));
  await s.runner(['infer', a.remoteModel, '--in', remoteBatch, '--out', remoteOut], a.timeoutMs);
  const outputs = decodeOutputs(await s.retrying('download', (t) => t.download(remoteOut)));
  if (outputs.length !== a.samples.length) throw new DeployError(`${s.device.name}: the board returned ${outputs.length} results for ${a.samples.length} images`, 'integrity');
  const host = Runtime.load(a.eqm);
  const oi = a.outputIndex ?? 0;
  let bitExact = 0;
  let agree = 0;
  let correct = 0;
  let labelled = 0;
  let firstMismatch: number | null = null;
  a.samples.forEach((x, i) => {
    const h = host.run(x, a.dims);
    const d = outputs[i]!;
    const same = h.length === d.length && h.every((v, k) => bitEqual(v, d[k]!));
    if (same) bitExact++;
    else firstMismatch ??= i;
    const top = argmax(d[oi]!);
    if (top === argmax(h[oi]!)) agree++;
    const label = a.labels?.[i];
    if (label !== undefined && label !== null) {
      labelled++;
      if (top - (a.labelOffset ?? 0) === label) correct++;
    }
  });
  const n = a.samples.length;
  return { images: n, bitExact, agreement: agree / n, top1: labelled ? correct / labelled : null, firstMismatch, batchBytes: batch.length };
}
