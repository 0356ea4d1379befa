/** What a calibration returns (per-layer methods and LAPQ alike). */
import type { QuantPlan } from '../../core/quant/plan.js';
import type { ScaleTable } from '../../core/quant/scale-table.js';

export interface CalibrationResult {
  table: ScaleTable;
  plan: QuantPlan;
  seconds: number;
  /** per group: objective before/after (EQ) */
  groups: { name: string; cosBefore?: number; cosAfter?: number }[];
  /** scoring engine used ('native' or 'ts') and the groups taken from a checkpoint */
  accel: 'native' | 'ts';
  resumedGroups: number;
}
