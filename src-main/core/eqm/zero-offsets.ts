/**
 * Which int8 ops take zero offsets (unsigned activations, engine/int-program.ts): the writer
 * refuses a program that gives one to an op whose arithmetic has none, as the readers do.
 */
import type { IntOp } from '../engine/int-program.js';
import { convPadding, padsZeroOffsetItself } from '../quant/unsigned-acts.js';

/** Returns what is wrong with op's zero offsets, or undefined. */
export function zeroOffsetProblem(op: IntOp, zero: (name: string) => number): string | undefined {
  switch (op.kind) {
    case 'qadd':
    case 'qmul':
      return [op.a, op.b, op.output].find((n) => zero(n) !== 0) !== undefined ? `${op.kind} '${op.output}': zero offsets are not supported by ${op.kind}` : undefined;
    case 'qlut':
    case 'qrelu':
    case 'qresize':
      return zero(op.input) !== 0 || zero(op.output) !== 0 ? `${op.kind} '${op.output}': zero offsets are not supported by ${op.kind}` : undefined;
    case 'qmaxpool':
    case 'qreshape':
    case 'qpad':
      return zero(op.input) !== zero(op.output) ? `${op.kind} '${op.output}': output zero offset ${zero(op.output)} differs from the input's ${zero(op.input)}` : undefined;
    case 'qlinear':
      // a depthwise layer pads with -z itself; the other kernels pad with 0
      return zero(op.input) !== 0 && convPadding(op.geom).some((p) => p > 0) && !padsZeroOffsetItself(op.geom)
        ? `layer '${op.name}': a padded non-depthwise layer cannot read a zero-offset input (pad it with -z first)`
        : undefined;
    default:
      return undefined;
  }
}
