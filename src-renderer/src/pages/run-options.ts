/** The options of a run that its label (method and bits) does not name, for the runs table. */
import type { CalibRunSettings } from '../../../src-main/contract/calib-settings';

export function runOptions(s: Pick<CalibRunSettings, 'biasCorrection' | 'weightRounding'>): string {
  const out: string[] = [];
  if (s.weightRounding === 'adaround') out.push('optimised rounding');
  if (s.biasCorrection) out.push('bias correction');
  return out.join(' + ');
}
