/** Calibration settings (the schema is contract/calib-settings.ts) and the EQ grid they define. */
export {
  type CalibSettings,
  type CalibSettingsInput,
  CalibSettingsSchema,
  DEFAULT_SETTINGS,
  EXECUTION_SETTINGS,
  parseCalibSettings,
  validateSettings,
} from '../../contract/calib-settings.js';

/**
 * The EQ grid: factors alpha + k*(beta-alpha)/(steps-1). The initial scale (factor 1) is
 * always on the grid — ncnn's grid misses it, so its search can end worse than its start.
 */
export function gridFactors(alpha: number, beta: number, steps: number): number[] {
  if (steps === 1) return [1];
  const f: number[] = [];
  for (let k = 0; k < steps; k++) f.push(alpha + (k * (beta - alpha)) / (steps - 1));
  if (alpha <= 1 && beta >= 1) {
    let best = 0;
    for (let k = 1; k < steps; k++) if (Math.abs(f[k]! - 1) < Math.abs(f[best]! - 1)) best = k;
    // a grid point equal to 1 up to rounding becomes exactly 1; otherwise 1 is added
    if (Math.abs(f[best]! - 1) <= 1e-9) f[best] = 1;
    else
      f.splice(
        f.findIndex((x) => x > 1),
        0,
        1,
      );
  }
  return f;
}
