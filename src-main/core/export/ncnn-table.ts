/**
 * ncnn int8 calibration table (the file ncnn2table writes and ncnn2int8 reads).
 *
 * Layout, as ncnn2table writes it: first one line per quantized layer with its per output
 * channel weight scales,
 *     <layer>_param_0 s0 s1 s2 ...
 * then one line per layer with the scale of the layer's input (bottom) blob,
 *     <layer> s
 * Fields are separated by single spaces. The layer name is the ONNX node name, which is
 * what onnx2ncnn uses as the ncnn layer name; for an ncnn model converted another way,
 * ncnn-param.ts maps our layers to the names of the user's .param (`layerName`).
 *
 * Scale convention: ncnn's scale is qmax / threshold, a multiplier (int8 = round(x * scale)),
 * which is exactly OUR convention, so our scales are written as they are. Numbers are
 * printed with String(x), the shortest text that reads back to the same double, so
 * write → parse gives exactly the same numbers (ncnn reads them with strtof, i.e. rounds
 * to float32, like it would the %f output of ncnn2table).
 *
 * INT7 and lower: ncnn always quantizes to [-127, 127]; the table has no bit-width field.
 * For a table calibrated with bits < 8 we still write our scales unchanged (S = qmax/T with
 * our qmax, e.g. 63): values inside the calibrated threshold T then land in [-qmax, qmax]
 * in ncnn too, and only outliers beyond T use ncnn's extra range instead of being clipped
 * at qmax. ncnn thus runs "INT7 scales on an INT8 grid", which is at least as accurate as
 * our INT7 emulation but is not bit-identical to it.
 */
import type { LayerScales, ScaleTable } from '../quant/scale-table.js';

export interface NcnnTable {
  /** layer name → per output channel weight scales (from the `<layer>_param_0` lines) */
  weights: Map<string, number[]>;
  /** layer name → scale of the layer's input blob */
  inputs: Map<string, number>;
}

export interface NcnnTableOptions {
  /** ncnn layer name for a layer of the table (default: the ONNX node name) */
  layerName?: (layer: LayerScales) => string;
  /** layers to write (default: all) */
  include?: (layer: LayerScales) => boolean;
  /** multiplier applied to a layer's weight scales (ncnn's 6-bit convention; default 1) */
  weightFactor?: (layer: LayerScales) => number;
}

const PARAM_SUFFIX = '_param_0';

function checkName(name: string, layer: LayerScales): void {
  if (name.length === 0 || /\s/.test(name)) {
    throw new Error(`ncnn table: layer '${layer.name}' has the ncnn name ${JSON.stringify(name)}, which is empty or contains whitespace; an ncnn table line cannot hold it`);
  }
}

function checkScale(s: number, what: string): void {
  if (!Number.isFinite(s) || s <= 0) throw new Error(`ncnn table: ${what} is ${s}, scales must be positive and finite`);
}

/** Writes the ncnn int8 calibration table text for every layer of the table. */
export function writeNcnnTable(table: ScaleTable, opts: NcnnTableOptions = {}): string {
  const nameOf = opts.layerName ?? ((l: LayerScales) => l.name);
  const factorOf = opts.weightFactor ?? (() => 1);
  const layers = opts.include ? table.layers.filter(opts.include) : table.layers;
  const names = layers.map((l) => {
    const n = nameOf(l);
    checkName(n, l);
    return n;
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`ncnn table: two layers have the ncnn name '${dup}'`);
  const lines: string[] = [];
  layers.forEach((l, i) => {
    if (l.weightScales.length === 0) throw new Error(`ncnn table: layer '${l.name}' has no weight scales`);
    const f = factorOf(l);
    const ws = f === 1 ? l.weightScales : l.weightScales.map((s) => s * f);
    ws.forEach((s, c) => checkScale(s, `weight scale ${c} of layer '${l.name}'`));
    lines.push(`${names[i]}${PARAM_SUFFIX} ${ws.map((s) => String(s)).join(' ')}`);
  });
  layers.forEach((l, i) => {
    checkScale(l.inputScale, `input scale of layer '${l.name}'`);
    lines.push(`${names[i]} ${String(l.inputScale)}`);
  });
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/**
 * Parses an ncnn int8 table (ours or ncnn2table's). A `<name>_param_0` key is a weight line
 * (as in ncnn2int8); any other key is a blob line and must carry exactly one scale.
 * `file` names the source in error messages.
 */
export function parseNcnnTable(text: string, file = 'ncnn table'): NcnnTable {
  const weights = new Map<string, number[]>();
  const inputs = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const at = `${file}:${i + 1}`;
    const fields = line.split(/\s+/);
    const key = fields[0]!;
    if (fields.length < 2) throw new Error(`${at}: line '${key}' has no scale`);
    const values = fields.slice(1).map((t, k) => {
      // Number() accepts '', '0x..', 'Infinity'; require a plain decimal number
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new Error(`${at}: value ${k + 1} of '${key}' is not a number: '${t}'`);
      const v = Number(t);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${at}: value ${k + 1} of '${key}' is not a valid scale: '${t}'`);
      return v;
    });
    if (key.endsWith(PARAM_SUFFIX) && key.length > PARAM_SUFFIX.length) {
      const layer = key.slice(0, -PARAM_SUFFIX.length);
      if (weights.has(layer)) throw new Error(`${at}: weight scales of layer '${layer}' given twice`);
      weights.set(layer, values);
    } else {
      if (values.length !== 1) throw new Error(`${at}: blob line '${key}' must have exactly one scale, got ${values.length}`);
      if (inputs.has(key)) throw new Error(`${at}: input scale of layer '${key}' given twice`);
      inputs.set(key, values[0]!);
    }
  });
  return { weights, inputs };
}
