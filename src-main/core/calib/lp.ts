/**
 * Lp calibrators (LAPQ's start): each group input gets the Lp-optimal clip of its FP32
 * activations on the calibration images, each weight channel that of its weights. One
 * calibrator per p; the set shares one histogram per tensor, built on first use.
 */
import type { Calibrator } from './calibrator.js';
import type { CalibCapture } from './capture-types.js';
import { AbsHistogram } from './histogram.js';
import { lpClip, lpWeightScales } from './lp-clip.js';
import { NEGLIGIBLE_MAX_ABS } from '../quant/rounding.js';

/** Bins of an activation histogram (exact zeros, e.g. ReLU outputs, are left out: they quantize exactly at any clip). */
const ACT_BINS = 4096;

function histogramOf(capture: CalibCapture, tensor: string, max: number): AbsHistogram {
  const h = new AbsHistogram(max, ACT_BINS);
  for (let i = 0; i < capture.store.count(tensor); i++) h.add(capture.store.read(tensor, i), true);
  return h;
}

export function lpCalibrators(ps: readonly number[]): Calibrator[] {
  const hists = new Map<string, AbsHistogram>();
  return ps.map((p) => ({
    decide(group, _xs, ctx) {
      const max = ctx.capture.maxAbs.get(group.input) ?? 0;
      let aScale = 1;
      if (max >= NEGLIGIBLE_MAX_ABS && Number.isFinite(max)) {
        let h = hists.get(group.input);
        if (!h) hists.set(group.input, (h = histogramOf(ctx.capture, group.input, max)));
        const clip = lpClip(h, ctx.qmax, p);
        aScale = ctx.qmax / (clip > 0 ? clip : max);
      }
      const wScales = new Map(group.layers.map((l) => [l.name, lpWeightScales(l.wRows, l.geom.cout, l.geom.K, ctx.qmax, p)]));
      return { aScale, wScales };
    },
  }));
}
