/** Where (opset 9-25): out = condition ? X : Y with numpy broadcasting of all three. */
import type { OpDef } from './types.js';
import { broadcastAll, broadcastMap } from './broadcast-map.js';
import { fail, LATEST_OPSET, req, reqShape } from './util.js';

export const Where: OpDef = {
  op: 'Where',
  minOpset: 9,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const c = req(node, inputs, 0, 'condition');
    const x = req(node, inputs, 1, 'X');
    const y = req(node, inputs, 2, 'Y');
    if (c.dtype !== 'bool') fail(node, `condition must be bool, got ${c.dtype}`);
    if (x.dtype !== y.dtype) fail(node, `X and Y types differ: ${x.dtype} and ${y.dtype}`);
    return [broadcastMap(node, [c, x, y], x.dtype, (v) => (v[0] ? v[1]! : v[2]!))];
  },
  inferShape(node, shapes) {
    return [broadcastAll(node, [reqShape(node, shapes, 0, 'condition'), reqShape(node, shapes, 1, 'X'), reqShape(node, shapes, 2, 'Y')])];
  },
};
