/**
 * ncnn `.param` files and the layer names of an ncnn table.
 *
 * ncnn2int8 looks a table's lines up by ncnn layer name. A model converted to ncnn names its
 * layers after the original framework (`conv1`, `fire2/squeeze1x1`), not after our ONNX node
 * names (`Conv_0`), and ncnn2int8 silently skips every name it does not find. So the table
 * must be written with the names of the user's own .param: we pair our quantized layers with
 * the param's Convolution / ConvolutionDepthWise / InnerProduct layers by weight geometry
 * (output count, weight size, kernel, stride, dilation, group) in graph order.
 *
 * Text format (ncnn wiki "param and model file structure"):
 *   7767517
 *   <layer count> <blob count>
 *   <type> <name> <bottom count> <top count> <bottoms…> <tops…> <id>=<value> …
 * Array values have a negative id -23300-k: `-23300=3,1.0,2.0,3.0`.
 */
import type { Graph } from '../graph/ir.js';
import { attrInt, attrInts } from '../graph/ir.js';
import type { LayerScales, ScaleTable } from '../quant/scale-table.js';
import { writeNcnnTable } from './ncnn-table.js';

export interface NcnnParamLayer {
  type: string;
  name: string;
  bottoms: string[];
  tops: string[];
  /** param id → raw value text (arrays keep their "n,a,b,…" text) */
  params: Map<number, string>;
  /** 1-based line in the file, for messages */
  line: number;
}

export const NCNN_PARAM_MAGIC = 7767517;

export function parseNcnnParam(text: string, file = 'ncnn.param'): NcnnParamLayer[] {
  const lines = text.split(/\r?\n/);
  let i = 0;
  const next = (): { words: string[]; line: number } | undefined => {
    while (i < lines.length) {
      const raw = lines[i++]!.trim();
      if (raw.length > 0) return { words: raw.split(/\s+/), line: i };
    }
    return undefined;
  };
  const magic = next();
  if (!magic || magic.words[0] !== String(NCNN_PARAM_MAGIC)) {
    throw new Error(`${file}: not an ncnn .param file (the first line must be the magic number ${NCNN_PARAM_MAGIC}; binary .param.bin files are not supported)`);
  }
  const counts = next();
  const layerCount = Number(counts?.words[0]);
  if (!counts || counts.words.length < 2 || !Number.isInteger(layerCount) || layerCount < 0) {
    throw new Error(`${file}:${counts?.line ?? 2}: expected "<layer count> <blob count>"`);
  }
  const layers: NcnnParamLayer[] = [];
  for (let k = 0; k < layerCount; k++) {
    const l = next();
    if (!l) throw new Error(`${file}: the header announces ${layerCount} layers but the file ends after ${k}`);
    const at = `${file}:${l.line}`;
    const [type, name, nb, nt] = l.words;
    const bottomCount = Number(nb);
    const topCount = Number(nt);
    if (!type || !name || !Number.isInteger(bottomCount) || !Number.isInteger(topCount) || bottomCount < 0 || topCount < 0) {
      throw new Error(`${at}: expected "<type> <name> <bottom count> <top count> …", got "${l.words.slice(0, 4).join(' ')}"`);
    }
    const rest = l.words.slice(4);
    if (rest.length < bottomCount + topCount) throw new Error(`${at}: layer '${name}' lists fewer blobs than its counts (${bottomCount} bottoms, ${topCount} tops)`);
    const params = new Map<number, string>();
    for (const kv of rest.slice(bottomCount + topCount)) {
      const eq = kv.indexOf('=');
      const id = Number(kv.slice(0, eq));
      if (eq <= 0 || !Number.isInteger(id)) throw new Error(`${at}: layer '${name}': parameter "${kv}" is not <id>=<value>`);
      params.set(id, kv.slice(eq + 1));
    }
    layers.push({ type, name, bottoms: rest.slice(0, bottomCount), tops: rest.slice(bottomCount, bottomCount + topCount), params, line: l.line });
  }
  return layers;
}

/** Weight geometry of a quantizable layer, comparable between ncnn and our graph. */
export interface WeightGeometry {
  name: string;
  kind: 'conv' | 'fc';
  numOutput: number;
  weightDataSize: number;
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  group: number;
}

function intParam(l: NcnnParamLayer, id: number, dflt: number): number {
  const v = l.params.get(id);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`ncnn layer '${l.name}' (line ${l.line}): parameter ${id}=${v} is not an integer`);
  return n;
}

/** The layers ncnn2int8 quantizes, in file order, with their weight geometry. */
export function ncnnQuantizableLayers(layers: NcnnParamLayer[]): WeightGeometry[] {
  const out: WeightGeometry[] = [];
  for (const l of layers) {
    if (l.type === 'Convolution' || l.type === 'ConvolutionDepthWise') {
      const kw = intParam(l, 1, 0);
      const dw = intParam(l, 2, 1);
      const sw = intParam(l, 3, 1);
      out.push({
        name: l.name,
        kind: 'conv',
        numOutput: intParam(l, 0, 0),
        weightDataSize: intParam(l, 6, 0),
        kernel: [intParam(l, 11, kw), kw],
        dilation: [intParam(l, 12, dw), dw],
        stride: [intParam(l, 13, sw), sw],
        group: l.type === 'ConvolutionDepthWise' ? intParam(l, 7, 1) : 1,
      });
    } else if (l.type === 'InnerProduct') {
      out.push({ name: l.name, kind: 'fc', numOutput: intParam(l, 0, 0), weightDataSize: intParam(l, 2, 0), kernel: [1, 1], stride: [1, 1], dilation: [1, 1], group: 1 });
    }
  }
  return out;
}

/** Weight geometry of our quantized layers (Conv → conv, Gemm/MatMul → fc). */
export function graphLayerGeometry(graph: Graph, layers: LayerScales[]): WeightGeometry[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  return layers.map((l) => {
    const node = byName.get(l.name);
    const w = graph.initializers.get(l.weight);
    if (!node || !w) throw new Error(`ncnn names: layer '${l.name}' (weight '${l.weight}') is not in the model; was the table made for this model?`);
    const size = w.dims.reduce((a, b) => a * b, 1);
    if (node.op === 'Conv') {
      const kh = w.dims[2] ?? 1;
      const kw = w.dims[3] ?? 1;
      const s = attrInts(node, 'strides', [1, 1]);
      const d = attrInts(node, 'dilations', [1, 1]);
      return {
        name: l.name,
        kind: 'conv',
        numOutput: w.dims[0]!,
        weightDataSize: size,
        kernel: [kh, kw],
        stride: [s[0] ?? 1, s[1] ?? s[0] ?? 1],
        dilation: [d[0] ?? 1, d[1] ?? d[0] ?? 1],
        group: attrInt(node, 'group', 1),
      };
    }
    return { name: l.name, kind: 'fc', numOutput: l.weightScales.length, weightDataSize: size, kernel: [1, 1], stride: [1, 1], dilation: [1, 1], group: 1 };
  });
}

const same2 = (a: [number, number], b: [number, number]) => a[0] === b[0] && a[1] === b[1];

/** Can ours be the same layer as theirs? A 1×1 conv may have become an InnerProduct (ncnnoptimize does that after global pooling). */
export function sameWeights(ours: WeightGeometry, theirs: WeightGeometry): boolean {
  if (ours.numOutput !== theirs.numOutput || ours.weightDataSize !== theirs.weightDataSize) return false;
  if (ours.kind === theirs.kind) {
    return ours.kind === 'fc' || (same2(ours.kernel, theirs.kernel) && same2(ours.stride, theirs.stride) && same2(ours.dilation, theirs.dilation) && ours.group === theirs.group);
  }
  const conv = ours.kind === 'conv' ? ours : theirs;
  return same2(conv.kernel, [1, 1]) && same2(conv.stride, [1, 1]) && conv.group === 1;
}

export interface NcnnNameMatch {
  /** our layer name → ncnn layer name */
  names: Map<string, string>;
  /** our layers with no ncnn layer of the same weight geometry */
  unmatchedOurs: WeightGeometry[];
  /** ncnn layers no layer of ours was paired with (they stay FP32 in ncnn2int8) */
  unmatchedTheirs: WeightGeometry[];
}

/**
 * Pairs layers by weight geometry, in order: each of ours takes the first unused ncnn layer
 * with the same geometry after the previous match (ties between identical layers go by
 * order, as both graphs run the network front to back), else the first unused one anywhere.
 */
export function matchNcnnLayers(ours: WeightGeometry[], theirs: WeightGeometry[]): NcnnNameMatch {
  const used = new Array<boolean>(theirs.length).fill(false);
  const names = new Map<string, string>();
  const unmatchedOurs: WeightGeometry[] = [];
  let cursor = 0;
  for (const o of ours) {
    let j = -1;
    for (let k = cursor; k < theirs.length && j < 0; k++) if (!used[k] && sameWeights(o, theirs[k]!)) j = k;
    for (let k = 0; k < cursor && j < 0; k++) if (!used[k] && sameWeights(o, theirs[k]!)) j = k;
    if (j < 0) {
      unmatchedOurs.push(o);
      continue;
    }
    used[j] = true;
    names.set(o.name, theirs[j]!.name);
    cursor = j + 1;
  }
  return { names, unmatchedOurs, unmatchedTheirs: theirs.filter((_, k) => !used[k]) };
}

/** ncnn's 6-bit weight convention: int8 Winograd F(4,3) needs 3×3 stride-1 dilation-1 Convolution weights in [-31, 31]. */
export function isNcnnSixBitLayer(t: WeightGeometry): boolean {
  return t.kind === 'conv' && t.group === 1 && same2(t.kernel, [3, 3]) && same2(t.stride, [1, 1]) && same2(t.dilation, [1, 1]);
}

const describe = (g: WeightGeometry) =>
  `${g.name} (${g.kind === 'fc' ? 'fully connected' : `${g.kernel[0]}x${g.kernel[1]} conv, stride ${g.stride.join('x')}, group ${g.group}`}, ${g.numOutput} outputs, ${g.weightDataSize} weights)`;

export interface NcnnNamingResult {
  /** whether our layer was paired with a layer of the .param */
  isMatched: (l: LayerScales) => boolean;
  layerName: (l: LayerScales) => string;
  /** weight scale multiplier per our layer name (31/qmax for ncnn's 6-bit layers when asked) */
  weightFactor: (l: LayerScales) => number;
  warnings: string[];
  matched: number;
}

/**
 * Everything the ncnn table writer needs to target a user's .param: the ncnn name of each of
 * our layers, and (with `sixBit`) the rescaling of 3×3 stride-1 weight scales to 31/T.
 * Refuses when not a single layer matches; warns for every layer left out on either side.
 */
export function ncnnNamingFor(graph: Graph, layers: LayerScales[], paramText: string, paramFile: string, qmax: number, sixBit: boolean): NcnnNamingResult {
  const theirs = ncnnQuantizableLayers(parseNcnnParam(paramText, paramFile));
  const ours = graphLayerGeometry(graph, layers);
  const m = matchNcnnLayers(ours, theirs);
  if (m.names.size === 0) {
    throw new Error(
      `${paramFile}: none of the model's ${ours.length} quantized layers has the weight geometry of one of the ${theirs.length} Convolution/ConvolutionDepthWise/InnerProduct layers of this .param; is it the same network? (first of ours: ${ours[0] ? describe(ours[0]) : 'none'}; first of the param: ${theirs[0] ? describe(theirs[0]) : 'none'})`,
    );
  }
  const warnings: string[] = [];
  for (const o of m.unmatchedOurs) warnings.push(`ncnn table: layer ${describe(o)} has no layer of the same weight geometry in ${paramFile}; its line is left out`);
  for (const t of m.unmatchedTheirs) warnings.push(`ncnn table: ${paramFile} layer ${describe(t)} matches none of our quantized layers; ncnn2int8 will keep it FP32`);
  const theirByName = new Map(theirs.map((t) => [t.name, t]));
  return {
    isMatched: (l) => m.names.has(l.name),
    layerName: (l) => m.names.get(l.name) ?? l.name,
    weightFactor: (l) => {
      const t = theirByName.get(m.names.get(l.name) ?? '');
      return sixBit && t && isNcnnSixBitLayer(t) ? 31 / qmax : 1;
    },
    warnings,
    matched: m.names.size,
  };
}

/** The ncnn table text for the user's own .param: its layer names, matched layers only. */
export function writeNcnnTableForParam(
  graph: Graph,
  table: ScaleTable,
  paramText: string,
  paramFile: string,
  opts: { sixBit?: boolean } = {},
): { text: string; warnings: string[]; matched: number } {
  const n = ncnnNamingFor(graph, table.layers, paramText, paramFile, table.qmax, opts.sixBit ?? false);
  const text = writeNcnnTable(table, { layerName: n.layerName, weightFactor: n.weightFactor, include: n.isMatched });
  return { text, warnings: n.warnings, matched: n.matched };
}
