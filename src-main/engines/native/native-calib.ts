/**
 * TypeScript front of the native EQ search kernels (native/addon/calib_addon.cc, sources in
 * native/src/calib). Each call runs on a libuv worker thread and returns a Promise; a shared
 * cancel flag (Int32Array, element 0 set to 1) stops it within one work item.
 *
 * Unsigned activations (`unsigned: true`, quant/unsigned-acts.ts): the caller passes the table's
 * symmetric scale S (`aScale`, `scales`) exactly as for a signed input; the kernels apply the
 * effective scale Se = 2*f32(S) themselves (u = clip(rne(f32(x*Se)), 0, 2*qmax), dequantized with
 * 1/(Se*Sw)), as eq.ts inputGrid(true) does, so the numbers match tsBackend(qmax, _, true) and
 * fakeQuantPreAct(l, quantizeInputUnsigned(x, Se, qmax), Se, ...) bit for bit.
 */
import type { LinearGeom } from '../../core/quant/linear-geom.js';
import { loadAddon, type NativeAddon } from './native-runtime.js';

export interface NativeCalibInfo {
  isa: string;
  gemmInt8: string;
  gemmInt7: string;
  threads: number;
  /** the ISA levels this CPU and build can run, comma-separated */
  isas: string;
}

interface Common {
  qmax: number;
  threads?: number;
  cancel?: Int32Array;
  /** force a kernel level (scalar, avx2, avx512vnni, amx, neon, dotprod); default: EQ_ISA or the best */
  isa?: string;
  /** the layer input is on the unsigned grid (default false); scales stay the table's S, see above */
  unsigned?: boolean;
}

export interface WeightSearchOptions extends Common {
  geom: LinearGeom;
  positions: Int32Array | undefined;
  xs: Float32Array[];
  O: Float32Array[];
  /** the table's input scale S (on the unsigned grid too) */
  aScale: number;
  wRows: Float32Array;
  bias: Float32Array;
  init: Float64Array;
  current: Float64Array;
  /** grid factors shared by all channels, or [cout][n] per channel when gridPerChannel */
  grid: Float64Array;
  gridPerChannel?: boolean;
}

export interface GroupCosinesOptions extends Common {
  layers: { geom: LinearGeom; positions: Int32Array | undefined; wq: Int8Array; wScales: Float64Array; bias: Float32Array; O: Float32Array[] }[];
  xs: Float32Array[];
  /** candidate input scales S of the table (float32 values) */
  scales: Float64Array;
}

export interface LayerForwardOptions extends Common {
  geom: LinearGeom;
  xs: Float32Array[];
  outs: Float32Array[];
  /** the table's input scale S (on the unsigned grid too) */
  aScale: number;
  wq: Int8Array;
  wScales: Float64Array;
  bias: Float32Array;
}

interface CalibFunctions {
  calibWeightSearch(o: WeightSearchOptions): Promise<{ scales: Float64Array; best: Float64Array }>;
  calibGroupCosines(o: GroupCosinesOptions): Promise<Float64Array>;
  calibLayerForward(o: LayerForwardOptions): Promise<void>;
  calibInfo(): NativeCalibInfo;
}

export type NativeCalibAddon = NativeAddon & CalibFunctions;

/** The addon with the EQ search functions; a clear error when it is missing or too old. */
export function loadCalibAddon(): NativeCalibAddon {
  const a = loadAddon() as NativeCalibAddon;
  if (typeof a.calibWeightSearch !== 'function' || typeof a.calibGroupCosines !== 'function' || typeof a.calibLayerForward !== 'function')
    throw new Error('native runtime: this eqm_native.node has no EQ search functions; rebuild it with `npm run build:native` (or use --accel ts)');
  return a;
}

/** Whether the native EQ search is available (for --accel auto). */
export function nativeCalibAvailable(): boolean {
  try {
    loadCalibAddon();
    return true;
  } catch {
    return false;
  }
}
