/**
 * Interleaved native latency of several scales.json files of one model (round-robin runs, so
 * load on a shared machine hits each alike): `node --import tsx scripts/bench-interleaved.ts
 * --model M.onnx --card C.json [--isa avx2] [--runs 200] A/scales.json B/scales.json …`.
 * Used for docs/results/mixed-precision.md (mixed vs all-INT8).
 */
import { parseArgs } from 'node:util';
import { interleavedMedians } from '../src-main/pipeline/mixed/host-latency.js';
import { prepareModel } from '../src-main/pipeline/model-setup.js';
import { loadScalesFor } from '../src-main/pipeline/quantize.js';

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    card: { type: 'string' },
    isa: { type: 'string' },
    runs: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
  },
});
if (!v.model || positionals.length === 0) throw new Error('usage: --model M.onnx [--card C] [--isa I] [--runs N] scales.json…');
const p = prepareModel({ model: v.model, card: v.card });
const tables = positionals.map((f) => loadScalesFor(p, f));
for (let r = 0; r < Number(v.rounds); r++) {
  const ms = interleavedMedians(p, tables, { runs: Number(v.runs), warmup: Number(v.warmup), threads: 1, isa: v.isa });
  process.stdout.write(`round ${r + 1}: ${positionals.map((f, i) => `${f} ${ms[i]!.toFixed(3)} ms`).join(' | ')}\n`);
}
