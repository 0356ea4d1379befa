/**
 * The host benchmark job (runs in a worker): the native runtime on each chosen scale table and
 * onnxruntime FP32 on the original model, all in one loop with the order rotated every round
 * (demo/latency.ts), then the native per-layer profile of the timed rounds. What
 * `easyquant bench --engine native --profile` measures, for several engines at once.
 */
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { HostBenchEngine, HostBenchLayer } from '../contract/app-types.js';
import { mulberry32 } from '../core/synth/rng.js';
import { loadAvg1, loadNote, measureInterleaved, type Timed } from '../demo/latency.js';
import { Runtime, type NativeSession } from '../engines/native/native-runtime.js';
import { prepareModel } from '../pipeline/model-setup.js';
import { compileFromFiles } from '../pipeline/compile.js';
import os from 'node:os';
import { ortCall } from '../engines/ort-stop.js';

export interface HostBenchVariantReq {
  label: string;
  engine: 'native' | 'ort-fp32';
  bits: number | null;
  runId: string | null;
  /** scales.json (native only) */
  scales?: string;
}

export interface HostBenchJob {
  model: string;
  card?: string;
  variants: HostBenchVariantReq[];
  threads: number;
  runs: number;
  warmup: number;
}

export interface HostBenchJobResult {
  isa: string;
  engines: HostBenchEngine[];
  layers: HostBenchLayer[];
  load: { loadAvgStart: number; loadAvgEnd: number; cores: number; loaded: boolean };
}

function randomInput(n: number): Float32Array {
  const r = mulberry32(1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = r() * 2 - 1;
  return x;
}

export async function hostBench(job: HostBenchJob, onMessage: (m: string) => void = () => {}): Promise<HostBenchJobResult> {
  const p = prepareModel({ model: job.model, card: job.card });
  const dims = p.inputDims;
  const x = randomInput(dims.reduce((a, b) => a * b, 1));
  const natives: { v: HostBenchVariantReq; s: NativeSession }[] = [];
  const timed: Timed[] = [];
  let ortSession: ort.InferenceSession | undefined;
  try {
    for (const v of job.variants) {
      onMessage(`loading ${v.label}`);
      if (v.engine === 'native') {
        const { bytes } = compileFromFiles({ model: job.model, card: job.card, scales: v.scales! });
        const s = Runtime.load(bytes, { threads: job.threads });
        natives.push({ v, s });
        timed.push({ name: v.label, run: () => s.run(x, dims) });
      } else {
        const session = await ortCall(() =>
          ort.InferenceSession.create(fs.readFileSync(job.model), {
            intraOpNumThreads: job.threads,
            interOpNumThreads: 1,
            executionMode: 'sequential',
            graphOptimizationLevel: 'all',
          }),
        );
        ortSession = session;
        const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', x, dims) };
        timed.push({
          name: v.label,
          run: () => ortCall(() => session.run(feeds)),
        });
      }
    }
    // warm-up rounds first, then a clean profile for the timed rounds only
    onMessage('warming up');
    for (let w = 0; w < job.warmup; w++) for (const t of timed) await t.run();
    for (const n of natives) n.s.resetProfile();
    const start = loadAvg1();
    onMessage(`timing ${job.runs} interleaved rounds`);
    const stats = await measureInterleaved(timed, { runs: job.runs, warmup: 0 });
    const load = loadNote(start, loadAvg1(), os.availableParallelism());
    const engines: HostBenchEngine[] = job.variants.map((v, i) => ({ label: v.label, engine: v.engine, bits: v.bits, runId: v.runId, ...stats[i]! }));
    const layers: HostBenchLayer[] = [];
    let isa = 'onnxruntime';
    for (const { v, s } of natives) {
      const prof = s.profile();
      isa = prof.isa;
      const quantized = new Set(s.info.layers);
      for (const op of prof.ops) {
        if (!quantized.has(op.name)) continue;
        let row = layers.find((l) => l.name === op.name);
        if (!row) layers.push((row = { name: op.name, kind: op.kind, kernel: op.kernel, ms: {} }));
        row.ms[v.label] = op.calls ? op.totalMs / job.runs : 0;
      }
    }
    return { isa, engines, layers, load };
  } finally {
    await ortSession?.release();
  }
}
