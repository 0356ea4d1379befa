/**
 * The external op runner of the TS engines: a node whose op has no kernel in core/ops becomes a
 * one-node ONNX model run by onnxruntime-node in a worker thread; the caller waits with
 * Atomics.wait, so the interpreter's FP32 path stays synchronous.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Node } from '../core/graph/ir.js';
import type { DType, Tensor } from '../core/graph/tensor.js';
import { AttributeType, onnx, type IAttributeProto, type IGraphProto } from '../core/onnx/proto.js';
import { externalOpRunner, setExternalOpRunner, type ExternalOpRunner } from '../core/ops/external.js';

const ONNX_TYPE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };
const ORT_TYPE: Record<DType, string> = { float32: 'float32', uint8: 'uint8', int8: 'int8', int32: 'int32', int64: 'int64', bool: 'bool' };

function attr(name: string, v: Node['attrs'][string]): IAttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'object' && 'subgraph' in v) return { name, type: AttributeType.GRAPH, g: v.subgraph as IGraphProto };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    const n = v as number[];
    return n.every(Number.isInteger) ? { name, type: AttributeType.INTS, ints: n } : { name, type: AttributeType.FLOATS, floats: n };
  }
  throw new Error(`attribute ${name} cannot be passed to onnxruntime`);
}

/**
 * Graph input names of the one-node model: in<k> for the node's inputs; the outer-scope values
 * its subgraphs read keep their names, so the subgraphs still find them.
 */
function inputNames(node: Node, inputs: (Tensor | undefined)[]): string[] {
  const explicit = node.inputs.length - (node.implicitInputs ?? 0);
  return node.inputs.map((x, k) => (!x || !inputs[k] ? '' : k < explicit ? `in${k}` : x));
}

function oneNodeModel(node: Node, inputs: (Tensor | undefined)[], opset: number): Uint8Array {
  const ins = inputNames(node, inputs);
  const explicit = node.inputs.length - (node.implicitInputs ?? 0);
  const outs = node.outputs.map((o, k) => (o ? `out${k}` : ''));
  const domain = node.domain && node.domain !== 'ai.onnx' ? node.domain : '';
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }, ...(domain ? [{ domain, version: 1 }] : [])],
    graph: {
      name: 'one-node',
      node: [{ name: node.name, opType: node.op, domain, input: ins.slice(0, explicit), output: outs, attribute: Object.entries(node.attrs).map(([k, v]) => attr(k, v)) }],
      input: inputs.flatMap((t, k) =>
        t && ins[k] ? [{ name: ins[k], type: { tensorType: { elemType: ONNX_TYPE[t.dtype], shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } } }] : [],
      ),
      output: outs.filter((o) => o).map((o) => ({ name: o })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function feedData(t: Tensor): ArrayLike<unknown> {
  if (t.dtype === 'int64') return BigInt64Array.from(t.data as ArrayLike<number>, (v) => BigInt(v));
  return t.data;
}

function fromOrt(o: { type: string; dims: number[]; data: ArrayLike<unknown> }, node: Node): Tensor {
  const dims = o.dims;
  switch (o.type) {
    case 'float32':
      return { dtype: 'float32', dims, data: o.data as Float32Array };
    case 'int64':
      return { dtype: 'int64', dims, data: Float64Array.from(o.data as BigInt64Array, (v) => Number(v)) };
    case 'int32':
      return { dtype: 'int32', dims, data: o.data as Int32Array };
    case 'int8':
      return { dtype: 'int8', dims, data: o.data as Int8Array };
    case 'uint8':
      return { dtype: 'uint8', dims, data: o.data as Uint8Array };
    case 'bool':
      return { dtype: 'bool', dims, data: Uint8Array.from(o.data as ArrayLike<number>, (v) => (v ? 1 : 0)) };
    default:
      throw new Error(`node '${node.name}' (${node.op}): onnxruntime returned a ${o.type} tensor, which the engines do not handle`);
  }
}

/** The bundled worker next to the Electron bundle (electron.vite.config.ts), else the source file. */
function workerEntry(): URL {
  // this module may land in out/main or in out/main/chunks
  for (const rel of ['./ort-node-worker.js', '../ort-node-worker.js']) {
    const bundled = new URL(rel, import.meta.url);
    if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled))) return bundled;
  }
  return new URL('./ort-node-worker.mjs', import.meta.url);
}

class OrtNodeRunner implements ExternalOpRunner {
  readonly name = 'onnxruntime';
  private worker: Worker | undefined;

  /** started on the first kernel-less node, so models without one never load onnxruntime here */
  private thread(): Worker {
    if (!this.worker) {
      this.worker = new Worker(workerEntry());
      this.worker.unref();
    }
    return this.worker;
  }

  run(node: Node, inputs: (Tensor | undefined)[], opset: number): Tensor[] {
    const model = oneNodeModel(node, inputs, opset);
    const key = `${node.name}|${opset}|${inputs.map((t) => (t ? `${t.dtype}[${t.dims.join(',')}]` : '-')).join(';')}`;
    const names = inputNames(node, inputs);
    const feeds = inputs.flatMap((t, k) => (t && names[k] ? [{ name: names[k], type: ORT_TYPE[t.dtype], dims: t.dims, data: feedData(t) }] : []));
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.thread().postMessage({ key, model, feeds, port: port2, flag }, [port2]);
    Atomics.wait(flag, 0, 0);
    const reply = receiveMessageOnPort(port1)?.message as { outputs?: { type: string; dims: number[]; data: ArrayLike<unknown> }[]; error?: string } | undefined;
    port1.close();
    if (!reply || reply.error !== undefined || !reply.outputs) {
      throw new Error(reply?.error ?? 'no reply from the onnxruntime worker');
    }
    return reply.outputs.map((o) => fromOrt(o, node));
  }
}

let runner: OrtNodeRunner | undefined;

/** Lets the TS engines run ops without a kernel through onnxruntime (one worker per process). */
export function installOrtNodeRunner(): void {
  if (externalOpRunner() === undefined) setExternalOpRunner((runner ??= new OrtNodeRunner()));
}
