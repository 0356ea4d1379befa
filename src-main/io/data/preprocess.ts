/**
 * Image file → model input tensor (Float32Array), with sharp.
 *
 * Pipeline: decode → resize (uniform scale of the shorter side, a stretch, or none) → centre crop
 * → drop alpha, force sRGB (3 channels; greyscale JPEGs become RGB) or greyscale; with `alpha` the
 * image's alpha is kept as a 4th channel (opaque images get 255) → channel order
 * → value = (pixel * scale - mean[c]) / std[c] → NCHW or NHWC.
 *
 * Reproducing the model cards' fp32 references (measured with "onnxruntime-node 1.30 CPU, sharp
 * resize") depends on two details, checked on all 1000 images of ../shared/data/imagenet-sample:
 *  - 'shorter' resizes with one uniform scale (sharp `fit: 'outside'`; the other side comes out as
 *    Math.round(other * size / shorter)); an explicit width+height resize samples differently.
 *  - the crop offset follows sharp's own centre gravity: left = floor((w - cw + 1) / 2), i.e.
 *    ceil((w - cw) / 2) (`cropOffset: 'ceil'`, the default). floor((w - cw) / 2) moves the window
 *    by one pixel for odd margins and changes SqueezeNet's top-1 by ~0.8 points.
 */
import sharp, { type OutputInfo } from 'sharp';

export type ResampleKernel = 'lanczos3' | 'cubic' | 'linear' | 'nearest';
import { CHANNEL_ORDER_NAMES, channelCount, splitChannelOrder, type ChannelOrder, type ChannelOrderName } from '../../contract/preprocess.js';

export { CHANNEL_ORDER_NAMES, channelCount, splitChannelOrder, type ChannelOrder, type ChannelOrderName };

function orderName(order: ChannelOrder, alpha: boolean): string {
  return alpha ? `${order}A` : order;
}
export type Layout = 'NCHW' | 'NHWC';

export type ResizeSpec = { mode: 'shorter'; size: number } | { mode: 'stretch'; width: number; height: number } | { mode: 'none' };

export interface PreprocessSpec {
  resize: ResizeSpec;
  centerCrop?: { width: number; height: number };
  /** How a centre crop with an odd margin is placed: 'ceil' = sharp's centre gravity (default). */
  cropOffset?: 'ceil' | 'floor';
  /** sharp resize kernel; default 'lanczos3'. */
  resample?: ResampleKernel;
  channelOrder: ChannelOrder;
  /** Append the image's alpha as the last channel (RGBA/BGRA; opaque images get 255); default false. */
  alpha?: boolean;
  /** Multiplies the 0..255 pixel value before mean/std; default 1. */
  scale?: number;
  /** One value per output channel, in output channel order. */
  mean: number[];
  /** One value per output channel, in output channel order. */
  std: number[];
  layout: Layout;
  /** Apply the EXIF orientation before resizing; default false (sharp's default, as the cards). */
  autoOrient?: boolean;
}

/** A validated spec with every default filled in. */
export type ResolvedSpec = Required<Omit<PreprocessSpec, 'centerCrop'>> & Pick<PreprocessSpec, 'centerCrop'>;

export class PreprocessSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreprocessSpecError';
  }
}

/** The image could not be decoded (corrupt, truncated, not an image). Datasets skip these. */
export class ImageDecodeError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: cannot decode image: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

/** The spec, the image and the model input shape do not fit together. Not skippable. */
export class InputShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputShapeError';
  }
}

const KERNELS: readonly ResampleKernel[] = ['lanczos3', 'cubic', 'linear', 'nearest'];
const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(v: unknown, what: string, ctx: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new PreprocessSpecError(`${ctx}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, ctx: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new PreprocessSpecError(`${ctx}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

function numArray(v: unknown, n: number, what: string, ctx: string, order: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new PreprocessSpecError(`${ctx}: ${what} must be an array of finite numbers, got ${JSON.stringify(v)}`);
  }
  if (v.length !== n) {
    throw new PreprocessSpecError(`${ctx}: ${what} must have ${n} value(s) for channelOrder ${order}, got ${v.length}`);
  }
  return v as number[];
}

/**
 * Check a spec (e.g. parsed from JSON or a UI form) and fill the defaults.
 * Throws PreprocessSpecError naming the bad field; `ctx` prefixes the message (e.g. a file name).
 */
export function validateSpec(spec: unknown, ctx = 'preprocess spec'): ResolvedSpec {
  if (!isObj(spec)) throw new PreprocessSpecError(`${ctx}: must be an object, got ${JSON.stringify(spec)}`);
  const r = spec.resize;
  if (!isObj(r)) throw new PreprocessSpecError(`${ctx}: resize must be an object like {mode:'shorter', size}, got ${JSON.stringify(r)}`);
  const mode = oneOf(r.mode, ['shorter', 'stretch', 'none'] as const, 'resize.mode', ctx);
  let resize: ResizeSpec;
  if (mode === 'shorter') resize = { mode, size: posInt(r.size, 'resize.size', ctx) };
  else if (mode === 'stretch') resize = { mode, width: posInt(r.width, 'resize.width', ctx), height: posInt(r.height, 'resize.height', ctx) };
  else resize = { mode };

  let centerCrop: ResolvedSpec['centerCrop'];
  if (spec.centerCrop !== undefined) {
    const c = spec.centerCrop;
    if (!isObj(c)) throw new PreprocessSpecError(`${ctx}: centerCrop must be {width, height}, got ${JSON.stringify(c)}`);
    centerCrop = { width: posInt(c.width, 'centerCrop.width', ctx), height: posInt(c.height, 'centerCrop.height', ctx) };
    if (resize.mode === 'shorter' && (centerCrop.width > resize.size || centerCrop.height > resize.size)) {
      throw new PreprocessSpecError(`${ctx}: centerCrop ${centerCrop.width}x${centerCrop.height} is larger than the resized shorter side ${resize.size}`);
    }
    if (resize.mode === 'stretch' && (centerCrop.width > resize.width || centerCrop.height > resize.height)) {
      throw new PreprocessSpecError(`${ctx}: centerCrop ${centerCrop.width}x${centerCrop.height} is larger than the resized image ${resize.width}x${resize.height}`);
    }
  }
  const cropOffset = spec.cropOffset === undefined ? 'ceil' : oneOf(spec.cropOffset, ['ceil', 'floor'] as const, 'cropOffset', ctx);
  const resample = spec.resample === undefined ? 'lanczos3' : oneOf(spec.resample, KERNELS, 'resample', ctx);
  // 'RGBA'/'BGRA' are accepted here too (specs written as JSON) and become RGB/BGR + alpha
  const named = splitChannelOrder(oneOf(spec.channelOrder, CHANNEL_ORDER_NAMES, 'channelOrder', ctx));
  const channelOrder = named.channelOrder;
  if (spec.alpha !== undefined && typeof spec.alpha !== 'boolean') throw new PreprocessSpecError(`${ctx}: alpha must be a boolean, got ${JSON.stringify(spec.alpha)}`);
  const alpha = named.alpha || spec.alpha === true;
  if (alpha && channelOrder === 'GRAY') throw new PreprocessSpecError(`${ctx}: alpha is not supported with channelOrder GRAY`);
  let scale = 1;
  if (spec.scale !== undefined) {
    if (typeof spec.scale !== 'number' || !Number.isFinite(spec.scale) || spec.scale === 0) {
      throw new PreprocessSpecError(`${ctx}: scale must be a finite non-zero number, got ${JSON.stringify(spec.scale)}`);
    }
    scale = spec.scale;
  }
  const n = channelCount(channelOrder, alpha);
  const mean = numArray(spec.mean, n, 'mean', ctx, orderName(channelOrder, alpha));
  const std = numArray(spec.std, n, 'std', ctx, orderName(channelOrder, alpha));
  const zero = std.findIndex((s) => s === 0);
  if (zero >= 0) throw new PreprocessSpecError(`${ctx}: std[${zero}] is 0 (division by zero)`);
  // a negative std silently flips the channel's sign: never what a model was trained with
  const neg = std.findIndex((s) => s < 0);
  if (neg >= 0) throw new PreprocessSpecError(`${ctx}: std[${neg}] must be positive, got ${std[neg]}`);
  const layout = oneOf(spec.layout, LAYOUTS, 'layout', ctx);
  let autoOrient = false;
  if (spec.autoOrient !== undefined) {
    if (typeof spec.autoOrient !== 'boolean') throw new PreprocessSpecError(`${ctx}: autoOrient must be a boolean, got ${JSON.stringify(spec.autoOrient)}`);
    autoOrient = spec.autoOrient;
  }
  return { resize, centerCrop, cropOffset, resample, channelOrder, alpha, scale, mean: [...mean], std: [...std], layout, autoOrient };
}

/** Output size a spec produces when it is known without looking at the image, else null. */
export function fixedOutputSize(spec: ResolvedSpec): { width: number; height: number } | null {
  if (spec.centerCrop) return { ...spec.centerCrop };
  if (spec.resize.mode === 'stretch') return { width: spec.resize.width, height: spec.resize.height };
  return null;
}

/** [channels, height, width] that `dims` asks for, read according to the layout. */
export function dimsToCHW(dims: readonly number[], layout: Layout): { c: number; h: number; w: number } {
  if (dims.length !== 4) throw new InputShapeError(`model input shape ${JSON.stringify(dims)} must have 4 dimensions (${layout})`);
  return layout === 'NCHW' ? { c: dims[1]!, h: dims[2]!, w: dims[3]! } : { c: dims[3]!, h: dims[1]!, w: dims[2]! };
}

/**
 * Check that the spec produces what the model input `dims` expects (channels, and height/width when
 * the spec fixes them). Throws InputShapeError naming what mismatched.
 */
export function checkSpecAgainstDims(spec: ResolvedSpec, dims: readonly number[]): void {
  const { c, h, w } = dimsToCHW(dims, spec.layout);
  const nc = channelCount(spec.channelOrder, spec.alpha);
  if (c !== nc) {
    throw new InputShapeError(
      `channel mismatch: model input ${JSON.stringify(dims)} (${spec.layout}) has ${c} channel(s) but channelOrder ${orderName(spec.channelOrder, spec.alpha)} gives ${nc}`,
    );
  }
  const out = fixedOutputSize(spec);
  if (out && (out.width !== w || out.height !== h)) {
    const from = spec.centerCrop ? 'centerCrop' : 'resize (stretch)';
    throw new InputShapeError(
      `size mismatch: model input ${JSON.stringify(dims)} (${spec.layout}) expects ${w}x${h} (width x height) but the preprocess ${from} gives ${out.width}x${out.height}`,
    );
  }
}

/** Sizes the resize step produces for an image of w x h. Exposed for tests. */
export function resizedSize(spec: ResolvedSpec, w: number, h: number): { width: number; height: number } {
  const r = spec.resize;
  if (r.mode === 'stretch') return { width: r.width, height: r.height };
  if (r.mode === 'none') return { width: w, height: h };
  const s = r.size / Math.min(w, h);
  return w <= h ? { width: r.size, height: Math.round(h * s) } : { width: Math.round(w * s), height: r.size };
}

/** Left/top of a centre crop of cw x ch in a w x h image. */
export function cropOrigin(w: number, h: number, cw: number, ch: number, rule: 'ceil' | 'floor'): { left: number; top: number } {
  const add = rule === 'ceil' ? 1 : 0;
  return { left: Math.floor((w - cw + add) / 2), top: Math.floor((h - ch + add) / 2) };
}

/** Decoded, resized 8-bit pixels (interleaved) before crop/normalisation. */
export interface ResizedPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Decode + resize + colourspace with sharp. Decode failures become ImageDecodeError. */
export async function decodeAndResize(input: string | Buffer, spec: ResolvedSpec): Promise<ResizedPixels> {
  const name = typeof input === 'string' ? input : '<buffer>';
  let img = sharp(input);
  if (spec.autoOrient) img = img.rotate();
  const r = spec.resize;
  if (r.mode === 'shorter') img = img.resize({ width: r.size, height: r.size, fit: 'outside', kernel: spec.resample });
  else if (r.mode === 'stretch') img = img.resize({ width: r.width, height: r.height, fit: 'fill', kernel: spec.resample });
  // ensureAlpha(1): an opaque image gets alpha 255
  img = (spec.alpha ? img.ensureAlpha(1) : img.removeAlpha()).toColourspace(spec.channelOrder === 'GRAY' ? 'b-w' : 'srgb');
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDecodeError(name, (e as Error).message.trim());
  }
  const { width, height, channels } = out.info;
  return { data: out.data, width, height, channels };
}

/**
 * Crop + channel order + normalisation + layout on decoded pixels. Exposed so tests and the
 * MNIST path can share the arithmetic.
 */
export function pixelsToTensor(px: ResizedPixels, spec: ResolvedSpec, file = '<image>'): Float32Array {
  const nc = channelCount(spec.channelOrder, spec.alpha);
  const src = px.channels;
  if (nc === 3 && src !== 3 && src !== 1) throw new ImageDecodeError(file, `unexpected ${src} channels after sRGB conversion`);
  if (nc === 1 && src !== 1) throw new ImageDecodeError(file, `unexpected ${src} channels after greyscale conversion`);
  if (nc === 4 && src !== 4) throw new ImageDecodeError(file, `unexpected ${src} channels after sRGB + alpha conversion`);
  let cw = px.width;
  let ch = px.height;
  let left = 0;
  let top = 0;
  if (spec.centerCrop) {
    cw = spec.centerCrop.width;
    ch = spec.centerCrop.height;
    if (cw > px.width || ch > px.height) {
      throw new InputShapeError(`${file}: centerCrop ${cw}x${ch} is larger than the ${spec.resize.mode === 'none' ? 'image' : 'resized image'} ${px.width}x${px.height}`);
    }
    ({ left, top } = cropOrigin(px.width, px.height, cw, ch, spec.cropOffset));
  }
  // per output channel: source channel index, multiplier and offset (value = pixel * a + b)
  const srcIdx = spec.channelOrder === 'BGR' ? [2, 1, 0] : spec.channelOrder === 'RGB' ? [0, 1, 2] : [0];
  if (src === 1) srcIdx.fill(0);
  if (spec.alpha) srcIdx.push(3);
  const a = spec.std.map((s) => spec.scale / s);
  const b = spec.mean.map((m, c) => -m / spec.std[c]!);
  const plane = cw * ch;
  const out = new Float32Array(plane * nc);
  const data = px.data;
  const nchw = spec.layout === 'NCHW';
  for (let y = 0; y < ch; y++) {
    let s = ((top + y) * px.width + left) * src;
    const rowOut = y * cw;
    for (let x = 0; x < cw; x++, s += src) {
      const p = rowOut + x;
      for (let c = 0; c < nc; c++) {
        const v = data[s + srcIdx[c]!]! * a[c]! + b[c]!;
        out[nchw ? c * plane + p : p * nc + c] = v;
      }
    }
  }
  return out;
}

/**
 * Preprocess one image file for a model input of shape `dims` (e.g. [1,3,224,224]).
 * Throws PreprocessSpecError (bad spec), InputShapeError (spec/dims/image do not fit) or
 * ImageDecodeError (unreadable image).
 */
export async function preprocessImage(file: string | Buffer, spec: PreprocessSpec | ResolvedSpec, dims: readonly number[]): Promise<Float32Array> {
  const s = validateSpec(spec);
  checkSpecAgainstDims(s, dims);
  return preprocessResolved(file, s, dims);
}

/** preprocessImage for an already validated spec already checked against dims (hot path). */
export async function preprocessResolved(file: string | Buffer, spec: ResolvedSpec, dims: readonly number[]): Promise<Float32Array> {
  const name = typeof file === 'string' ? file : '<buffer>';
  const px = await decodeAndResize(file, spec);
  const out = pixelsToTensor(px, spec, name);
  const { h, w } = dimsToCHW(dims, spec.layout);
  const gotW = spec.centerCrop ? spec.centerCrop.width : px.width;
  const gotH = spec.centerCrop ? spec.centerCrop.height : px.height;
  if (gotW !== w || gotH !== h) {
    throw new InputShapeError(
      `${name}: size mismatch: model input ${JSON.stringify(dims)} (${spec.layout}) expects ${w}x${h} (width x height) but preprocessing gives ${gotW}x${gotH}`,
    );
  }
  return out;
}
