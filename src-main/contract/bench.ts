/** Latency of repeated runs of one engine (milliseconds). */
/** Latency summary of repeated runs, as `easyquant bench --json` prints it. */
export interface LatencyStats {
  runs: number;
  median_ms: number;
  p90_ms: number;
  min_ms: number;
  max_ms: number;
}
