/**
 * A calm ETA for the Calibrate page. The service's estimate (elapsed time per finished, MAC-
 * weighted unit of the search) is noisy: it restarts at each stage and swings with the group
 * sizes. Here it is smoothed with an exponential moving average and counts down between events,
 * so the page can show it every second. Only the search stage's estimate covers the rest of the
 * run; before it there is no ETA.
 */
export class EtaSmoother {
  private stage = '';
  private est: number | undefined;
  private at = 0;

  constructor(private readonly alpha = 0.3) {}

  /** A progress event received at `now` (ms). */
  event(p: { stage: string; etaMs?: number }, now: number): void {
    if (p.stage !== this.stage) {
      this.stage = p.stage;
      this.est = undefined;
    }
    if (p.stage !== 'search' || p.etaMs === undefined || !Number.isFinite(p.etaMs)) return;
    const predicted = this.etaAt(now);
    if (predicted === undefined) this.est = p.etaMs;
    else {
      // one event moves the estimate by at most a factor of 2 (an outlier right after a small group)
      const ema = predicted + this.alpha * (p.etaMs - predicted);
      this.est = Math.min(Math.max(ema, predicted / 2), Math.max(predicted * 2, 1000));
    }
    this.at = now;
  }

  /** The remaining time at `now`: the last estimate minus the time since it. */
  etaAt(now: number): number | undefined {
    return this.est === undefined ? undefined : Math.max(0, this.est - (now - this.at));
  }
}
