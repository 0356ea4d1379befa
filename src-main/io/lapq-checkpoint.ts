/**
 * LAPQ checkpoint: the start table (the per-layer solution, so a resumed run skips it) and the
 * best parameters found so far, written atomically after every improving line search. Like
 * the EQ checkpoint it carries the run's fingerprint and a SHA-256 of its content.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { writeFileAtomically } from './atomic-write.js';

const FORMAT = 'easyquant-lapq-checkpoint';
const VERSION = 1;

export interface LapqState {
  start: ScaleTable;
  /** best parameters so far (log multipliers) and the loss there; f0 = loss of the start table */
  x: number[];
  fx: number;
  f0: number;
  evals: number;
}

function digest(fingerprint: string, state: LapqState): string {
  return crypto.createHash('sha256').update(JSON.stringify({ fingerprint, state })).digest('hex');
}

export function writeLapqCheckpoint(file: string, fingerprint: string, state: LapqState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomically(file, JSON.stringify({ format: FORMAT, version: VERSION, fingerprint, state, sha256: digest(fingerprint, state) }), { fsync: true });
}

export type LapqCheckpointRead = { ok: true; state: LapqState } | { ok: false; reason: string } | { ok: false; missing: true };

export function readLapqCheckpoint(file: string, fingerprint: string): LapqCheckpointRead {
  if (!fs.existsSync(file)) return { ok: false, missing: true };
  let c: { format?: unknown; version?: unknown; fingerprint?: unknown; state?: LapqState; sha256?: unknown };
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { ok: false, reason: `checkpoint ${file} is corrupted (not valid JSON: ${(e as Error).message})` };
  }
  if (!c || typeof c !== 'object' || c.format !== FORMAT) return { ok: false, reason: `checkpoint ${file} is not a LAPQ calibration checkpoint` };
  if (c.version !== VERSION) return { ok: false, reason: `checkpoint ${file} has version ${String(c.version)}, expected ${VERSION}` };
  const s = c.state;
  if (typeof c.fingerprint !== 'string' || !s || typeof s !== 'object' || !Array.isArray(s.x) || !s.start || typeof s.fx !== 'number')
    return { ok: false, reason: `checkpoint ${file} is corrupted (missing fields)` };
  if (digest(c.fingerprint, s) !== c.sha256) return { ok: false, reason: `checkpoint ${file} is corrupted (content does not match its SHA-256)` };
  if (c.fingerprint !== fingerprint) return { ok: false, reason: `checkpoint ${file} belongs to a different run (model, calibration images or settings differ)` };
  if (s.x.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return { ok: false, reason: `checkpoint ${file} is corrupted (non-finite parameter)` };
  return { ok: true, state: s };
}
