/**
 * EQ calibration checkpoint: the decisions of every finished layer group, written atomically
 * (temporary file, fsync, rename) after each group, so a run killed at any point can go on
 * with `--resume` and end with bitwise the same scales. Decisions are stored as JSON numbers
 * (shortest round-trip form: they parse back to the same doubles). The file carries a
 * fingerprint of everything that decides the result (model, calibration images, settings,
 * plan) and a SHA-256 of its content; a damaged or foreign checkpoint is rejected.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { GroupDecision } from '../core/calib/calibrator.js';
import { EXECUTION_SETTINGS, type CalibSettings } from '../core/calib/settings.js';
import { writeFileAtomically } from './atomic-write.js';

const FORMAT = 'easyquant-eq-checkpoint';
const VERSION = 1;

export interface CheckpointGroup {
  input: string;
  aScale: number;
  wScales: Record<string, number[]>;
  cosBefore?: number;
  cosAfter?: number;
}

interface CheckpointFile {
  format: string;
  version: number;
  fingerprint: string;
  groups: CheckpointGroup[];
  sha256: string;
}

/** Fingerprint of a calibration run: model hash, calibration images, result-relevant settings, plan. */
export function runFingerprint(modelSha256: string, samples: Float32Array[], settings: CalibSettings, groupInputs: string[]): string {
  const h = crypto.createHash('sha256');
  h.update(`model ${modelSha256}\n`);
  const relevant: Record<string, unknown> = { ...settings };
  for (const k of [...EXECUTION_SETTINGS, 'checkpoint', 'resume']) delete relevant[k];
  // a setting added later hashes only when on: checkpoints of earlier builds stay valid
  if (relevant['biasCorrection'] === false) delete relevant['biasCorrection'];
  if (relevant['weightRounding'] === 'nearest') delete relevant['weightRounding'];
  if (relevant['unsignedActivations'] === false) delete relevant['unsignedActivations'];
  // LAPQ settings do not touch the other methods: their fingerprints stay as before LAPQ existed
  if (settings.method !== 'lapq' && settings.method !== 'eq+lapq') for (const k of Object.keys(relevant)) if (k.startsWith('lapq')) delete relevant[k];
  h.update(
    `settings ${JSON.stringify(
      Object.keys(relevant)
        .sort()
        .map((k) => [k, relevant[k]]),
    )}\n`,
  );
  h.update(`groups ${JSON.stringify(groupInputs)}\n`);
  h.update(`images ${samples.length}\n`);
  for (const s of samples) h.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  return h.digest('hex');
}

function digest(fingerprint: string, groups: CheckpointGroup[]): string {
  return crypto.createHash('sha256').update(JSON.stringify({ fingerprint, groups })).digest('hex');
}

export function toCheckpointGroup(input: string, d: GroupDecision): CheckpointGroup {
  const wScales: Record<string, number[]> = {};
  for (const [k, v] of d.wScales) wScales[k] = Array.from(v);
  return { input, aScale: d.aScale, wScales, cosBefore: d.cosBefore, cosAfter: d.cosAfter };
}

export function fromCheckpointGroup(g: CheckpointGroup): GroupDecision {
  const wScales = new Map<string, Float64Array>();
  for (const [k, v] of Object.entries(g.wScales)) wScales.set(k, Float64Array.from(v));
  return { aScale: g.aScale, wScales, cosBefore: g.cosBefore, cosAfter: g.cosAfter };
}

/** Writes the checkpoint atomically: a reader sees the old file or the new one, never a mix. */
export function writeCheckpoint(file: string, fingerprint: string, groups: CheckpointGroup[]): void {
  const body: CheckpointFile = { format: FORMAT, version: VERSION, fingerprint, groups, sha256: digest(fingerprint, groups) };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomically(file, JSON.stringify(body), { fsync: true });
}

export type CheckpointRead = { ok: true; groups: CheckpointGroup[] } | { ok: false; reason: string } | { ok: false; missing: true };

/** Reads and validates a checkpoint; every problem comes back as a one-line reason. */
export function readCheckpoint(file: string, fingerprint: string): CheckpointRead {
  if (!fs.existsSync(file)) return { ok: false, missing: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { ok: false, reason: `checkpoint ${file} is corrupted (not valid JSON: ${(e as Error).message})` };
  }
  const c = parsed as Partial<CheckpointFile>;
  if (!c || typeof c !== 'object' || c.format !== FORMAT) return { ok: false, reason: `checkpoint ${file} is not an EQ calibration checkpoint` };
  if (c.version !== VERSION) return { ok: false, reason: `checkpoint ${file} has version ${String(c.version)}, expected ${VERSION}` };
  if (typeof c.fingerprint !== 'string' || !Array.isArray(c.groups) || typeof c.sha256 !== 'string')
    return { ok: false, reason: `checkpoint ${file} is corrupted (missing fields)` };
  if (digest(c.fingerprint, c.groups) !== c.sha256) return { ok: false, reason: `checkpoint ${file} is corrupted (content does not match its SHA-256)` };
  if (c.fingerprint !== fingerprint) return { ok: false, reason: `checkpoint ${file} belongs to a different run (model, calibration images or settings differ)` };
  for (const g of c.groups) {
    const bad = typeof g.input !== 'string' || typeof g.aScale !== 'number' || !g.wScales || typeof g.wScales !== 'object';
    if (bad || Object.values(g.wScales).some((v) => !Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))))
      return { ok: false, reason: `checkpoint ${file} is corrupted (malformed group entry)` };
  }
  return { ok: true, groups: c.groups };
}

export function removeCheckpoint(file: string): void {
  fs.rmSync(file, { force: true });
}
