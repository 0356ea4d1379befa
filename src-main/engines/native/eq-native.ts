/**
 * The native scoring back-end of the EQ search (native/src/calib through
 * src-main/engines/native/native-calib.ts): same numbers as the TypeScript reference (eq.ts), bit
 * for bit, computed on worker threads. `cancel` is shared with the caller: setting element 0
 * to 1 makes the running call reject with "calibration cancelled".
 */
import { loadCalibAddon, type NativeCalibAddon } from './native-calib.js';
import type { EqBackend } from '../../core/calib/eq-backend.js';
import { reduceObjective } from '../../core/calib/eq-backend.js';

export interface NativeBackendOptions {
  qmax: number;
  /** worker threads (0 = every CPU of the process's affinity mask) */
  threads: number;
  cancel: Int32Array;
  addon?: NativeCalibAddon;
  /** force a kernel level (tests); default: EQ_ISA or the best this CPU has */
  isa?: string;
  /** the group's input is on the unsigned grid (as tsBackend's `unsigned`); the scales passed stay the table's */
  unsigned?: boolean;
}

export function nativeBackend(o: NativeBackendOptions): EqBackend {
  const addon = o.addon ?? loadCalibAddon();
  const common = { qmax: o.qmax, threads: o.threads, cancel: o.cancel, isa: o.isa, unsigned: o.unsigned ?? false };
  return {
    async searchWeights(d, xs, aScale, init, current, grid) {
      const r = await addon.calibWeightSearch({
        ...common,
        geom: d.layer.geom,
        positions: d.positions,
        xs,
        O: d.O,
        aScale,
        wRows: d.layer.wRows,
        bias: d.layer.bias,
        init,
        current,
        grid: grid.factors,
        gridPerChannel: grid.perChannel,
      });
      return r.scales;
    },
    async objectives(ds, xs, aScales, wq, wScales) {
      const cos = await addon.calibGroupCosines({
        ...common,
        layers: ds.map((d, li) => ({ geom: d.layer.geom, positions: d.positions, wq: wq[li]!, wScales: wScales[li]!, bias: d.layer.bias, O: d.O })),
        xs,
        scales: Float64Array.from(aScales),
      });
      return aScales.map((_, t) => reduceObjective(cos, t, ds.length, xs.length));
    },
  };
}
