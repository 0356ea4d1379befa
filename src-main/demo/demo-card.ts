/**
 * The card (`card.json`, the format src-main/io/data/card.ts reads) of the demo's model, so
 * the demo folder opens as an ordinary project: the detector's fixed input shape and
 * PaddleOCR's preprocessing (BGR, /255, ImageNet mean/std; the rendered images already have
 * the input size, so the stretch is the identity).
 *
 * The card format has no output kind for a probability map (a DB head: [1, 1, H, W]), so the
 * output is declared as one-class logits; the demo scores it as text boxes itself.
 */
import { DET_MEAN, DET_STD, DET_MODEL_FILE, DET_MODEL_PACKAGE } from './ppocr-det.js';

export const DEMO_CARD_FILE = 'card.json';

export interface DemoCardInput {
  /** absolute path of the detector ONNX */
  modelFile: string;
  inputName: string;
  outputName: string;
  width: number;
  height: number;
}

export function demoCard(m: DemoCardInput): Record<string, unknown> {
  return {
    name: 'PP-OCRv4 det (demo)',
    task: 'text-detection',
    file: m.modelFile,
    source: `${DET_MODEL_FILE} from the npm package ${DET_MODEL_PACKAGE} (MIT)`,
    input: { name: m.inputName, shape: [1, 3, m.height, m.width], layout: 'NCHW' },
    output: {
      name: m.outputName,
      kind: 'logits',
      classes: 1,
      label_offset: 0,
      note: 'a [1, 1, H, W] text probability map (DB head), declared as one-class logits; the demo scores it as boxes (DB post-processing, IoU >= 0.5)',
    },
    preprocess: {
      resize: [m.width, m.height],
      fit: 'fill',
      channel_order: 'BGR',
      scale: 1 / 255,
      mean: [...DET_MEAN],
      std: [...DET_STD],
      note: "PaddleOCR's DetResizeForTest + NormalizeImage; the demo's images already have the input size",
    },
    data: 'data/eval: rendered text images, ground-truth boxes in boxes.json',
    metric: 'detection F-score against the rendered boxes and agreement with FP32 (easyquant demo)',
  };
}
