/** MinMax (max-abs) calibration: S = qmax / max|x| per activation tensor and per weight channel. */
import { maxAbsScale } from '../quant/rounding.js';
import type { Calibrator } from './calibrator.js';
import { maxAbsWeightsForGroup } from './calibrator.js';

export const minMaxCalibrator: Calibrator = {
  decide(group, _xs, ctx) {
    return { aScale: maxAbsScale(ctx.capture.maxAbs.get(group.input) ?? 0, ctx.qmax), wScales: maxAbsWeightsForGroup(group, ctx.qmax) };
  },
};
