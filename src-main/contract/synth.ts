/** Synthetic benchmark architectures (`easyquant synth --arch`). */
export const SYNTH_ARCHS = ['resnet18', 'mobilenetv2'] as const;
export type SynthArch = (typeof SYNTH_ARCHS)[number];
