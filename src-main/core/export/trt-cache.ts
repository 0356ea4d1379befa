/**
 * TensorRT INT8 calibration cache (the text file an IInt8EntropyCalibrator2 writes and
 * reads back through readCalibrationCache):
 *
 *     TRT-8601-EntropyCalibration2
 *     <tensor name>: <8 hex digits>
 *     ...
 *
 * The hex digits are the big-endian IEEE-754 float32 bit pattern of TensorRT's scale,
 * amax / 127 (TensorRT always quantizes to [-127, 127] and dequantizes x = q * scale).
 * Our scale S is a multiplier with q = round(x * S) clipped at qmax, so the calibrated
 * range is amax = qmax / S, and the cache value is (qmax / S) / 127. For 8 bits that is
 * simply 1 / S; for INT7 tables the range amax = 63 / S is kept (TensorRT then uses its
 * full 8-bit grid over that range; there is no way to ask TensorRT for 7 bits).
 *
 * Every activation tensor of `table.tensors` is written, in the table's order. The tensor
 * names are the ONNX tensor names, which is what TensorRT's ONNX parser uses.
 */
import { tensorQmax, type ScaleTable } from '../quant/scale-table.js';

export const DEFAULT_TRT_VERSION = 8601;
export const TRT_CALIBRATOR = 'EntropyCalibration2';

export interface TrtCacheOptions {
  /** TensorRT version number in the header, e.g. 8601 for 8.6.1 (default 8601) */
  version?: number;
  /** calibrator name in the header (default EntropyCalibration2) */
  calibrator?: string;
}

export interface TrtCache {
  version: string;
  calibrator: string;
  /** tensor name → TensorRT scale (amax / 127) as the float32 value stored in the file */
  scales: Map<string, number>;
}

/** Big-endian float32 bit pattern of x as 8 lowercase hex digits. */
export function float32ToHex(x: number): string {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x, false);
  return v.getUint32(0, false).toString(16).padStart(8, '0');
}

/** Inverse of float32ToHex. */
export function hexToFloat32(hex: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Error(`not a float32 hex pattern: '${hex}'`);
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, parseInt(hex, 16), false);
  return v.getFloat32(0, false);
}

/** TensorRT scale (amax / 127) for our scale S at the given qmax, before float32 rounding. */
export function trtScaleFromOurs(scale: number, qmax: number): number {
  return qmax / scale / 127;
}

/** Our scale S (q = round(x * S), |q| <= qmax) from a TensorRT scale amax / 127. */
export function oursFromTrtScale(trtScale: number, qmax: number): number {
  return qmax / (trtScale * 127);
}

/** Writes the TensorRT calibration cache text for every tensor of table.tensors. */
export function writeTrtCache(table: ScaleTable, opts: TrtCacheOptions = {}): string {
  const version = opts.version ?? DEFAULT_TRT_VERSION;
  if (!Number.isInteger(version) || version <= 0) throw new Error(`TensorRT cache: version must be a positive integer such as 8601, got ${version}`);
  const calibrator = opts.calibrator ?? TRT_CALIBRATOR;
  const lines = [`TRT-${version}-${calibrator}`];
  for (const [name, s] of Object.entries(table.tensors)) {
    if (/[\r\n]/.test(name) || name.length === 0) throw new Error(`TensorRT cache: tensor name ${JSON.stringify(name)} cannot be written on one line`);
    if (!Number.isFinite(s) || s <= 0) throw new Error(`TensorRT cache: tensor '${name}' has scale ${s}, scales must be positive and finite`);
    const t = Math.fround(trtScaleFromOurs(s, tensorQmax(table, name)));
    if (t === 0 || !Number.isFinite(t)) throw new Error(`TensorRT cache: tensor '${name}': scale ${s} is out of float32 range after conversion`);
    lines.push(`${name}: ${float32ToHex(t)}`);
  }
  return lines.join('\n') + '\n';
}

/** Parses a TensorRT calibration cache. `file` names the source in error messages. */
export function parseTrtCache(text: string, file = 'calibration cache'): TrtCache {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim();
  const m = /^TRT-(\d+)-(\S+)$/.exec(header);
  if (!m) throw new Error(`${file}:1: expected a header like 'TRT-8601-EntropyCalibration2', got '${header}'`);
  const scales = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim().length === 0) continue;
    const at = line.lastIndexOf(': ');
    if (at <= 0) throw new Error(`${file}:${i + 1}: expected '<tensor name>: <8 hex digits>', got '${line}'`);
    const name = line.slice(0, at);
    const hex = line.slice(at + 2).trim();
    if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`${file}:${i + 1}: tensor '${name}': expected 8 hex digits, got '${hex}'`);
    if (scales.has(name)) throw new Error(`${file}:${i + 1}: tensor '${name}' given twice`);
    scales.set(name, hexToFloat32(hex));
  }
  return { version: m[1]!, calibrator: m[2]!, scales };
}

/** Converts the scales of a parsed cache back to our convention for the given qmax. */
export function trtCacheToOurScales(cache: TrtCache, qmax: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of cache.scales) out.set(k, oursFromTrtScale(v, qmax));
  return out;
}
