/**
 * scales.json: the versioned, documented file a calibration run writes and every exporter,
 * the integer engine and the CLI read back (schema: docs/scales-json.md).
 *
 * The file stores scales in OUR convention (a scale S is a multiplier,
 * q = clip(round(x * S), -qmax, qmax)); the `scale_convention` field spells it out and is
 * checked on read, so a file written with the reciprocal (ONNX/TensorRT) convention is
 * rejected rather than silently misread.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { notRegularKind } from './file-kind.js';
import type { CalibMethod, LayerScales, ScaleTable } from '../core/quant/scale-table.js';
import { qmaxForBits } from '../core/quant/scale-table.js';
import { BITS_MAX, BITS_MIN } from '../contract/calib-settings.js';

export const SCALES_FORMAT = 'easyquant-scales';
/** the newest version this build reads and writes; a table without bias deltas or weight rounding is still written as version 1 */
export const SCALES_VERSION = 4;
/** version 2 adds per-layer `bias_delta` (bias correction); older builds must refuse such a file, not drop the field */
const BIAS_DELTA_VERSION = 2;
/** version 3 adds per-layer `weight_round_flip` (optimised weight rounding, base64 bitmask) */
const WEIGHT_ROUNDING_VERSION = 3;
/** version 4 adds `unsigned_activations` (non-negative activations on the unsigned grid: a different integer model, so older builds must refuse it) */
const UNSIGNED_ACTIVATIONS_VERSION = 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const SCALE_CONVENTION = 'q = clip(round(x * scale), -qmax, qmax)';
export const CALIB_METHODS: readonly CalibMethod[] = ['eq', 'minmax', 'kl', 'percentile', 'lapq', 'eq+lapq'];

/** A scales.json that cannot be read: the message names the file and the offending field. */
export class ScalesFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'ScalesFileError';
  }
}

/** The table was made for another model file than the one it is being applied to. */
export class ModelMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

// ---------------------------------------------------------------------------------------
// writing

function num(x: number): string {
  // JSON.stringify gives the shortest representation that reads back to the same double
  return JSON.stringify(x);
}

function str(s: string): string {
  return JSON.stringify(s);
}

function layerJson(l: LayerScales, indent: string): string {
  const i2 = indent + '  ';
  const lines = [
    `${i2}"name": ${str(l.name)}`,
    `${i2}"op": ${str(l.op)}`,
    `${i2}"input": ${str(l.input)}`,
    `${i2}"output": ${str(l.output)}`,
    `${i2}"weight": ${str(l.weight)}`,
    `${i2}"input_scale": ${num(l.inputScale)}`,
    `${i2}"weight_scales": [${l.weightScales.map(num).join(', ')}]`,
  ];
  if (l.cosine !== undefined) lines.push(`${i2}"cosine": ${num(l.cosine)}`);
  if (l.bits !== undefined) lines.push(`${i2}"bits": ${l.bits}`);
  if (l.biasDelta !== undefined) lines.push(`${i2}"bias_delta": [${l.biasDelta.map(num).join(', ')}]`);
  if (l.weightRoundFlip !== undefined) lines.push(`${i2}"weight_round_flip": ${str(l.weightRoundFlip)}`);
  return `${indent}{\n${lines.join(',\n')}\n${indent}}`;
}

function checkWritable(table: ScaleTable): void {
  // refuse to write a file we would refuse to read
  const fail = (field: string, detail: string) => {
    throw new Error(`cannot write scales.json: ${field}: ${detail}`);
  };
  const pos = (field: string, v: number) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, `scale must be a positive finite number, got ${v}`);
  };
  let qmax: number;
  try {
    qmax = qmaxForBits(table.bits);
  } catch (e) {
    return fail('bits', (e as Error).message);
  }
  if (table.qmax !== qmax) fail('qmax', `${table.qmax} does not match bits ${table.bits} (expected ${qmax})`);
  table.layers.forEach((l, i) => {
    pos(`layers[${i}] '${l.name}' input_scale`, l.inputScale);
    if (l.weightScales.length === 0) fail(`layers[${i}] '${l.name}' weight_scales`, 'empty');
    l.weightScales.forEach((s, c) => pos(`layers[${i}] '${l.name}' weight_scales[${c}]`, s));
    if (l.cosine !== undefined && !Number.isFinite(l.cosine)) fail(`layers[${i}] '${l.name}' cosine`, `not a finite number: ${l.cosine}`);
    if (l.biasDelta !== undefined) {
      if (l.biasDelta.length !== l.weightScales.length) fail(`layers[${i}] '${l.name}' bias_delta`, `${l.biasDelta.length} values for ${l.weightScales.length} output channels`);
      l.biasDelta.forEach((d, c) => Number.isFinite(d) || fail(`layers[${i}] '${l.name}' bias_delta[${c}]`, `not a finite number: ${d}`));
    }
    if (l.weightRoundFlip !== undefined && !BASE64.test(l.weightRoundFlip)) fail(`layers[${i}] '${l.name}' weight_round_flip`, 'not a base64 string');
  });
  for (const [k, v] of Object.entries(table.tensors)) pos(`tensors['${k}']`, v);
  const bitsOk = (field: string, b: number) => {
    if (!Number.isInteger(b) || b < 2 || b > 8) fail(field, `expected an integer from 2 to 8, got ${b}`);
  };
  table.layers.forEach((l, i) => l.bits !== undefined && bitsOk(`layers[${i}] '${l.name}' bits`, l.bits));
  for (const [k, b] of Object.entries(table.tensorBits ?? {})) {
    bitsOk(`tensor_bits['${k}']`, b);
    if (table.tensors[k] === undefined) fail(`tensor_bits['${k}']`, 'the tensor has no scale in tensors');
  }
}

/** Serialises a ScaleTable as scales.json text (stable key order, one layer per block). */
export function writeScalesJson(table: ScaleTable): string {
  checkWritable(table);
  const tensorEntries = Object.entries(table.tensors);
  const parts = [
    `  "format": ${str(SCALES_FORMAT)}`,
    `  "version": ${table.unsignedActivations ? UNSIGNED_ACTIVATIONS_VERSION : table.layers.some((l) => l.weightRoundFlip !== undefined) ? WEIGHT_ROUNDING_VERSION : table.layers.some((l) => l.biasDelta !== undefined) ? BIAS_DELTA_VERSION : 1}`,
    `  "model": { "file": ${str(table.modelFile)}, "sha256": ${str(table.modelSha256.toLowerCase())} }`,
    `  "bits": ${table.bits}`,
    `  "qmax": ${table.qmax}`,
    `  "method": ${str(table.method)}`,
    `  "scale_convention": ${str(SCALE_CONVENTION)}`,
    `  "settings": ${JSON.stringify(table.settings ?? {})}`,
    `  "created_at": ${str(table.createdAt)}`,
    table.layers.length === 0 ? `  "layers": []` : `  "layers": [\n${table.layers.map((l) => layerJson(l, '    ')).join(',\n')}\n  ]`,
    tensorEntries.length === 0 ? `  "tensors": {}` : `  "tensors": {\n${tensorEntries.map(([k, v]) => `    ${str(k)}: ${num(v)}`).join(',\n')}\n  }`,
  ];
  // per-layer precision only: a uniform table keeps the exact bytes it had before the field existed
  const tensorBits = Object.entries(table.tensorBits ?? {});
  if (tensorBits.length > 0) parts.push(`  "tensor_bits": {\n${tensorBits.map(([k, v]) => `    ${str(k)}: ${v}`).join(',\n')}\n  }`);
  if (table.unsignedActivations) parts.push(`  "unsigned_activations": true`);
  return `{\n${parts.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------------------------------
// reading

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: Json): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * Parses and validates scales.json text. `file` is used in error messages only.
 * Throws ScalesFileError naming the file and the field on any problem.
 */
export function parseScalesJson(text: string, file: string): ScaleTable {
  const err = (field: string, detail: string): never => {
    throw new ScalesFileError(file, field, detail);
  };
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return err('', `not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(root)) return err('', `expected a JSON object at the top level, got ${describe(root)}`);

  const getString = (obj: Record<string, Json>, key: string, field: string, allowEmpty = false): string => {
    const v = obj[key];
    if (typeof v !== 'string') return err(field, `expected a string, got ${describe(v)}`);
    if (!allowEmpty && v.length === 0) return err(field, 'must not be empty');
    return v;
  };
  const getScale = (v: Json, field: string): number => {
    if (typeof v !== 'number') return err(field, `expected a number, got ${describe(v)}`);
    if (!Number.isFinite(v)) return err(field, `scale must be finite, got ${v}`);
    if (v <= 0) return err(field, `scale must be positive, got ${v}`);
    return v;
  };

  if (root['format'] !== SCALES_FORMAT) {
    return err('format', `expected "${SCALES_FORMAT}", got ${describe(root['format'])}: this is not an EasyQuant scales file`);
  }
  const version = root['version'];
  if (typeof version !== 'number' || !Number.isInteger(version)) return err('version', `expected an integer, got ${describe(version)}`);
  if (version > SCALES_VERSION) {
    return err('version', `file has version ${version}, this build reads versions 1 to ${SCALES_VERSION} (written by a newer EasyQuant Studio?)`);
  }
  if (version < 1) return err('version', `unsupported version ${version} (expected 1 to ${SCALES_VERSION})`);

  const model = root['model'];
  if (!isObject(model)) return err('model', `expected an object {"file", "sha256"}, got ${describe(model)}`);
  const modelFile = getString(model, 'file', 'model.file');
  const sha = getString(model, 'sha256', 'model.sha256');
  if (!/^[0-9a-fA-F]{64}$/.test(sha)) return err('model.sha256', `expected 64 hex digits, got ${describe(sha)}`);

  const bits = root['bits'];
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < BITS_MIN || bits > BITS_MAX) {
    return err('bits', `expected an integer from ${BITS_MIN} to ${BITS_MAX}, got ${describe(bits)}`);
  }
  const qmax = root['qmax'];
  const expectQmax = qmaxForBits(bits);
  if (typeof qmax !== 'number') return err('qmax', `expected a number, got ${describe(qmax)}`);
  if (qmax !== expectQmax) return err('qmax', `${qmax} does not match bits ${bits} (expected 2^(bits-1)-1 = ${expectQmax})`);

  const method = root['method'];
  if (typeof method !== 'string' || !(CALIB_METHODS as readonly string[]).includes(method)) {
    return err('method', `expected one of ${CALIB_METHODS.join(', ')}, got ${describe(method)}`);
  }
  const conv = root['scale_convention'];
  if (conv !== SCALE_CONVENTION) {
    return err(
      'scale_convention',
      `expected "${SCALE_CONVENTION}", got ${describe(conv)} (scales in another convention, e.g. the ONNX/TensorRT reciprocal, cannot be read as they are)`,
    );
  }
  const settings = root['settings'] === undefined ? {} : root['settings'];
  if (!isObject(settings)) return err('settings', `expected an object, got ${describe(settings)}`);
  const createdAt = getString(root, 'created_at', 'created_at');
  if (Number.isNaN(Date.parse(createdAt))) return err('created_at', `not a date/time: ${JSON.stringify(createdAt)}`);

  const layersJ = root['layers'];
  if (!Array.isArray(layersJ)) return err('layers', `expected an array, got ${describe(layersJ)}`);
  const layers: LayerScales[] = [];
  const seen = new Set<string>();
  layersJ.forEach((lj: Json, i: number) => {
    const at = `layers[${i}]`;
    if (!isObject(lj)) return err(at, `expected an object, got ${describe(lj)}`);
    const name = getString(lj, 'name', `${at}.name`);
    const where = `${at} ('${name}')`;
    if (seen.has(name)) err(`${where}.name`, 'duplicate layer name');
    seen.add(name);
    const op = getString(lj, 'op', `${where}.op`);
    const input = getString(lj, 'input', `${where}.input`);
    const output = getString(lj, 'output', `${where}.output`);
    const weight = getString(lj, 'weight', `${where}.weight`);
    const inputScale = getScale(lj['input_scale'], `${where}.input_scale`);
    const ws = lj['weight_scales'];
    if (!Array.isArray(ws)) return err(`${where}.weight_scales`, `expected an array of numbers, got ${describe(ws)}`);
    if (ws.length === 0) return err(`${where}.weight_scales`, 'must have one scale per output channel, got an empty array');
    const weightScales = ws.map((s: Json, c: number) => getScale(s, `${where}.weight_scales[${c}]`));
    const layer: LayerScales = { name, op, input, output, weight, weightScales, inputScale };
    const cos = lj['cosine'];
    if (cos !== undefined && cos !== null) {
      if (typeof cos !== 'number' || !Number.isFinite(cos) || cos < -1.000001 || cos > 1.000001) {
        return err(`${where}.cosine`, `expected a number from -1 to 1, got ${describe(cos)}`);
      }
      layer.cosine = cos;
    }
    const lb = lj['bits'];
    if (lb !== undefined) {
      if (typeof lb !== 'number' || !Number.isInteger(lb) || lb < 2 || lb > 8) return err(`${where}.bits`, `expected an integer from 2 to 8, got ${describe(lb)}`);
      if (lb !== bits) layer.bits = lb;
    }
    const bd = lj['bias_delta'];
    if (bd !== undefined) {
      if (version < BIAS_DELTA_VERSION) return err(`${where}.bias_delta`, `needs version ${BIAS_DELTA_VERSION} or later (the file says version ${version})`);
      if (!Array.isArray(bd)) return err(`${where}.bias_delta`, `expected an array of numbers, got ${describe(bd)}`);
      if (bd.length !== weightScales.length) return err(`${where}.bias_delta`, `expected one value per output channel (${weightScales.length}), got ${bd.length}`);
      layer.biasDelta = bd.map((d: Json, c: number) => {
        if (typeof d !== 'number' || !Number.isFinite(d)) return err(`${where}.bias_delta[${c}]`, `expected a finite number, got ${describe(d)}`);
        return d;
      });
    }
    const wf = lj['weight_round_flip'];
    if (wf !== undefined) {
      if (version < WEIGHT_ROUNDING_VERSION) return err(`${where}.weight_round_flip`, `needs version ${WEIGHT_ROUNDING_VERSION} or later (the file says version ${version})`);
      if (typeof wf !== 'string' || !BASE64.test(wf)) return err(`${where}.weight_round_flip`, `expected a base64 string (one bit per weight), got ${describe(wf)}`);
      layer.weightRoundFlip = wf;
    }
    layers.push(layer);
  });

  const tensorsJ = root['tensors'];
  if (!isObject(tensorsJ)) return err('tensors', `expected an object {tensor name: scale}, got ${describe(tensorsJ)}`);
  const tensors: Record<string, number> = {};
  for (const [k, v] of Object.entries(tensorsJ)) {
    if (k.length === 0) return err('tensors', 'empty tensor name');
    tensors[k] = getScale(v, `tensors['${k}']`);
  }
  const tbJ = root['tensor_bits'];
  let tensorBits: Record<string, number> | undefined;
  if (tbJ !== undefined) {
    if (!isObject(tbJ)) return err('tensor_bits', `expected an object {tensor name: bits}, got ${describe(tbJ)}`);
    for (const [k, v] of Object.entries(tbJ)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 2 || v > 8) return err(`tensor_bits['${k}']`, `expected an integer from 2 to 8, got ${describe(v)}`);
      if (tensors[k] === undefined) return err(`tensor_bits['${k}']`, 'the tensor has no scale in tensors');
      if (v !== bits) (tensorBits ??= {})[k] = v;
    }
  }
  const uaJ = root['unsigned_activations'];
  if (uaJ !== undefined && typeof uaJ !== 'boolean') return err('unsigned_activations', `expected true or false, got ${describe(uaJ)}`);
  if (uaJ === true && version < UNSIGNED_ACTIVATIONS_VERSION)
    return err('unsigned_activations', `needs version ${UNSIGNED_ACTIVATIONS_VERSION} or later (the file says version ${version})`);

  return {
    bits,
    qmax,
    method: method as CalibMethod,
    modelSha256: sha.toLowerCase(),
    modelFile,
    layers,
    tensors,
    ...(tensorBits ? { tensorBits } : {}),
    ...(uaJ === true ? { unsignedActivations: true } : {}),
    settings: settings as Record<string, unknown>,
    createdAt,
  };
}

/** Reads and parses a scales.json file. */
export function readScalesJson(file: string): ScaleTable {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new ScalesFileError(file, '', `is ${notRegularKind(st)}, not a scales.json file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ScalesFileError) throw e;
    throw new ScalesFileError(file, '', `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScalesJson(text, file);
}

// ---------------------------------------------------------------------------------------
// model identity

/** sha256 (lowercase hex) of a file's bytes. */
export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** sha256 (lowercase hex) of bytes already in memory. */
export function sha256Bytes(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

const short = (h: string) => `${h.slice(0, 12)}..`;

/**
 * Throws ModelMismatchError when `sha256` (of the model at `file`) is not the model the
 * table was calibrated on.
 */
export function checkModelMatches(table: ScaleTable, sha256: string, file: string): void {
  if (table.modelSha256.toLowerCase() === sha256.toLowerCase()) return;
  throw new ModelMismatchError(
    `scales.json was written for model sha256 ${short(table.modelSha256.toLowerCase())} (${table.modelFile}), ` +
      `but ${file} has sha256 ${short(sha256.toLowerCase())}; recalibrate for this model or pass the model the scales were made for`,
  );
}
