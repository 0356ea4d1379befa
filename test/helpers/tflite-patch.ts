/**
 * Test-only edits of a .tflite file: repoint graph outputs that a LOGISTIC writes to that
 * LOGISTIC's input, so outputs saturated near 0/1 can be compared as logits.
 */
import { FbTable } from '../../src-main/core/tflite/flatbuffer-table.js';
import { readTflite } from '../../src-main/core/tflite/read-model.js';
import { F } from '../../src-main/core/tflite/schema.js';

/** A copy of `bytes` with sigmoid outputs replaced by their logits; null when there are none. */
export function logitOutputs(bytes: Uint8Array): Uint8Array | null {
  const model = readTflite(bytes, 'patch');
  const writer = new Map<number, number>();
  for (const op of model.operators) if (op.op === 'LOGISTIC') writer.set(op.outputs[0]!, op.inputs[0]!);
  if (!model.outputs.some((o) => writer.has(o))) return null;
  const copy = new Uint8Array(bytes);
  const sg = FbTable.root(copy).tables(F.Model.subgraphs)[0]!;
  const start = sg.vectorStart(F.SubGraph.outputs);
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  model.outputs.forEach((o, i) => {
    const logits = writer.get(o);
    if (logits !== undefined) view.setInt32(start + 4 * i, logits, true);
  });
  return copy;
}
