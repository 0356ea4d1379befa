/**
 * Model card (`card.json`, the format of ../shared/models/<name>/card.json): parse, validate,
 * and turn its preprocessing into a PreprocessSpec.
 *
 * Preprocess variants in the cards:
 *  - classification: resize_shorter_side, center_crop [w, h], resample, channel_order, scale, mean, std
 *  - detection (ultraface): resize [w, h] with fit 'fill' (a stretch), channel_order, mean, std
 *  - mnist: only a note → raw pixel values 0..255, greyscale, no normalisation
 *
 * A card means what it says: `resize_shorter_side` is used as written (the shared cards give the
 * crop size there, 227 / 224, because that is how their fp32 reference accuracy was measured).
 */
import fs from 'node:fs';
import path from 'node:path';
import { notRegularKind } from '../file-kind.js';
import { CHANNEL_ORDER_NAMES, type ChannelOrderName, type Layout, type PreprocessSpec, type ResampleKernel, channelCount, splitChannelOrder, validateSpec } from './preprocess.js';

export class CardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardError';
  }
}

export interface ClassificationOutput {
  kind: 'logits' | 'softmax';
  name?: string;
  classes: number;
  /** Dataset class k is model output k + labelOffset (MobileNet: 1, index 0 = background). */
  labelOffset: number;
  note?: string;
}

export interface DetectionOutput {
  kind: 'detection';
  /** Not given by detection cards (several outputs); present so `card.output.name` type-checks. */
  name?: string;
  /** Not applicable to detection; present so `card.output.labelOffset ?? 0` type-checks. */
  labelOffset?: undefined;
  /** Output shapes, e.g. scores [1, 4420, 2], boxes [1, 4420, 4]. */
  scores: number[];
  boxes: number[];
  note?: string;
}

export type CardOutput = ClassificationOutput | DetectionOutput;

/** The card's preprocess block, normalised (values exactly as written in the card). */
export type CardPreprocess =
  | {
      kind: 'shorter-crop';
      resizeShorterSide: number;
      centerCrop: { width: number; height: number };
      resample: ResampleKernel;
      channelOrder: ChannelOrderName;
      scale: number;
      mean: number[];
      std: number[];
      note?: string;
    }
  | {
      kind: 'stretch';
      width: number;
      height: number;
      resample: ResampleKernel;
      channelOrder: ChannelOrderName;
      scale: number;
      mean: number[];
      std: number[];
      note?: string;
    }
  | { kind: 'raw'; note?: string };

export interface CardReference {
  images: number;
  top1?: number;
  top5?: number;
  runtime?: string;
}

export interface Card {
  /** Absolute path of card.json. */
  cardFile: string;
  name: string;
  task: string;
  /** Absolute path of the model file (card `file`, relative to the card's folder). */
  modelFile: string;
  source?: string;
  input: { name?: string; shape: number[]; layout: Layout };
  output: CardOutput;
  preprocess: CardPreprocess;
  /** `reference_fp32` or `reference_fp32_on_imagenet_sample`. */
  reference?: CardReference;
  /** The card's `data` note, if any. */
  data?: string;
  metric?: string;
  ops?: Record<string, number>;
}

type Obj = Record<string, unknown>;

/** A value for an error message, cut short: a wrong file's content is not echoed back. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(readonly file: string) {}

  fail(field: string, msg: string): never {
    throw new CardError(`${this.file}: ${field}: ${msg}`);
  }

  obj(o: Obj, key: string, prefix: string): Obj {
    const v = o[key];
    if (!isObj(v)) this.fail(prefix + key, v === undefined ? 'missing (expected an object)' : `expected an object, got ${shown(v)}`);
    return v;
  }

  str(o: Obj, key: string, prefix: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '') this.fail(prefix + key, v === undefined ? 'missing (expected a string)' : `expected a non-empty string, got ${shown(v)}`);
    return v;
  }

  optStr(o: Obj, key: string, prefix: string): string | undefined {
    return o[key] === undefined ? undefined : this.str(o, key, prefix);
  }

  num(o: Obj, key: string, prefix: string, check?: (n: number) => string | null): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(prefix + key, v === undefined ? 'missing (expected a number)' : `expected a number, got ${shown(v)}`);
    const err = check?.(v);
    if (err) this.fail(prefix + key, `${err}, got ${v}`);
    return v;
  }

  optNum(o: Obj, key: string, prefix: string, check?: (n: number) => string | null): number | undefined {
    return o[key] === undefined ? undefined : this.num(o, key, prefix, check);
  }

  intArray(o: Obj, key: string, prefix: string, len?: number): number[] {
    const v = o[key];
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x <= 0)) {
      this.fail(prefix + key, v === undefined ? 'missing (expected an array of positive integers)' : `expected an array of positive integers, got ${shown(v)}`);
    }
    if (len !== undefined && v.length !== len) this.fail(prefix + key, `expected ${len} values, got ${v.length}`);
    return v as number[];
  }

  numArray(o: Obj, key: string, prefix: string, len: number): number[] {
    const v = o[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      this.fail(prefix + key, v === undefined ? 'missing (expected an array of numbers)' : `expected an array of numbers, got ${shown(v)}`);
    }
    if (v.length !== len) this.fail(prefix + key, `expected ${len} values (one per channel), got ${v.length}`);
    return v as number[];
  }

  oneOf<T extends string>(o: Obj, key: string, prefix: string, allowed: readonly T[], dflt?: T): T {
    const v = o[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(prefix + key, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${shown(v)}`);
    }
    return v as T;
  }
}

const KERNELS = ['lanczos3', 'cubic', 'linear', 'nearest'] as const;

function parsePreprocess(r: Reader, pre: Obj, channels: number): CardPreprocess {
  const P = 'preprocess.';
  const note = r.optStr(pre, 'note', P);
  const has = (k: string) => pre[k] !== undefined;
  if (!['resize_shorter_side', 'center_crop', 'resize', 'channel_order', 'mean', 'std', 'scale'].some(has)) {
    return { kind: 'raw', note };
  }
  const channelOrder = r.oneOf(pre, 'channel_order', P, CHANNEL_ORDER_NAMES);
  const n = channelCount(channelOrder);
  if (n !== channels) r.fail(P + 'channel_order', `'${channelOrder}' gives ${n} channel(s) but input.shape has ${channels}`);
  const resample = r.oneOf(pre, 'resample', P, KERNELS, 'lanczos3');
  const scale = r.optNum(pre, 'scale', P, (x) => (x === 0 ? 'must be non-zero' : null)) ?? 1;
  const mean = r.numArray(pre, 'mean', P, n);
  const std = r.numArray(pre, 'std', P, n);
  const zero = std.findIndex((s) => s === 0);
  if (zero >= 0) r.fail(`${P}std[${zero}]`, 'is 0 (division by zero)');
  const neg = std.findIndex((s) => s < 0);
  if (neg >= 0) r.fail(`${P}std[${neg}]`, `must be positive, got ${std[neg]}`);
  if (has('resize_shorter_side')) {
    if (has('resize')) r.fail(P + 'resize', 'cannot be combined with resize_shorter_side');
    const resizeShorterSide = r.num(pre, 'resize_shorter_side', P, (x) => (Number.isInteger(x) && x > 0 ? null : 'expected a positive integer'));
    const [width, height] = r.intArray(pre, 'center_crop', P, 2) as [number, number];
    if (width > resizeShorterSide || height > resizeShorterSide) {
      r.fail(P + 'center_crop', `[${width}, ${height}] is larger than resize_shorter_side ${resizeShorterSide}`);
    }
    return { kind: 'shorter-crop', resizeShorterSide, centerCrop: { width, height }, resample, channelOrder, scale, mean, std, note };
  }
  if (has('resize')) {
    const [width, height] = r.intArray(pre, 'resize', P, 2) as [number, number];
    r.oneOf(pre, 'fit', P, ['fill'] as const, 'fill'); // only a stretch is supported
    if (has('center_crop')) r.fail(P + 'center_crop', "is not supported together with resize [w, h] (fit 'fill')");
    return { kind: 'stretch', width, height, resample, channelOrder, scale, mean, std, note };
  }
  return r.fail(P + 'resize_shorter_side', 'missing: expected resize_shorter_side + center_crop, or resize [w, h] with fit "fill"');
}

function parseOutput(r: Reader, out: Obj): CardOutput {
  const P = 'output.';
  const note = r.optStr(out, 'note', P);
  if (out.kind === undefined && (out.scores !== undefined || out.boxes !== undefined)) {
    return { kind: 'detection', scores: r.intArray(out, 'scores', P), boxes: r.intArray(out, 'boxes', P), note };
  }
  const kind = r.oneOf(out, 'kind', P, ['logits', 'softmax', 'detection'] as const);
  if (kind === 'detection') return { kind, scores: r.intArray(out, 'scores', P), boxes: r.intArray(out, 'boxes', P), note };
  const classes = r.num(out, 'classes', P, (x) => (Number.isInteger(x) && x > 0 ? null : 'expected a positive integer'));
  const labelOffset = r.optNum(out, 'label_offset', P, (x) => (Number.isInteger(x) && x >= 0 && x < classes ? null : `expected an integer in 0..${classes - 1}`)) ?? 0;
  return { kind, name: r.optStr(out, 'name', P), classes, labelOffset, note };
}

function parseReference(r: Reader, card: Obj): CardReference | undefined {
  const key = ['reference_fp32', 'reference_fp32_on_imagenet_sample'].find((k) => card[k] !== undefined);
  if (!key) return undefined;
  const ref = r.obj(card, key, '');
  const P = key + '.';
  const frac = (x: number) => (x >= 0 && x <= 1 ? null : 'expected a fraction in 0..1');
  return {
    images: r.num(ref, 'images', P, (x) => (Number.isInteger(x) && x > 0 ? null : 'expected a positive integer')),
    top1: r.optNum(ref, 'top1', P, frac),
    top5: r.optNum(ref, 'top5', P, frac),
    runtime: r.optStr(ref, 'runtime', P),
  };
}

/** Validate an already parsed card object. `file` is used for paths and messages. */
export function parseCard(json: unknown, file: string): Card {
  const cardFile = path.resolve(file);
  const r: Reader = new Reader(cardFile);
  if (!isObj(json)) r.fail('(root)', 'expected a JSON object');
  const name = r.str(json, 'name', '');
  const task = r.str(json, 'task', '');
  const modelFile = path.resolve(path.dirname(cardFile), r.str(json, 'file', ''));
  const inp = r.obj(json, 'input', '');
  const layout = r.oneOf(inp, 'layout', 'input.', ['NCHW', 'NHWC'] as const, 'NCHW');
  const shape = r.intArray(inp, 'shape', 'input.', 4);
  const channels = layout === 'NCHW' ? shape[1] : shape[3];
  if (channels !== 1 && channels !== 3 && channels !== 4) r.fail('input.shape', `expected 1, 3 or 4 channels (${layout}), got ${channels} in ${JSON.stringify(shape)}`);
  const input = { name: r.optStr(inp, 'name', 'input.'), shape, layout };
  const output = parseOutput(r, r.obj(json, 'output', ''));
  const preprocess = parsePreprocess(r, r.obj(json, 'preprocess', ''), channels);
  let ops: Record<string, number> | undefined;
  if (json.ops !== undefined) {
    const o = r.obj(json, 'ops', '');
    ops = {};
    for (const k of Object.keys(o)) ops[k] = r.num(o, k, 'ops.', (x) => (Number.isInteger(x) && x >= 0 ? null : 'expected a count'));
  }
  return {
    cardFile,
    name,
    task,
    modelFile,
    source: r.optStr(json, 'source', ''),
    input,
    output,
    preprocess,
    reference: parseReference(r, json),
    data: r.optStr(json, 'data', ''),
    metric: r.optStr(json, 'metric', ''),
    ops,
  };
}

/** A card is a few KiB of JSON; anything much bigger is some other file (a model, a dataset). */
const MAX_CARD_BYTES = 1024 * 1024;
const EXPECTED = 'expected a model card (card.json: a JSON object with name, task, file, input, output, preprocess)';

/** Where a JSON.parse error is (line, column from its "position N"), never the text around it. */
function jsonErrorWhere(text: string, e: Error): string {
  if (/end of (JSON )?input/i.test(e.message)) return ' (it ends early)';
  const m = /position (\d+)/.exec(e.message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  return ` (at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')})`;
}

/**
 * Read and validate a card.json. Errors name the file and the bad field, and never quote the
 * file's content (a wrong path may point at a model, a key or a password file).
 */
export function readCard(file: string): Card {
  const where = path.resolve(file);
  let text: string;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new CardError(`${where}: is a folder; ${EXPECTED}`);
    if (!st.isFile()) throw new CardError(`${where}: is ${notRegularKind(st)}; ${EXPECTED}`);
    if (st.size > MAX_CARD_BYTES) throw new CardError(`${where}: is ${(st.size / (1024 * 1024)).toFixed(1)} MiB; ${EXPECTED}, a small JSON file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof CardError) throw e;
    throw new CardError(`${where}: cannot read card (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
  if (text.includes('\u0000')) throw new CardError(`${where}: is a binary file, not JSON; ${EXPECTED}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CardError(`${where}: not valid JSON${jsonErrorWhere(text, e as Error)}; ${EXPECTED}`);
  }
  return parseCard(json, file);
}

/** channelOrder (+ alpha: true for RGBA/BGRA) of a spec. */
function orderFields(name: ChannelOrderName): Pick<PreprocessSpec, 'channelOrder' | 'alpha'> {
  const { channelOrder, alpha } = splitChannelOrder(name);
  return alpha ? { channelOrder, alpha } : { channelOrder };
}

/** The card's preprocessing as a validated PreprocessSpec (output layout = the card's input layout). */
export function cardToSpec(card: Card): PreprocessSpec {
  const p = card.preprocess;
  const layout = card.input.layout;
  let spec: PreprocessSpec;
  if (p.kind === 'raw') {
    const channels = layout === 'NCHW' ? card.input.shape[1]! : card.input.shape[3]!;
    const n = channels;
    spec = {
      resize: { mode: 'none' },
      ...orderFields(channels === 1 ? 'GRAY' : channels === 4 ? 'RGBA' : 'RGB'),
      scale: 1,
      mean: new Array<number>(n).fill(0),
      std: new Array<number>(n).fill(1),
      layout,
    };
  } else if (p.kind === 'stretch') {
    spec = {
      resize: { mode: 'stretch', width: p.width, height: p.height },
      resample: p.resample,
      ...orderFields(p.channelOrder),
      scale: p.scale,
      mean: [...p.mean],
      std: [...p.std],
      layout,
    };
  } else {
    spec = {
      resize: { mode: 'shorter', size: p.resizeShorterSide },
      centerCrop: { ...p.centerCrop },
      cropOffset: 'ceil',
      resample: p.resample,
      ...orderFields(p.channelOrder),
      scale: p.scale,
      mean: [...p.mean],
      std: [...p.std],
      layout,
    };
  }
  validateSpec(spec, `${card.cardFile}: preprocess`);
  return spec;
}
