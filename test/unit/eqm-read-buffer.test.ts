/**
 * readEqm on a Node Buffer that is a view into a larger pool (non-zero byteOffset, as
 * fs.readFileSync and Buffer.concat give): same model as from a plain copy, input unchanged.
 */
import { expect, it } from 'vitest';
import { readEqm } from '../helpers/read-eqm.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { tinyQuantized } from '../helpers/native-models.js';

it('readEqm accepts a Buffer view with a byte offset and leaves it unchanged', async () => {
  const q = await tinyQuantized(8);
  const bytes = compileIntProgram(q.graph, q.prog);
  for (const pad of [1, 3, 5]) {
    const view = Buffer.concat([Buffer.alloc(pad, 0xee), Buffer.from(bytes)]).subarray(pad);
    expect(view.byteOffset).toBe(pad);
    const before = Buffer.from(view);
    const a = readEqm(view);
    const b = readEqm(new Uint8Array(bytes));
    expect(Buffer.compare(view, before)).toBe(0);
    expect(a.ops.length).toBe(b.ops.length);
    const qa = a.ops.find((o) => o.kind === 'qlinear');
    const qb = b.ops.find((o) => o.kind === 'qlinear');
    expect(qa).toEqual(qb);
  }
});
