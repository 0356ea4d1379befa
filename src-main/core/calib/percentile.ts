/** Percentile calibration: the threshold is the given percentile (99.99 by default) of |x|. Weights: max-abs. */
import type { Calibrator } from './calibrator.js';
import { maxAbsWeightsForGroup } from './calibrator.js';
import { AbsHistogram } from './histogram.js';
import { NEGLIGIBLE_MAX_ABS } from '../quant/rounding.js';

const BINS = 1 << 16;

export const percentileCalibrator: Calibrator = {
  decide(group, _xs, ctx) {
    const max = ctx.capture.maxAbs.get(group.input) ?? 0;
    let aScale = 1;
    if (max >= NEGLIGIBLE_MAX_ABS) {
      const h = new AbsHistogram(max, BINS);
      for (let i = 0; i < ctx.capture.store.count(group.input); i++) h.add(ctx.capture.store.read(group.input, i));
      const t = h.percentile(ctx.settings.percentile);
      aScale = ctx.qmax / (t > 0 ? t : max);
    }
    return { aScale, wScales: maxAbsWeightsForGroup(group, ctx.qmax) };
  },
};
