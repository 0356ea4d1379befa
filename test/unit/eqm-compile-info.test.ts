/**
 * compileEqmModel returns, with the bytes, the input quantization a deployment needs (int8
 * batches), equal to what deploy/batch.ts reads back from the file for an .eqm given as is.
 */
import { describe, expect, it } from 'vitest';
import { compileEqmModel } from '../../src-main/core/eqm/write-eqm.js';
import type { QuantPlan } from '../../src-main/core/quant/plan.js';
import { quantizeInput } from '../../src-main/deploy/batch.js';
import { inputQuantization } from '../helpers/eqm-input-quant.js';
import { tinyQuantized } from '../helpers/native-models.js';

describe('compileEqmModel: input quantization without re-reading the file', () => {
  for (const bits of [8, 7]) {
    it(`INT${bits}: the scale of the quantize op reading the input`, async () => {
      const q = await tinyQuantized(bits);
      const c = compileEqmModel(q.graph, q.plan, q.table);
      const quant = q.prog.ops.find((o) => o.kind === 'quantize' && o.input === q.prog.input) as { scale: number };
      expect(c.inputQuant).toEqual({ scale: quant.scale, qmax: bits === 8 ? 127 : 63 });
      expect(inputQuantization(c.bytes)).toEqual(c.inputQuant);
    });
  }

  it('all layers in float: the input is read by float ops, so null', async () => {
    const q = await tinyQuantized(8);
    const none: QuantPlan = { layers: [], groups: [], report: q.plan.report };
    const c = compileEqmModel(q.graph, none, { ...q.table, layers: [], tensors: {} });
    expect(c.inputQuant).toBeNull();
    expect(inputQuantization(c.bytes)).toBeNull();
  });

  it('quantizeInput rounds half to even and clips to qmax (the shared rounding)', () => {
    const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 200, -200]);
    expect(Array.from(quantizeInput(x, 1, 127))).toEqual([0, 2, 2, 0, -2, -2, 127, -127]);
  });
});
