/**
 * Decoding a detector's raw outputs into boxes, as far as a card's detection output spec allows:
 * the spec gives the shapes of the scores [1, N, C] and boxes [1, N, 4] outputs; its note may
 * give the score threshold and NMS IoU ("threshold 0.7 and NMS IoU 0.3", as the ultraface card
 * does). Boxes are taken as corners x1,y1,x2,y2 (the spec has no format field; IoU does not
 * depend on the scale, so normalised or pixel coordinates both work). Class-agnostic: a box's
 * score is its best foreground class (column 1.. when C >= 2, column 0 when C = 1).
 */
import { nms, type ScoredBox } from './box-match.js';

export interface DetectionSpec {
  scores: number[];
  boxes: number[];
  note?: string;
}

export interface DetectionDecoder {
  scoresOutput: string;
  boxesOutput: string;
  scoreThreshold: number;
  nmsIoU: number;
  /** where the threshold and NMS IoU came from */
  source: string;
}

export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_NMS_IOU = 0.45;

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function noteNumber(note: string | undefined, re: RegExp): number | undefined {
  const m = note ? re.exec(note) : null;
  const v = m ? Number(m[1]) : NaN;
  return v > 0 && v <= 1 ? v : undefined;
}

/** The decoder for a card's detection spec; a string says why the graph's outputs cannot be decoded. */
export function detectionDecoderFor(spec: DetectionSpec, outputs: readonly { name: string; dims: readonly number[] }[]): DetectionDecoder | string {
  const shapes = outputs.map((o) => `${o.name} [${o.dims.join('x')}]`).join(', ');
  const sc = outputs.find((o) => same(o.dims, spec.scores));
  const bx = outputs.find((o) => o !== sc && same(o.dims, spec.boxes));
  if (!sc || !bx) return `the card's detection output (scores [${spec.scores.join('x')}], boxes [${spec.boxes.join('x')}]) does not match the model's outputs ${shapes}`;
  const n = spec.scores.length === 3 ? spec.scores[1] : undefined;
  if (n === undefined || spec.boxes.length !== 3 || spec.boxes[1] !== n || spec.boxes[2] !== 4) {
    return `expected scores [1, N, C] and boxes [1, N, 4] in the card, got scores [${spec.scores.join('x')}], boxes [${spec.boxes.join('x')}]`;
  }
  const thr = noteNumber(spec.note, /threshold\s+([0-9]*\.?[0-9]+)/i);
  const iou = noteNumber(spec.note, /NMS\s+IoU\s+([0-9]*\.?[0-9]+)/i);
  const source =
    thr !== undefined && iou !== undefined
      ? "the card's output note"
      : `defaults (score ${DEFAULT_SCORE_THRESHOLD}, NMS IoU ${DEFAULT_NMS_IOU}) where the card's output note gives none`;
  return { scoresOutput: sc.name, boxesOutput: bx.name, scoreThreshold: thr ?? DEFAULT_SCORE_THRESHOLD, nmsIoU: iou ?? DEFAULT_NMS_IOU, source };
}

/** Boxes with a foreground score >= threshold, after NMS. `scores` is [N, C] row-major, `boxes` [N, 4]. */
export function decodeDetections(scores: ArrayLike<number>, boxes: ArrayLike<number>, classes: number, threshold: number, nmsIoU: number): ScoredBox[] {
  const n = boxes.length / 4;
  if (scores.length !== n * classes) throw new Error(`detection decode: ${scores.length} scores for ${n} boxes of ${classes} class(es)`);
  const cand: ScoredBox[] = [];
  for (let i = 0; i < n; i++) {
    let s = scores[i * classes]!;
    if (classes >= 2) {
      s = -Infinity;
      for (let c = 1; c < classes; c++) s = Math.max(s, scores[i * classes + c]!);
    }
    if (s >= threshold) cand.push({ x0: boxes[i * 4]!, y0: boxes[i * 4 + 1]!, x1: boxes[i * 4 + 2]!, y1: boxes[i * 4 + 3]!, score: s });
  }
  return nms(cand, nmsIoU);
}
