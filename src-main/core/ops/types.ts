/**
 * FP32 operator kernels: one op per file (ncnn style), each exporting an OpDef.
 * `run` computes outputs; `inferShape` gives static output shapes from input shapes
 * (and constant inputs, for ops such as Reshape/Slice whose shape depends on data).
 */
import type { Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';

export interface OpContext {
  /** opset of the default ONNX domain the model imports */
  opset: number;
}

export interface OpDef {
  /** ONNX op type, e.g. 'Conv' */
  op: string;
  /** ONNX domain; '' is the default domain */
  domain?: string;
  /** lowest and highest opset versions the kernel implements (inclusive) */
  minOpset: number;
  maxOpset: number;
  /** set when the op has no kernel here and runs through an external runner (its name) */
  external?: string;
  run(node: Node, inputs: (Tensor | undefined)[], ctx: OpContext): Tensor[];
  inferShape(node: Node, shapes: (number[] | undefined)[], consts: (Tensor | undefined)[], ctx: OpContext): number[][];
}

/** Error for a node the FP32 path cannot run: names the node, the op and the opset. */
export class UnsupportedOpError extends Error {
  constructor(
    readonly node: string,
    readonly op: string,
    readonly opset: number,
    detail?: string,
  ) {
    super(`node '${node}': op ${op} (opset ${opset}) is not supported${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}
