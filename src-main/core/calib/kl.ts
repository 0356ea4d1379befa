/** KL / entropy calibration, TensorRT style (2048 bins, thresholds from qmax+1 bins up). Weights: max-abs per channel. */
import type { Calibrator } from './calibrator.js';
import { maxAbsWeightsForGroup } from './calibrator.js';
import type { CalibCapture } from './capture-types.js';
import { AbsHistogram, klThreshold } from './histogram.js';
import { NEGLIGIBLE_MAX_ABS } from '../quant/rounding.js';

export function klActivationScale(capture: CalibCapture, tensor: string, qmax: number, bins: number): number {
  const max = capture.maxAbs.get(tensor) ?? 0;
  if (!(max >= NEGLIGIBLE_MAX_ABS)) return 1;
  const h = new AbsHistogram(max, bins);
  for (let i = 0; i < capture.store.count(tensor); i++) h.add(capture.store.read(tensor, i), true);
  const t = klThreshold(h, qmax + 1);
  return t > 0 ? qmax / t : qmax / max;
}

export const klCalibrator: Calibrator = {
  decide(group, _xs, ctx) {
    return {
      aScale: klActivationScale(ctx.capture, group.input, ctx.qmax, ctx.settings.klBins),
      wScales: maxAbsWeightsForGroup(group, ctx.qmax),
    };
  },
};
