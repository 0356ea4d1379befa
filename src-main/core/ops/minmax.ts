/**
 * Variadic element-wise Max/Min (opset 6-25): numpy broadcasting (from opset 8; opsets 6-7
 * require equal shapes, which broadcasting accepts too). float32, int64 and int32; NaN
 * propagates as in onnxruntime.
 */
import type { OpDef } from './types.js';
import { broadcastAll, broadcastMap } from './broadcast-map.js';
import { fail } from './util.js';

export function minMaxOp(op: 'Max' | 'Min', minOpset: number, maxOpset: number): OpDef {
  const pick = op === 'Max' ? (a: number, b: number) => (a > b || a !== a ? a : b) : (a: number, b: number) => (a < b || a !== a ? a : b);
  return {
    op,
    minOpset,
    maxOpset,
    run(node, inputs) {
      const xs = node.inputs.map((_, i) => {
        const t = inputs[i];
        if (!t) fail(node, `missing input ${i}`);
        return t;
      });
      if (xs.length === 0) fail(node, 'needs at least one input');
      const dtype = xs[0]!.dtype;
      if (xs.some((t) => t.dtype !== dtype)) fail(node, `inputs have different types: ${xs.map((t) => t.dtype).join(', ')}`);
      return [broadcastMap(node, xs, dtype, (v) => v.reduce(pick))];
    },
    inferShape(node, shapes) {
      return [
        broadcastAll(
          node,
          node.inputs.map((_, i) => {
            const s = shapes[i];
            if (!s) fail(node, `shape of input ${i} is unknown`);
            return s;
          }),
        ),
      ];
    },
  };
}
