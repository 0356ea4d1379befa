/**
 * TF.js graph model (model.json + weight shards): the JSON is checked and its nodes, attributes
 * and weights are decoded here, including the converter's quantized weights (uint8/uint16 affine,
 * float16).
 */
import { ModelFormatError } from '../onnx/model-format.js';
import { halfToFloat } from '../tflite/weights.js';

export interface TfjsAttr {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  list?: { i?: (string | number)[]; f?: number[]; s?: string[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
}

/** Attribute builders for the graph models a topology converter writes (face-api, Keras layers); strings are base64 in the JSON. */
export const intsAttr = (v: number[]): TfjsAttr => ({ list: { i: v.map(String) } });
export const strAttr = (s: string): TfjsAttr => ({ s: btoa(s) });
export const strsAttr = (v: string[]): TfjsAttr => ({ list: { s: v.map((x) => btoa(x)) } });
/** A Placeholder node of `shape` (null or -1: unknown). */
export const placeholderNode = (name: string, shape: readonly (number | null)[]): TfjsNode => ({
  name,
  op: 'Placeholder',
  attr: { shape: { shape: { dim: shape.map((d) => ({ size: String(d ?? -1) })) } } },
});

export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttr>;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface TfjsModelJson {
  format?: string;
  modelTopology: { node: TfjsNode[] };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  signature?: { inputs?: Record<string, { name: string }>; outputs?: Record<string, { name: string }> };
  /** constants a topology converter made (Keras layers: paddings, axes), beside the manifest's weights */
  extraWeights?: Map<string, ConstTensor>;
}

export interface ConstTensor {
  dims: number[];
  data: Float32Array;
  integer: boolean;
}

/** Parses and checks model.json text; a Keras layers model is refused with a clear message. */
export function parseModelJson(text: string, file: string): TfjsModelJson {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const m = j as Partial<TfjsModelJson> & { format?: string; modelTopology?: { node?: unknown; class_name?: string } };
  if (!m || typeof m !== 'object' || !m.modelTopology) throw new ModelFormatError(`${file}: not a TF.js model (no modelTopology)`);
  if (!Array.isArray(m.modelTopology.node)) {
    const what = m.format === 'layers-model' || m.modelTopology.class_name ? 'a TF.js layers (Keras) model' : 'an unknown TF.js topology';
    throw new ModelFormatError(`${file}: ${what}; only TF.js graph models (modelTopology.node) are supported`);
  }
  if (!Array.isArray(m.weightsManifest)) throw new ModelFormatError(`${file}: TF.js graph model without a weightsManifest`);
  return m as TfjsModelJson;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

function bytesOf(spec: TfjsWeightSpec): number {
  const dt = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dt];
  if (per === undefined) throw new ModelFormatError(`weight '${spec.name}': dtype '${dt}' is not supported`);
  return per * spec.shape.reduce((a, b) => a * b, 1);
}

function decodeOne(spec: TfjsWeightSpec, v: DataView): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
      return out;
    }
    if (q.scale === undefined || q.min === undefined) throw new ModelFormatError(`weight '${spec.name}': ${q.dtype} quantization without scale/min`);
    const get = q.dtype === 'uint8' ? (i: number) => v.getUint8(i) : (i: number) => v.getUint16(2 * i, true);
    for (let i = 0; i < n; i++) out[i] = get(i) * q.scale + q.min;
    if (spec.dtype === 'int32') for (let i = 0; i < n; i++) out[i] = Math.round(out[i]!);
    return out;
  }
  if (spec.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
  else if (spec.dtype === 'int32') for (let i = 0; i < n; i++) out[i] = v.getInt32(4 * i, true);
  else for (let i = 0; i < n; i++) out[i] = v.getUint8(i);
  return out;
}

/** Decodes the weights of every manifest group; `shards[g]` is group g's shards concatenated. */
export function decodeWeights(m: TfjsModelJson, shards: Uint8Array[], file: string): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  m.weightsManifest.forEach((group, g) => {
    const buf = shards[g]!;
    let off = 0;
    for (const spec of group.weights) {
      let size: number;
      try {
        size = bytesOf(spec);
      } catch (e) {
        throw new ModelFormatError(`${file}: ${(e as Error).message}`);
      }
      if (off + size > buf.length) {
        throw new ModelFormatError(`${file}: weight '${spec.name}' needs bytes ${off}..${off + size} but the shards of group ${g} (${group.paths.join(', ')}) have ${buf.length}`);
      }
      const data = decodeOne(spec, new DataView(buf.buffer, buf.byteOffset + off, size));
      out.set(spec.name, { dims: [...spec.shape], data, integer: spec.dtype !== 'float32' });
      off += size;
    }
  });
  return out;
}

function attr(node: TfjsNode, key: string): TfjsAttr | undefined {
  return node.attr?.[key];
}

export function attrInt(node: TfjsNode, key: string, def: number): number {
  const a = attr(node, key);
  return a?.i !== undefined ? Number(a.i) : def;
}

export function attrFloat(node: TfjsNode, key: string, def: number): number {
  return attr(node, key)?.f ?? def;
}

export function attrBool(node: TfjsNode, key: string, def: boolean): boolean {
  return attr(node, key)?.b ?? def;
}

export function attrInts(node: TfjsNode, key: string): number[] | undefined {
  return attr(node, key)?.list?.i?.map(Number);
}

/** String attributes are base64 in the JSON. */
export function attrString(node: TfjsNode, key: string, def: string): string {
  const s = attr(node, key)?.s;
  return s === undefined ? def : atob(s);
}

export function attrStrings(node: TfjsNode, key: string): string[] {
  return (attr(node, key)?.list?.s ?? []).map((s) => atob(s));
}

/** Placeholder shape: -1 for unknown dims; undefined for an unknown rank. */
export function attrShape(node: TfjsNode): number[] | undefined {
  const s = attr(node, 'shape')?.shape;
  if (!s || s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => Number(d.size ?? -1));
}
