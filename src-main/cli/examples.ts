/** The examples shown at the end of `--help` (real commands on the reference models in ../shared). */

const SQ = '--model ../shared/models/squeezenet1.1/model.onnx --card ../shared/models/squeezenet1.1/card.json';
const MNIST = '--model ../shared/models/mnist/model.onnx --card ../shared/models/mnist/card.json --data ../shared/data/mnist';
const IMAGENET = '--data ../shared/data/imagenet-sample';

export const EXAMPLES = {
  top: [
    ['what will be quantized', `easyquant inspect ${SQ}`],
    ['EQ INT8 on MNIST, then the integer reference on 1000 digits', `easyquant calibrate ${MNIST} --out runs/mnist-eq8`],
    ['', `easyquant eval ${MNIST} --scales runs/mnist-eq8/scales.json --engine int-ref --limit 1000`],
  ],
  inspect: [
    ['ops, shapes, MACs and the reason for every FP32 op', `easyquant inspect ${SQ}`],
    ['MNIST as one JSON object', `easyquant inspect --model ../shared/models/mnist/model.onnx --json`],
  ],
  calibrate: [
    ['EQ INT7 on the first 50 images (all exports into runs/sq-eq7)', `easyquant calibrate ${SQ} ${IMAGENET} --method eq --bits 7 --out runs/sq-eq7`],
    ['MinMax INT8 on 100 MNIST digits', `easyquant calibrate ${MNIST} --method minmax --calib 100 --out runs/mnist-mm8`],
  ],
  eval: [
    [
      'integer reference vs FP32 (labels.tsv of the folder: the card is a classifier)',
      `easyquant eval ${SQ} ${IMAGENET} --scales runs/sq-eq7/scales.json --engine int-ref --held-out-from 50`,
    ],
    ['the QDQ export in onnxruntime on 500 MNIST digits', `easyquant eval ${MNIST} --scales runs/mnist-mm8/scales.json --engine ort-qdq --limit 500`],
    ['FP32 with an explicit labels file', `easyquant eval ${SQ} ${IMAGENET} --labels my-labels.tsv --limit 100`],
  ],
} satisfies Record<string, [string, string][]>;

export function examples(list: [string, string][]): string {
  const lines = list.flatMap(([what, cmd]) => (what ? [`  # ${what}`, `  ${cmd}`] : [`  ${cmd}`]));
  return `\nExamples:\n${lines.join('\n')}\n`;
}
