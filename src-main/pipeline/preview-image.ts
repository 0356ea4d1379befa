/**
 * The preprocessed tensor of one sample back to displayable 8-bit pixels: the normalisation is
 * undone per channel ((v·std + mean) / scale gives the 0..255 pixel) and BGR goes back to RGB, so
 * the preview shows the resized, cropped image the model gets, in its real colours. Without a
 * spec the tensor is min-max scaled.
 */
import type { PreprocessSpec } from '../io/data/preprocess.js';

export interface PreviewPixels {
  /** interleaved RGB (channels 3) or gray (channels 1), width × height */
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

export function tensorToPixels(
  t: Float32Array,
  dims: readonly number[],
  layout: 'NCHW' | 'NHWC',
  spec?: Pick<PreprocessSpec, 'channelOrder' | 'scale' | 'mean' | 'std'>,
): PreviewPixels {
  const [c, h, w] = layout === 'NHWC' ? [dims[3]!, dims[1]!, dims[2]!] : [dims[1]!, dims[2]!, dims[3]!];
  const outC = c >= 3 ? 3 : 1;
  // output channel k (R, G, B) reads tensor channel src[k]
  const src = outC === 3 && spec?.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  let toByte: (v: number, ch: number) => number;
  if (spec) {
    const scale = spec.scale ?? 1;
    toByte = (v, ch) => (v * (spec.std[ch] ?? spec.std[0]!) + (spec.mean[ch] ?? spec.mean[0]!)) / scale;
  } else {
    let min = Infinity;
    let max = -Infinity;
    for (const v of t) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max - min || 1;
    toByte = (v) => ((v - min) / span) * 255;
  }
  const px = Buffer.alloc(w * h * outC);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < outC; k++) {
        const ch = src[k]!;
        const v = layout === 'NHWC' ? t[(y * w + x) * c + ch]! : t[ch * h * w + y * w + x]!;
        px[(y * w + x) * outC + k] = Math.min(255, Math.max(0, Math.round(toByte(v, ch))));
      }
  return { data: px, width: w, height: h, channels: outC };
}
