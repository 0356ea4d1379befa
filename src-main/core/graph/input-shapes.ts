/**
 * Binding the graph inputs to static shapes before shape inference: explicit shapes by input
 * name, one shape for the first input (a card's input.shape or --input-shape, named by
 * `from` in errors), then batch 1 for a dynamic batch dim, with a notice; any dim still
 * dynamic is an error naming the input and the dim.
 */
import type { Graph, ValueInfo } from './ir.js';

export interface InputShapeOptions {
  /** name → dims (e.g. the demo's own input) */
  inputShapes?: Record<string, number[]>;
  /** dims of the first graph input, from `inputShapeFrom` (e.g. "card x/card.json", "--input-shape") */
  inputShape?: number[];
  inputShapeFrom?: string;
}

const fmt = (dims: readonly number[]) => `[${dims.map((d) => (d > 0 ? d : '?')).join(',')}]`;

function bind(file: string, input: ValueInfo, dims: readonly number[], from: string): void {
  if (dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${from}: input shape [${dims.join(',')}] for '${input.name}' must be positive integers (${file})`);
  }
  if (input.dims.length !== dims.length || input.dims.some((d, k) => d > 0 && d !== dims[k])) {
    throw new Error(`${from}: input shape [${dims.join(',')}] does not match the model's input '${input.name}' ${fmt(input.dims)} (${file})`);
  }
  input.dims = [...dims];
}

/** Sets static input dims in place; returns notices (defaults applied). */
export function bindInputShapes(graph: Graph, file: string, opts: InputShapeOptions): string[] {
  for (const [name, dims] of Object.entries(opts.inputShapes ?? {})) {
    const i = graph.inputs.find((x) => x.name === name);
    if (!i) throw new Error(`${file}: no graph input named '${name}' (inputs: ${graph.inputs.map((x) => x.name).join(', ')})`);
    bind(file, i, dims, file);
  }
  if (opts.inputShape) bind(file, graph.inputs[0]!, opts.inputShape, opts.inputShapeFrom ?? 'input shape');
  for (const i of graph.inputs) {
    // dim 0 of a rank >= 2 input is the batch, defaulted below
    const k = i.dims.findIndex((d, j) => d <= 0 && (j > 0 || i.dims.length < 2));
    if (k >= 0) throw new Error(`${file}: ${unboundDimMessage(i, k, i !== graph.inputs[0])}`);
  }
  const notices: string[] = [];
  for (const i of graph.inputs) {
    if (i.dims.length >= 2 && i.dims[0]! <= 0) {
      const was = fmt(i.dims);
      i.dims[0] = 1;
      notices.push(`input '${i.name}' has a dynamic batch dimension ${was}; using batch 1 (give another with --input-shape or the card's input.shape)`);
    }
  }
  return notices;
}

/** `byName`: an input after the first, whose shape only `--input-shape <name>=dims` gives. */
export function unboundDimMessage(i: ValueInfo, k: number, byName = false): string {
  const param = i.dimParams?.[k] ? ` ('${i.dimParams[k]}')` : '';
  const how = byName ? `--input-shape ${i.name}=<dims>` : "--input-shape or the card's input.shape";
  return `graph input '${i.name}' has a dynamic shape ${fmt(i.dims)}: dim ${k}${param} has no size; give a static input shape (all ${i.dims.length} dims) with ${how}`;
}
