/**
 * Dropout (opset 1-25), inference only: output 0 is a copy of the input. When the node names
 * the mask output it is all ones (bool from opset 10, the input type before).
 */
import type { OpDef } from './types.js';
import { LATEST_OPSET, makeTensor, req, reqShape, reshaped } from './util.js';

export const Dropout: OpDef = {
  op: 'Dropout',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const out = [reshaped(x, x.dims)];
    if (node.outputs.length > 1 && node.outputs[1] !== '') {
      const n = x.data.length;
      out.push(ctx.opset >= 10 ? makeTensor('bool', x.dims, new Uint8Array(n).fill(1)) : makeTensor('float32', x.dims, new Float32Array(n).fill(1)));
    }
    return out;
  },
  inferShape(node, shapes) {
    const s = reqShape(node, shapes, 0, 'data');
    return node.outputs.length > 1 && node.outputs[1] !== '' ? [[...s], [...s]] : [[...s]];
  },
};
