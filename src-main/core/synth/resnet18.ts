/**
 * ResNet-18 (He et al. 2016; torchvision `resnet18` topology) with random weights:
 * conv1 7x7/2 64 + BN + ReLU, MaxPool 3x3/2 pad 1, four stages of two BasicBlocks
 * (64/128/256/512 channels; the first block of stages 2-4 has stride 2 and a 1x1/2 conv + BN
 * shortcut), Add + ReLU, GlobalAveragePool, Flatten, Gemm 512 -> 1000.
 * 20 convs (17 in the main path + 3 downsample), 20 BN, 1 Gemm; 11,689,512 parameters.
 */
import { NetBuilder, type SynthResult } from './builder.js';

/** Residual-branch output BN gets a smaller gamma, as in trained ResNets, so the Add sums stay moderate. */
const BRANCH_OUT_GAMMA: [number, number] = [0.3, 0.7];

function basicBlock(b: NetBuilder, x: string, prefix: string, cout: number, stride: number): string {
  const cin = b.channels(x);
  let y = b.convBn(x, `${prefix}.conv1`, `${prefix}.bn1`, { cout, kernel: 3, stride, pad: 1, act: 'relu' });
  y = b.convBn(y, `${prefix}.conv2`, `${prefix}.bn2`, { cout, kernel: 3, stride: 1, pad: 1, act: 'none', gamma: BRANCH_OUT_GAMMA });
  let shortcut = x;
  if (stride !== 1 || cin !== cout) {
    shortcut = b.convBn(x, `${prefix}.downsample.0`, `${prefix}.downsample.1`, { cout, kernel: 1, stride, pad: 0, act: 'none' });
  }
  return b.relu(b.add(y, shortcut, `${prefix}.add`), `${prefix}.relu`);
}

export function buildResNet18(size: number, seed: number): SynthResult {
  const b = new NetBuilder('resnet18', size, seed, 32);
  let x = b.convBn(b.input, 'conv1', 'bn1', { cout: 64, kernel: 7, stride: 2, pad: 3, act: 'relu' });
  x = b.maxPool(x, 'maxpool', 3, 2, 1);
  const widths = [64, 128, 256, 512];
  widths.forEach((w, s) => {
    for (let i = 0; i < 2; i++) x = basicBlock(b, x, `layer${s + 1}.${i}`, w, s > 0 && i === 0 ? 2 : 1);
  });
  x = b.globalAvgPool(x, 'avgpool');
  x = b.flatten(x, 'flatten');
  b.gemm(x, 'fc', 1000, 'logits');
  return b.finish('logits');
}
