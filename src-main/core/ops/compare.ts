/** Comparison ops (Equal, Greater, Less): numpy broadcasting (opset >= 7), bool output. */
import type { OpDef } from './types.js';
import { broadcastMap, broadcastAll } from './broadcast-map.js';
import { fail, req, reqShape } from './util.js';

export function compareOp(op: string, minOpset: number, maxOpset: number, f: (a: number, b: number) => boolean): OpDef {
  return {
    op,
    minOpset,
    maxOpset,
    run(node, inputs) {
      const a = req(node, inputs, 0, 'A');
      const b = req(node, inputs, 1, 'B');
      if (a.dtype !== b.dtype) fail(node, `input types differ: ${a.dtype} and ${b.dtype}`);
      return [broadcastMap(node, [a, b], 'bool', (v) => (f(v[0]!, v[1]!) ? 1 : 0))];
    },
    inferShape(node, shapes) {
      return [broadcastAll(node, [reqShape(node, shapes, 0, 'A'), reqShape(node, shapes, 1, 'B')])];
    },
  };
}
