/**
 * LAPQ's start: of the Lp tables (one per candidate p), the one whose network output loss on
 * the calibration images is lowest (the first on a tie).
 */
import type { ScaleTable } from '../quant/scale-table.js';

export interface LpCandidate {
  p: number;
  table: ScaleTable;
}

export interface LpChoice {
  p: number;
  table: ScaleTable;
  loss: number;
  /** p → loss, in candidate order */
  losses: { p: number; loss: number }[];
}

/**
 * Evaluates every candidate (in order) and returns the lowest. `loss` returning NaN (a cancel)
 * stops the choice: undefined.
 */
export async function chooseLpStart(
  candidates: readonly LpCandidate[],
  loss: (t: ScaleTable) => Promise<number>,
  onLoss?: (p: number, loss: number, i: number) => void,
): Promise<LpChoice | undefined> {
  if (candidates.length === 0) throw new Error('LAPQ Lp start: no candidate p');
  const losses: { p: number; loss: number }[] = [];
  let best = -1;
  for (const [i, c] of candidates.entries()) {
    const l = await loss(c.table);
    if (Number.isNaN(l)) return undefined;
    losses.push({ p: c.p, loss: l });
    onLoss?.(c.p, l, i);
    if (best < 0 || l < losses[best]!.loss) best = i;
  }
  return { p: candidates[best]!.p, table: candidates[best]!.table, loss: losses[best]!.loss, losses };
}
