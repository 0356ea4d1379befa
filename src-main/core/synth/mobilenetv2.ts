/**
 * MobileNetV2 1.0 (Sandler et al. 2018; torchvision `mobilenet_v2` topology) with random
 * weights: conv 3x3/2 32 + BN + ReLU6, 17 inverted residual blocks (t,c,n,s) =
 * (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1): 1x1 expand
 * + BN + ReLU6 (absent when t = 1), 3x3 depthwise (group = channels) + BN + ReLU6, 1x1
 * linear projection + BN, residual Add when stride 1 and in == out; then 1x1 conv to 1280
 * + BN + ReLU6, GlobalAveragePool, Flatten, Gemm 1280 -> 1000. ReLU6 is Clip(0, 6) with
 * constant min/max inputs. 52 convs, 52 BN, 1 Gemm; 3,504,872 parameters.
 */
import { NetBuilder, type SynthResult } from './builder.js';

/** (expansion t, output channels c, repeats n, first stride s) */
export const MOBILENETV2_SETTINGS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Projection BN of a residual block gets a smaller gamma so repeated Adds stay moderate. */
const RESIDUAL_PROJ_GAMMA: [number, number] = [0.3, 0.7];

function invertedResidual(b: NetBuilder, x: string, prefix: string, cout: number, stride: number, t: number): string {
  const cin = b.channels(x);
  const hidden = cin * t;
  const residual = stride === 1 && cin === cout;
  let y = x;
  let i = 0;
  if (t !== 1) {
    y = b.convBn(y, `${prefix}.conv.${i}.0`, `${prefix}.conv.${i}.1`, { cout: hidden, kernel: 1, act: 'relu6' });
    i++;
  }
  y = b.convBn(y, `${prefix}.conv.${i}.0`, `${prefix}.conv.${i}.1`, { cout: hidden, kernel: 3, stride, pad: 1, group: hidden, act: 'relu6' });
  i++;
  y = b.convBn(y, `${prefix}.conv.${i}`, `${prefix}.conv.${i + 1}`, {
    cout,
    kernel: 1,
    act: 'none',
    ...(residual ? { gamma: RESIDUAL_PROJ_GAMMA } : {}),
  });
  return residual ? b.add(x, y, `${prefix}.add`) : y;
}

export function buildMobileNetV2(size: number, seed: number): SynthResult {
  const b = new NetBuilder('mobilenetv2', size, seed, 32);
  let x = b.convBn(b.input, 'features.0.0', 'features.0.1', { cout: 32, kernel: 3, stride: 2, pad: 1, act: 'relu6' });
  let f = 1;
  for (const [t, c, n, s] of MOBILENETV2_SETTINGS) {
    for (let i = 0; i < n; i++) x = invertedResidual(b, x, `features.${f++}`, c, i === 0 ? s : 1, t);
  }
  x = b.convBn(x, `features.${f}.0`, `features.${f}.1`, { cout: 1280, kernel: 1, act: 'relu6' });
  x = b.globalAvgPool(x, 'avgpool');
  x = b.flatten(x, 'flatten');
  b.gemm(x, 'classifier.1', 1000, 'logits');
  return b.finish('logits');
}
