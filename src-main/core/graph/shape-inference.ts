/**
 * Static shape inference over the IR, one op at a time through each op's `inferShape`.
 * The import pass (foldAndInfer) also folds every node whose inputs are all constant,
 * and Shape of a value with a static shape, in one topological sweep, so computed shapes
 * (Shape → Gather/Slice → Concat → Reshape) become plain initializers before any op needs
 * them; only ops that are neither folded nor run by the FP32 kernels are refused.
 */
import { findOp, kernelsOf } from '../ops/registry.js';
import { sliceDims } from '../ops/shape.js';
import type { OpDef } from '../ops/types.js';
import { UnsupportedOpError } from '../ops/types.js';
import { unboundDimMessage } from './input-shapes.js';
import type { Graph, Node } from './ir.js';
import type { Tensor } from './tensor.js';
import { branchProto, inlineIf } from './passes/inline-if.js';
import { selectIfRefusal, type SelectedOutput } from '../onnx/select-if-proto.js';

/** Ops with constant inputs that are left in the graph (the quantizer wants them as layers). */
const NO_FOLD = new Set(['Conv', 'Gemm', 'MatMul']);

function unsupportedError(graph: Graph, node: Node): UnsupportedOpError {
  const op = node.domain ? `${node.domain}.${node.op}` : node.op;
  const ranges = kernelsOf(node.op, node.domain).map((d) => `${d.minOpset}–${d.maxOpset}`);
  const detail = ranges.length ? `implemented for opsets ${ranges.join(', ')} only; its definition at opset ${graph.opset} is not` : undefined;
  return new UnsupportedOpError(node.name, op, graph.opset, detail);
}

function opFor(graph: Graph, node: Node): OpDef {
  const def = findOp(node.op, node.domain, graph.opset);
  if (!def) throw unsupportedError(graph, node);
  return def;
}

function inputShapes(graph: Graph): void {
  for (const i of graph.inputs) {
    const k = i.dims.findIndex((d) => d <= 0);
    if (k >= 0) throw new Error(unboundDimMessage(i, k));
    graph.shapes.set(i.name, [...i.dims]);
  }
  for (const [k, t] of graph.initializers) graph.shapes.set(k, [...t.dims]);
}

function wrap(n: Node, e: unknown): Error {
  if (e instanceof UnsupportedOpError) return e;
  const msg = (e as Error).message;
  return new Error(msg.includes(`'${n.name}'`) ? msg : `node '${n.name}' (${n.op}): ${msg}`);
}

function setOutputs(graph: Graph, n: Node, outs: number[][]): void {
  n.outputs.forEach((o, k) => {
    if (o && outs[k]) graph.shapes.set(o, outs[k]!);
  });
  if (n.preActOutput && outs[0]) graph.shapes.set(n.preActOutput, outs[0]);
}

function updateOutputs(graph: Graph): void {
  for (const o of graph.outputs) {
    const s = graph.shapes.get(o.name);
    if (s) o.dims = [...s];
  }
}

/** Constant value of node n when it can be folded now, else undefined. */
function foldValue(graph: Graph, n: Node, def: OpDef): Tensor[] | undefined {
  const ctx = { opset: graph.opset };
  if (n.op === 'Shape' && n.domain === '') {
    const s = graph.shapes.get(n.inputs[0]!);
    if (!s) return undefined;
    const d = sliceDims(n, s, ctx);
    return [{ dtype: 'int64', dims: [d.length], data: Float64Array.from(d) }];
  }
  if (NO_FOLD.has(n.op) || !n.inputs.some((i) => i !== '')) return undefined;
  const ins = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
  if (!n.inputs.every((i, k) => i === '' || ins[k] !== undefined)) return undefined;
  return def.run(n, ins, ctx);
}

/** Throws when a selected output's branches (or the select) disagree in shape. */
function checkSelectedShapes(graph: Graph, selected: readonly SelectedOutput[]): void {
  for (const s of selected) {
    const [a, b, y] = [s.then, s.else, s.output].map((v) => graph.shapes.get(v));
    const same = (u?: number[], v?: number[]) => !!u && !!v && u.length === v.length && u.every((d, i) => d === v[i]);
    if (!same(a, b) || !same(a, y)) {
      const f = (d?: number[]) => (d ? `[${d.join('x')}]` : '?');
      throw new Error(
        `node '${s.ifName}' (If): the branches give output '${s.output}' different shapes (then ${f(a)}, else ${f(b)}), so it cannot run as a select of both branches`,
      );
    }
  }
}

export interface FoldResult {
  /** number of folded nodes */
  folded: number;
  /**
   * Ifs with a data-dependent condition over plain FP32 branches: when there are any, `graph` is
   * left unfinished; the import rewrites them as selects in the model (onnx/select-if-proto.ts)
   * and imports it again, passing the selects made as `selected`.
   */
  selectIfs: string[];
}

/**
 * The import sweep: static input shapes, then constant folding and shape inference node by
 * node. Throws UnsupportedOpError for the first node left that the FP32 kernels cannot run,
 * and a clear error when a select's branches (`selected`) differ in shape. Nodes must be
 * topologically sorted.
 */
export function foldAndInfer(graph: Graph, selected: readonly SelectedOutput[] = []): FoldResult {
  graph.shapes.clear();
  inputShapes(graph);
  let folded = 0;
  const kept: Node[] = [];
  let refused: Node | undefined;
  const selectIfs: string[] = [];
  let deferred: Node | undefined;
  const queue = [...graph.nodes];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    const cond = n.op === 'If' && n.domain === '' ? graph.initializers.get(n.inputs[0]!) : undefined;
    if (cond) {
      // a constant condition: the taken branch's nodes go through this sweep in place of the If
      queue.splice(i + 1, 0, ...inlineIf(graph, n, cond));
      folded++;
      continue;
    }
    if (n.op === 'If' && n.domain === '' && !selectIfRefusal(branchProto(n, 'then_branch'), branchProto(n, 'else_branch'))) {
      // a data-dependent condition over plain FP32 branches, to rewrite as a select; a condition
      // with no shape waits on such an If (it may fold once that is a select): the next import decides
      if (!n.inputs[0]) throw new Error(`node '${n.name}' (If): the condition input is missing`);
      if (graph.shapes.has(n.inputs[0])) selectIfs.push(n.name);
      else deferred ??= n;
      continue;
    }
    const def = findOp(n.op, n.domain, graph.opset);
    if (!def) {
      refused ??= n;
      kept.push(n);
      continue;
    }
    let outs: Tensor[] | undefined;
    try {
      outs = foldValue(graph, n, def);
    } catch (e) {
      throw wrap(n, e);
    }
    if (outs) {
      n.outputs.forEach((o, k) => {
        if (o && outs![k]) {
          graph.initializers.set(o, outs![k]!);
          graph.shapes.set(o, [...outs![k]!.dims]);
        }
      });
      folded++;
      continue;
    }
    kept.push(n);
    const shapes = n.inputs.map((i) => (i ? graph.shapes.get(i) : undefined));
    // a value produced by a refused op or an If to select has no shape; both are dealt with below
    if ((refused || selectIfs.length) && n.inputs.some((i, k) => i !== '' && !shapes[k])) continue;
    const consts = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
    try {
      setOutputs(graph, n, def.inferShape(n, shapes, consts, { opset: graph.opset }));
    } catch (e) {
      throw wrap(n, e);
    }
  }
  if (selectIfs.length) return { folded, selectIfs };
  if (refused) throw unsupportedError(graph, refused);
  if (deferred) throw new Error(`node '${deferred.name}' (If): the condition '${deferred.inputs[0]}' has no shape`);
  checkSelectedShapes(graph, selected);
  graph.nodes = kept;
  updateOutputs(graph);
  return { folded, selectIfs };
}

/** Fills graph.shapes for every value; nodes must be topologically sorted. */
export function inferShapes(graph: Graph): void {
  inputShapes(graph);
  for (const n of graph.nodes) {
    const def = opFor(graph, n);
    const inShapes = n.inputs.map((i) => (i ? graph.shapes.get(i) : undefined));
    const consts = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
    try {
      setOutputs(graph, n, def.inferShape(n, inShapes, consts, { opset: graph.opset }));
    } catch (e) {
      throw wrap(n, e);
    }
  }
  updateOutputs(graph);
}
