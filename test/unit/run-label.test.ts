/** Run labels name every calibration method (LAPQ runs were labelled "Percentile"). */
import { describe, expect, it } from 'vitest';
import { CALIB_METHODS } from '../../src-main/contract/calib-settings.js';
import { runLabel } from '../../src-main/store/runs-table.js';

describe('runLabel', () => {
  it('gives each method its own name', () => {
    expect(CALIB_METHODS.map((m) => runLabel(m, 7))).toEqual(['EQ INT7', 'MinMax INT7', 'KL INT7', 'Percentile INT7', 'LAPQ INT7', 'EQ+LAPQ INT7']);
  });
});
