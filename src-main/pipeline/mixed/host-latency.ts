/**
 * Latency on this machine with the native runtime: per-layer profiles of the uniform
 * configurations (the search's latency model when no board profile is given) and, at the end,
 * real end-to-end times of candidate configurations, run interleaved so that load on the machine
 * hits every candidate alike.
 */
import type { BenchReport } from '../../contract/bench-report.js';
import { roundOrder } from '../../core/bench/interleaved-stats.js';
import { latencyStats } from '../../core/bench/latency-stats.js';
import { mulberry32 } from '../../core/synth/rng.js';
import type { ScaleTable } from '../../core/quant/scale-table.js';
import { Runtime, type NativeSession } from '../../engines/native/native-runtime.js';
import { compilePrepared } from '../compile.js';
import type { Prepared } from '../model-setup.js';

export interface TimingOptions {
  runs: number;
  warmup: number;
  threads: number;
  /** force an ISA level of the native runtime (e.g. avx2, where INT7 is faster than INT8) */
  isa?: string;
}

function inputFor(dims: number[]): Float32Array {
  const r = mulberry32(1);
  return Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1);
}

function sessionFor(p: Prepared, table: ScaleTable, o: TimingOptions): NativeSession {
  return Runtime.load(compilePrepared(p, table).bytes, { threads: o.threads, isa: o.isa });
}

const median = (v: number[]) => latencyStats(v).median_ms;

/**
 * A bench report (as `eqrun bench --json` prints) of the native runtime on one configuration.
 * Layer times are per-layer medians over the runs (a mean would carry every preemption of a
 * loaded machine into whichever layer it hit).
 */
export function hostProfile(p: Prepared, table: ScaleTable, o: TimingOptions): BenchReport {
  const s = sessionFor(p, table, o);
  const x = inputFor(p.inputDims);
  for (let i = 0; i < o.warmup; i++) s.run(x, p.inputDims);
  const wall: number[] = [];
  const perOp = new Map<string, number[]>();
  let prof = s.profile();
  for (let i = 0; i < o.runs; i++) {
    s.resetProfile();
    const t0 = process.hrtime.bigint();
    s.run(x, p.inputDims);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    prof = s.profile();
    for (const op of prof.ops) if (op.calls > 0) perOp.set(op.name, [...(perOp.get(op.name) ?? []), op.totalMs / op.calls]);
  }
  const st = latencyStats(wall);
  return {
    model: p.model.file,
    warmup: o.warmup,
    runs: o.runs,
    threads: prof.threads,
    isa: prof.isa,
    latencyMs: { min: st.min_ms, median: st.median_ms, p90: st.p90_ms, max: st.max_ms, mean: wall.reduce((a, b) => a + b, 0) / wall.length },
    layers: prof.ops.filter((op) => op.calls > 0).map((op) => ({ name: op.name, kind: op.kind, kernel: op.kernel, work: op.work, ms: median(perOp.get(op.name)!) })),
  };
}

/** Median end-to-end ms of each table, runs interleaved round-robin (rotating start). */
export function interleavedMedians(p: Prepared, tables: readonly ScaleTable[], o: TimingOptions): number[] {
  const sessions = tables.map((t) => sessionFor(p, t, o));
  const x = inputFor(p.inputDims);
  for (const s of sessions) for (let i = 0; i < o.warmup; i++) s.run(x, p.inputDims);
  const times = sessions.map(() => [] as number[]);
  for (let r = 0; r < o.runs; r++) {
    for (const i of roundOrder(r, sessions.length)) {
      const t0 = process.hrtime.bigint();
      sessions[i]!.run(x, p.inputDims);
      times[i]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return times.map((t) => latencyStats(t).median_ms);
}
