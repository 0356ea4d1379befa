/** Classification metrics: top-k, agreement, and their accumulation over a dataset. */

export function topK(scores: ArrayLike<number>, k: number, offset = 0): number[] {
  const idx: number[] = [];
  for (let i = offset; i < scores.length; i++) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, k).map((i) => i - offset);
}

export class ClassificationStats {
  images = 0;
  labelled = 0;
  top1 = 0;
  top5 = 0;
  agree = 0;
  compared = 0;

  add(pred5: number[], label: number | undefined, refTop1?: number): void {
    this.images++;
    if (label !== undefined) {
      this.labelled++;
      if (pred5[0] === label) this.top1++;
      if (pred5.includes(label)) this.top5++;
    }
    if (refTop1 !== undefined) {
      this.compared++;
      if (pred5[0] === refTop1) this.agree++;
    }
  }

  summary() {
    return {
      images: this.images,
      top1: this.labelled ? this.top1 / this.labelled : null,
      top5: this.labelled ? this.top5 / this.labelled : null,
      agreement: this.compared ? this.agree / this.compared : null,
    };
  }
}

export class MeanAccumulator {
  private readonly sums = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  add(key: string, v: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + v);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  means(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, s] of this.sums) o[k] = s / this.counts.get(k)!;
    return o;
  }
}
