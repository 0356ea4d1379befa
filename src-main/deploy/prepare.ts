/**
 * Host-side preparation for a deployment: compile the ONNX model + scales into an EQM file
 * (or take an .eqm as is), and load the evaluation images preprocessed as the card says.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { prepareData, prepareModel } from '../pipeline/model-setup.js';
import { compileFloatPrepared, compilePrepared } from '../pipeline/compile.js';
import { loadScalesFor } from '../pipeline/quantize.js';

export interface Variant {
  /** int8, int7, fp32, or the scales file's name */
  label: string;
  eqm: Buffer;
  scales?: Buffer;
  bits: number | null;
  method: string | null;
  /** sha256 of the source model (the ONNX file, or the .eqm when given directly) */
  modelSha256: string;
  /** input quantization from the compiler; undefined for an .eqm given as is (read from the file) */
  inputQuant?: { scale: number; qmax: number } | null;
}

/**
 * One deployable model. `scales` = a scales.json for an int variant, or 'fp32' for the model
 * with every layer in float (the FP32 reference on the board's runtime).
 */
export function compileVariant(a: { model: string; card?: string; scales: string | 'fp32'; label?: string }): Variant {
  if (a.model.endsWith('.eqm')) {
    const eqm = fs.readFileSync(a.model);
    return { label: a.label ?? 'eqm', eqm, bits: null, method: null, modelSha256: sha(eqm) };
  }
  const p = prepareModel({ model: a.model, card: a.card });
  if (a.scales === 'fp32') {
    const c = compileFloatPrepared(p);
    return { label: a.label ?? 'fp32', eqm: Buffer.from(c.bytes), inputQuant: c.inputQuant, bits: 32, method: 'fp32', modelSha256: p.model.sha256 };
  }
  const c = compilePrepared(p, loadScalesFor(p, a.scales));
  const table = c.table;
  return {
    label: a.label ?? `int${table.bits}`,
    eqm: Buffer.from(c.bytes),
    inputQuant: c.inputQuant,
    scales: fs.readFileSync(a.scales),
    bits: table.bits,
    method: table.method,
    modelSha256: p.model.sha256,
  };
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface EvalSet {
  samples: Float32Array[];
  labels: (number | null)[];
  dims: number[];
  outputIndex: number;
  labelOffset: number;
  files: string[];
}

/** The first `limit` readable images of `data`, preprocessed for the model. */
export async function loadEvalSet(a: { model: string; card?: string; data: string; limit: number; onWarning?: (m: string) => void }): Promise<EvalSet> {
  if (!Number.isInteger(a.limit) || a.limit < 1) throw new Error(`--limit must be a positive integer (got ${a.limit})`);
  const p = prepareModel({ model: a.model, card: a.card });
  const ds = await prepareData(p, { data: a.data }, a.onWarning ?? (() => undefined));
  const samples: Float32Array[] = [];
  const labels: (number | null)[] = [];
  const files: string[] = [];
  for (let i = 0; i < ds.samples.length && samples.length < a.limit; i++) {
    const x = await ds.load(i);
    if (!x) continue;
    samples.push(x);
    labels.push(ds.samples[i]!.label ?? null);
    files.push(ds.fileOf(i));
  }
  if (samples.length === 0) throw new Error(`${a.data}: no readable images`);
  return { samples, labels, dims: p.inputDims, outputIndex: p.outputIndex, labelOffset: p.labelOffset, files };
}
