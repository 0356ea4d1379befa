/**
 * The search's accuracy oracle: images held out from calibration, decoded once, the FP32 top-1
 * computed once with onnxruntime; a candidate scale table is compiled and run with the native
 * engine on them.
 */
import { topK } from '../../core/eval/metrics.js';
import type { ScaleTable } from '../../core/quant/scale-table.js';
import { iterateSamples, type Dataset } from '../../io/data/dataset.js';
import { OrtReference } from '../../engines/ort-reference.js';
import { Runtime } from '../../engines/native/native-runtime.js';
import { compilePrepared } from '../compile.js';
import type { Prepared } from '../model-setup.js';

export interface Scores {
  agreement: number;
  /** null without labels */
  top1: number | null;
}

export class SearchImages {
  private constructor(
    private readonly p: Prepared,
    private readonly images: Float32Array[],
    private readonly labels: (number | undefined)[],
    private readonly fp32: number[],
  ) {}

  static async load(p: Prepared, ds: Dataset, start: number, count: number): Promise<SearchImages> {
    const images: Float32Array[] = [];
    const labels: (number | undefined)[] = [];
    for await (const s of iterateSamples(ds, { start, end: start + count })) {
      images.push(s.data);
      labels.push(s.sample.label);
    }
    if (images.length === 0) throw new Error(`no search images: the data has ${ds.samples.length} images and the search starts after the ${start} calibration images`);
    const ref = await OrtReference.create(p.model.bytes);
    const fp32: number[] = [];
    try {
      for (const x of images) {
        const r = await ref.run(x, p.inputDims);
        fp32.push(topK([...r.outputs.values()][p.outputIndex]!.data, 1, p.labelOffset)[0]!);
      }
    } finally {
      await ref.release();
    }
    return new SearchImages(p, images, labels, fp32);
  }

  get count(): number {
    return this.images.length;
  }

  get fp32Top1(): number | null {
    return this.top1Of(this.fp32);
  }

  private top1Of(pred: number[]): number | null {
    if (this.labels.some((l) => l === undefined)) return null;
    return pred.filter((c, i) => c === this.labels[i]).length / pred.length;
  }

  score(table: ScaleTable): Scores {
    const c = compilePrepared(this.p, table);
    const s = Runtime.load(c.bytes, { threads: 1 });
    const pred = this.images.map((x) => topK(s.run(x, this.p.inputDims)[this.p.outputIndex]!, 1, this.p.labelOffset)[0]!);
    return { agreement: pred.filter((c, i) => c === this.fp32[i]).length / pred.length, top1: this.top1Of(pred) };
  }
}
