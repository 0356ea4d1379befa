/**
 * Per-layer precision: a map from a quantizable layer's node name to 'fp32' (left out of the
 * plan: it runs as a float op behind dequantize/quantize), 'int8' or 'int7'. Layers not in the
 * map use the run's global bits. Layers that read the same tensor share its scale, so they
 * share a precision too: the group takes the lowest bits any of its layers asks for.
 */
import { qmaxForBits } from './scale-table.js';

import type { LayerPrecision, LayerPrecisionMap } from '../../contract/app-types.js';

export type { LayerPrecision, LayerPrecisionMap };

const WORDS: Record<string, LayerPrecision> = { fp32: 'fp32', float: 'fp32', '32': 'fp32', int8: 'int8', '8': 'int8', int7: 'int7', '7': 'int7' };

function precisionOf(v: unknown, where: string): LayerPrecision {
  const p = typeof v === 'string' || typeof v === 'number' ? WORDS[String(v).trim().toLowerCase()] : undefined;
  if (!p) throw new Error(`${where}: expected fp32, int8 or int7 (or 32, 8, 7), got ${JSON.stringify(v)}`);
  return p;
}

/** Parses `conv1=fp32,fire2/squeeze1x1=7` (the CLI's --layer-bits). */
export function parseLayerBitsSpec(spec: string): LayerPrecisionMap {
  const out: LayerPrecisionMap = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw new Error(`--layer-bits: '${part}' is not layer=fp32|int8|int7`);
    const name = part.slice(0, eq).trim();
    out[name] = precisionOf(part.slice(eq + 1), `--layer-bits: layer '${name}'`);
  }
  return out;
}

/** Parses a JSON object { "layer": "fp32" | "int8" | "int7" | 32 | 8 | 7 }. */
export function parseLayerBitsJson(text: string, file: string): LayerPrecisionMap {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new Error(`${file}: expected a JSON object { "layer": "fp32" | "int8" | "int7" }`);
  const out: LayerPrecisionMap = {};
  for (const [k, v] of Object.entries(root)) out[k] = precisionOf(v, `${file}: layer '${k}'`);
  return out;
}

/** Throws naming the first layer of the map that is not one of `quantizable` (the plan's layers). */
export function checkLayerPrecision(map: LayerPrecisionMap, quantizable: Iterable<string>): void {
  const names = new Set(quantizable);
  for (const k of Object.keys(map)) {
    if (!names.has(k))
      throw new Error(`per-layer precision: '${k}' is not a quantizable layer of the model (quantizable: ${[...names].slice(0, 8).join(', ')}${names.size > 8 ? ', …' : ''})`);
  }
}

/** The bits a layer asks for (undefined for fp32). */
export function requestedBits(map: LayerPrecisionMap | undefined, name: string, globalBits: number): number | undefined {
  const p = map?.[name];
  return p === 'fp32' ? undefined : p === 'int7' ? 7 : p === 'int8' ? 8 : globalBits;
}

/** Bits of a group of layers sharing an input: the lowest any of them asks for. */
export function groupBits(map: LayerPrecisionMap | undefined, layerNames: readonly string[], globalBits: number): number {
  return Math.min(...layerNames.map((n) => requestedBits(map, n, globalBits) ?? globalBits));
}

export function groupQmax(map: LayerPrecisionMap | undefined, layerNames: readonly string[], globalBits: number): number {
  return qmaxForBits(groupBits(map, layerNames, globalBits));
}

export function fp32Layers(map: LayerPrecisionMap | undefined): Set<string> {
  return new Set(
    Object.entries(map ?? {})
      .filter(([, p]) => p === 'fp32')
      .map(([k]) => k),
  );
}
