/**
 * Keeps the int32 bias of every quantized channel inside the accumulator's range.
 *
 * The integer engines add the bias rne(b * Sa * Sw) to the int32 accumulator. A per-channel
 * weight scale Sw = qmax / max|w| explodes for "dead" channels whose weights are nearly zero
 * (PP-OCRv4's detector has channels with max|w| of 1e-34 … 1e-9, left by BatchNorm folding
 * of channels with a vanishing gamma); their bias then saturates int32 and the accumulator
 * overflows (both engines stop with "int32 accumulator overflow"). Such a channel carries
 * nothing but its bias, so its weight scale is lowered until the quantized bias plus the
 * largest possible accumulation K * qmax² fits in int32 with a 2x margin. Its weights then
 * round to (nearly) zero and the channel outputs its bias, as in FP32.
 *
 * The fix belongs in the lowering (engine/lower.ts); until it is there, the demo applies it
 * to its tables before compiling and exporting them, and reports how many channels it touched.
 */
import type { QuantPlan } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';

const INT32_MAX = 2147483647;

/** Lowers weight scales in place; returns the number of channels changed. */
export function capWeightScalesForBias(table: ScaleTable, plan: QuantPlan): number {
  const layers = new Map(plan.layers.map((l) => [l.name, l]));
  let changed = 0;
  for (const ls of table.layers) {
    const layer = layers.get(ls.name);
    if (!layer) continue;
    const sa = Math.fround(ls.inputScale);
    const headroom = (INT32_MAX - layer.geom.K * table.qmax * table.qmax) / 2;
    if (headroom <= 0) continue;
    ls.weightScales.forEach((sw, c) => {
      const b = Math.abs(layer.bias[c] ?? 0);
      if (b * sa * Math.fround(sw) <= headroom) return;
      let capped = Math.fround(headroom / (b * sa));
      while (capped > 0 && b * sa * capped > headroom) capped = Math.fround(capped * (1 - 2 ** -20));
      ls.weightScales[c] = capped;
      changed++;
    });
  }
  return changed;
}
