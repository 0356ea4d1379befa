/**
 * Inputs for `bench-zoo.ts`: an image model gets a card (input shape + preprocessing) and the shared
 * ImageNet sample; any other model gets a folder of seeded random .npy tensors of its input shape.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ZooModel {
  id: string;
  package: string;
  version: string;
  bytes: number;
  format: 'onnx' | 'tflite' | 'tfjs';
  /** the package's own pixel normalisation ((x - mean) / std per channel, in channel_order), when it is not [-1,1] RGB */
  preprocess?: { mean: number[]; std: number[]; channel_order?: 'RGB' | 'BGR' };
  task: string;
  inputs: { name: string; shape: (number | string)[] }[];
  staticInput?: { shape: number[]; layout: 'NCHW' | 'NHWC' };
  /** Shape for a dynamic non-image input (e.g. audio samples), used by the bench only. */
  benchInput?: number[];
  license: string;
}

/** Models whose pixels go in as [0,1]; every other image model here takes [-1,1] (its own export). */
const UNIT_RANGE = new Set(['mp-selfie-segmentation', 'mp-pose-landmark-lite', 'mp-pose-landmark-full', 'mp-hand-landmark-lite']);
const NON_IMAGE_TASKS = new Set(['audio-frontend', 'keyword-spotting']);

/** The static input shape the bench uses, or null when the model's input stays dynamic. */
export function benchShape(m: ZooModel): number[] | null {
  if (m.staticInput) return m.staticInput.shape;
  if (m.benchInput) return m.benchInput;
  const s = m.inputs[0]?.shape ?? [];
  return s.length > 0 && s.every((d) => typeof d === 'number' && d > 0) ? (s as number[]) : null;
}

export interface ImageLayout {
  layout: 'NCHW' | 'NHWC';
  h: number;
  w: number;
  c: number;
}

/** NCHW/NHWC with 3 (RGB) or 4 (RGBA) channels, and not an audio model: fed with photos. */
export function imageLayout(m: ZooModel, shape: number[] | null): ImageLayout | null {
  if (!shape || shape.length !== 4 || NON_IMAGE_TASKS.has(m.task)) return null;
  if (m.staticInput) {
    const s = m.staticInput.shape;
    return m.staticInput.layout === 'NCHW' ? { layout: 'NCHW', c: s[1]!, h: s[2]!, w: s[3]! } : { layout: 'NHWC', h: s[1]!, w: s[2]!, c: s[3]! };
  }
  if (shape[1] === 3 || shape[1] === 4) return { layout: 'NCHW', c: shape[1], h: shape[2]!, w: shape[3]! };
  if (shape[3] === 3 || shape[3] === 4) return { layout: 'NHWC', h: shape[1]!, w: shape[2]!, c: shape[3] };
  return null;
}

/** Write the card for an image model; a 'classification' task gets a softmax output so eval reports agreement. */
export function writeImageCard(m: ZooModel, shape: number[], img: ImageLayout, file: string, classes?: number): void {
  const unit = UNIT_RANGE.has(m.id);
  const mean = m.preprocess?.mean ?? Array<number>(img.c).fill(unit ? 0 : 127.5);
  const std = m.preprocess?.std ?? Array<number>(img.c).fill(unit ? 255 : 127.5);
  const card = {
    name: m.id,
    task: m.task,
    file: path.basename(file),
    source: `${m.package}@${m.version} (scripts/zoo/bench-zoo.ts card)`,
    input: { name: m.inputs[0]!.name, shape, layout: img.layout },
    output: m.task === 'classification' && classes ? { kind: 'softmax', classes, label_offset: 0 } : { kind: 'logits', classes: 1 },
    preprocess: { resize: [img.w, img.h], fit: 'fill', channel_order: img.c === 4 ? 'RGBA' : (m.preprocess?.channel_order ?? 'RGB'), mean, std },
  };
  fs.writeFileSync(file, JSON.stringify(card, null, 2));
}

/** Seeded uniform(-1,1) float32 .npy files of `shape` (mulberry32: the same tensors every run). */
export function writeRandomTensors(dir: string, shape: number[], count: number, seed = 1): void {
  fs.mkdirSync(dir, { recursive: true });
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < count; k++) {
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
    const pre = Buffer.alloc(10);
    pre.write('\x93NUMPY', 0, 'latin1');
    pre[6] = 1;
    pre[7] = 0;
    pre.writeUInt16LE(header.length, 8);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rand() * 2 - 1;
    fs.writeFileSync(path.join(dir, `t${String(k).padStart(3, '0')}.npy`), Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
  }
}
