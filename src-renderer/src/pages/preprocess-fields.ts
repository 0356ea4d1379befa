/**
 * The Data page's preprocessing form as text fields, to and from PreprocessForm: filled from the
 * card (or the saved dataset), numbers shown rounded (1/255 as "1/255", 0.40760784313… as
 * 0.407608), and parsed back exactly ("1/255" is 1/255).
 */
import type { PreprocessForm } from '../../../src-main/contract/app-types';

export interface PreprocessFields {
  resizeMode: 'none' | 'shorter' | 'stretch';
  size: number;
  width: number;
  height: number;
  useCrop: boolean;
  crop: number;
  channelOrder: 'RGB' | 'BGR' | 'GRAY';
  scale: string;
  mean: string;
  std: string;
  layout: 'NCHW' | 'NHWC';
}

/** A number with at most 6 significant digits, without trailing zeros. */
export function fmtNum(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/** 1/n for the usual integer divisors (1/255, 1/127.5 is not one), else the rounded number. */
export function fmtScale(v: number): string {
  if (v > 0 && v < 1) {
    const n = Math.round(1 / v);
    if (n > 1 && Math.abs(1 / n - v) <= 1e-12 * Math.max(1, v)) return `1/${n}`;
  }
  return fmtNum(v);
}

/** "1/255", "0.5" or "2e-3" → number; NaN when it is neither. */
export function parseNum(s: string): number {
  const t = s.trim();
  const frac = /^([^/]+)\/([^/]+)$/.exec(t);
  if (frac) return Number(frac[1]!.trim()) / Number(frac[2]!.trim());
  return t === '' ? NaN : Number(t);
}

export function toFields(p: PreprocessForm): PreprocessFields {
  const r = p.resize;
  const crop = p.centerCrop?.width ?? (r.mode === 'shorter' ? r.size : 224);
  return {
    resizeMode: r.mode,
    size: r.mode === 'shorter' ? r.size : crop,
    width: r.mode === 'stretch' ? r.width : crop,
    height: r.mode === 'stretch' ? r.height : crop,
    useCrop: !!p.centerCrop,
    crop,
    channelOrder: p.channelOrder,
    scale: fmtScale(p.scale),
    mean: p.mean.map(fmtNum).join(', '),
    std: p.std.map(fmtNum).join(', '),
    layout: p.layout,
  };
}

/**
 * The form back as PreprocessForm. Fields left as they were filled from `base` keep base's exact
 * values (the shown text is rounded); edited ones are parsed. Throws on a field that is not a number.
 */
export function fromFields(f: PreprocessFields, base?: PreprocessForm | null): PreprocessForm {
  const num = (label: string, text: string, exact: number | undefined, shown: string | undefined): number => {
    if (exact !== undefined && text.trim() === shown) return exact;
    const v = parseNum(text);
    if (!Number.isFinite(v)) throw new Error(`${label}: '${text}' is not a number (write e.g. 0.5 or 1/255)`);
    return v;
  };
  const list = (label: string, text: string, exact: number[] | undefined) => {
    if (exact && text.trim() === exact.map(fmtNum).join(', ')) return [...exact];
    return text.split(',').map((x) => num(label, x, undefined, undefined));
  };
  return {
    resize: f.resizeMode === 'none' ? { mode: 'none' } : f.resizeMode === 'shorter' ? { mode: 'shorter', size: f.size } : { mode: 'stretch', width: f.width, height: f.height },
    centerCrop: f.useCrop ? { width: f.crop, height: f.crop } : undefined,
    channelOrder: f.channelOrder,
    scale: num('Pixel scale', f.scale, base?.scale, base ? fmtScale(base.scale) : undefined),
    mean: list('Mean', f.mean, base?.mean),
    std: list('Std', f.std, base?.std),
    layout: f.layout,
  };
}
