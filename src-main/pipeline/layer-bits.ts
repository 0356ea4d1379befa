/** The per-layer precision map from the CLI's --layer-bits (a spec) and --layer-bits-file (JSON). */
import fs from 'node:fs';
import { parseLayerBitsJson, parseLayerBitsSpec, type LayerPrecisionMap } from '../core/quant/layer-precision.js';

export function layerPrecisionFrom(spec: string | undefined, file: string | undefined): LayerPrecisionMap | undefined {
  let map: LayerPrecisionMap | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--layer-bits-file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    map = parseLayerBitsJson(text, file);
  }
  if (spec !== undefined) map = { ...map, ...parseLayerBitsSpec(spec) };
  return map;
}
