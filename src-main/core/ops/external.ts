/**
 * Ops without a TypeScript kernel can still run in FP32 through a runner the engines layer
 * installs (onnxruntime there; core stays free of it). The runner executes one node on concrete
 * inputs; shapes come from running it once on zero tensors of the input shapes (cached: the
 * import runs several shape passes, and a big model has hundreds of such nodes).
 */
import type { Node } from '../graph/ir.js';
import type { DType, Tensor } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { UnsupportedOpError } from './types.js';
import { allocData, makeTensor } from './util.js';

export interface ExternalOpRunner {
  /** a short name for messages, e.g. 'onnxruntime' */
  readonly name: string;
  /** outputs of `node` (default ONNX domain at `opset`) on `inputs`; throws (one line why) when it cannot */
  run(node: Node, inputs: (Tensor | undefined)[], opset: number): Tensor[];
}

let runner: ExternalOpRunner | undefined;
/**
 * Element types of values earlier external nodes produced, by value name: a hint for shape
 * inference, which knows only shapes (e.g. DynamicQuantizeLinear → uint8 → ConvInteger).
 */
const producedTypes = new Map<string, DType>();

/** Output dims and element types by node and inputs (shapeKey). */
const shapeCache = new Map<string, { dims: number[]; dtype: DType }[]>();
const dataIds = new WeakMap<object, number>();
let nextDataId = 0;

/** Constant data's identity for the key: its values when small (shape operands), else the object. */
function dataKey(d: ArrayLike<number>): string {
  if (d.length <= 64) return Array.from(d).join(',');
  let id = dataIds.get(d);
  if (id === undefined) dataIds.set(d, (id = nextDataId++));
  return `#${id}`;
}

const constKey = (t: Tensor): string => `${t.dtype}[${t.dims.join(',')}]=${dataKey(t.data)}`;

function shapeKey(node: Node, ins: (Tensor | undefined)[], consts: (Tensor | undefined)[], opset: number): string {
  const inKeys = ins.map((t, k) => (!t ? '-' : consts[k] ? constKey(consts[k]!) : `${t.dtype}[${t.dims.join(',')}]`));
  const attrs = JSON.stringify(node.attrs, (_k, v: unknown) => (ArrayBuffer.isView(v) ? dataKey(v as unknown as ArrayLike<number>) : v));
  return [node.domain, node.op, node.name, opset, node.outputs.length, attrs, ...inKeys].join('|');
}

/** Installs (or with undefined removes) the runner for ops the kernels lack. */
export function setExternalOpRunner(r: ExternalOpRunner | undefined): void {
  runner = r;
  shapeCache.clear();
}

export function externalOpRunner(): ExternalOpRunner | undefined {
  return runner;
}

function zeros(dtype: DType, dims: number[]): Tensor {
  return makeTensor(
    dtype,
    dims,
    allocData(
      dtype,
      dims.reduce((a, b) => a * b, 1),
    ),
  );
}

/** The runner's failure as the import's usual refusal, with why the kernels do not cover it. */
function refusal(node: Node, opset: number, kernelNote: string | undefined, e: unknown): UnsupportedOpError {
  const why = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
  return new UnsupportedOpError(node.name, node.op, opset, `${kernelNote ?? 'no TypeScript kernel'}, and onnxruntime cannot run it either (${why})`);
}

/**
 * An OpDef that delegates `op` to the installed runner, or undefined when none is installed.
 * `kernelNote` says why the kernels do not cover it (e.g. other opsets only).
 */
export function externalOp(op: string, domain: string, kernelNote?: string): OpDef | undefined {
  const r = runner;
  if (!r) return undefined;
  const call = (node: Node, ins: (Tensor | undefined)[], opset: number): Tensor[] => {
    try {
      return r.run(node, ins, opset);
    } catch (e) {
      throw refusal(node, opset, kernelNote, e);
    }
  };
  return {
    op,
    domain,
    minOpset: 1,
    maxOpset: Infinity,
    external: r.name,
    run: (node, inputs, ctx) => call(node, inputs, ctx.opset),
    inferShape(node, shapes, consts, ctx) {
      // other data inputs are taken as float32, the type of every activation the kernels make (If: a bool condition)
      const typeOf = (x: string, k: number): DType => producedTypes.get(x) ?? (node.op === 'If' && k === 0 ? 'bool' : 'float32');
      const ins = node.inputs.map((x, k) => (x === '' ? undefined : (consts[k] ?? (shapes[k] ? zeros(typeOf(x, k), shapes[k]!) : undefined))));
      const key = shapeKey(node, ins, consts, ctx.opset);
      let outs = shapeCache.get(key);
      if (!outs) {
        outs = call(node, ins, ctx.opset).map((t) => ({ dims: [...t.dims], dtype: t.dtype }));
        shapeCache.set(key, outs);
      }
      outs.forEach((t, k) => node.outputs[k] && producedTypes.set(node.outputs[k]!, t.dtype));
      return outs.map((t) => [...t.dims]);
    },
  };
}
