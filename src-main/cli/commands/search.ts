/** `easyquant search`: HAGO-style mixed precision (per layer group INT7 / INT8 / FP32) under a budget. */
import { Option, type Command } from 'commander';
import { parseAccuracyBudget, parseLatencyBudget, runMixedSearch, type MixedSearchResult } from '../../pipeline/mixed-search.js';

import { int, shape } from '../parse.js';

interface SearchOpts {
  model: string;
  card?: string;
  inputShape?: number[];
  data: string;
  labels?: string;
  scalesInt8: string;
  scalesInt7: string;
  budget?: string;
  latencyBudget?: string;
  metric: 'agreement' | 'top1';
  calib: number;
  searchImages: number;
  profile?: string;
  saveProfile?: string;
  runs: number;
  warmup: number;
  threads: number;
  isa?: string;
  out: string;
  json?: boolean;
}

/** '12× amxconv:amx-tdpbssd, 3× gemm:avx512vnni-dpbusd' */
function kernelSummary(k: Record<string, string>): string {
  const n = new Map<string, number>();
  for (const v of Object.values(k)) n.set(v, (n.get(v) ?? 0) + 1);
  return (
    [...n]
      .sort((a, b) => b[1] - a[1])
      .map(([v, c]) => `${c}× ${v}`)
      .join(', ') || 'not named by the profile'
  );
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);

function printResult(r: MixedSearchResult): void {
  const w = process.stdout.write.bind(process.stdout);
  w(`latency: ${r.latencySource}; ${r.searchImages} search images; FP32 top-1 ${pct(r.fp32Top1)}\n`);
  w(
    `all INT8: model ${r.allInt8.latencyMs.toFixed(3)} ms, measured ${r.allInt8.measuredMs?.toFixed(3) ?? '-'} ms, agreement ${pct(r.allInt8.agreement)}, top-1 ${pct(r.allInt8.top1)}\n`,
  );
  w('Pareto front (model ms, measured ms, agreement, top-1, FP32/INT8/INT7 layers):\n');
  for (const i of r.front) {
    const p = r.points[i]!;
    const n = (k: string) => Object.values(p.layerBits).filter((v) => v === k).length;
    w(
      `${i === r.chosen ? '*' : ' '} ${p.latencyMs.toFixed(3).padStart(9)} ${(p.measuredMs?.toFixed(3) ?? '-').padStart(9)}  ${pct(p.agreement).padStart(7)} ${pct(p.top1).padStart(7)}  ${n('fp32')}/${n('int8')}/${n('int7')}  ${p.step}\n`,
    );
  }
  if (r.chosen !== null) {
    w(`chosen (*): ${r.files.layerBits}\n`);
    w(`  kernels (per layer in ${r.files.pareto}): ${kernelSummary(r.points[r.chosen]!.layerKernels)}\n`);
  } else {
    const c = r.closest === null ? undefined : r.points[r.closest];
    w(`no quantized configuration meets the budget (all FP32 is never chosen)${c ? `; closest: ${c.step}, ${c.latencyMs.toFixed(3)} ms, ${r.metric} ${pct(c.accuracy)}` : ''}\n`);
  }
  w(`points: ${r.files.pareto}\n`);
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('choose INT7 / INT8 / FP32 per layer: minimal latency under an accuracy budget, or the reverse (HAGO-style)')
    .requiredOption('--model <file>', 'ONNX model')
    .option('--card <file>', 'model card (card.json)')
    .option('--input-shape <dims>', 'static shape of the model input (overrides the card)', shape('--input-shape'))
    .requiredOption('--data <dir>', 'images (the first --calib are skipped: they calibrated the scales)')
    .option('--labels <file>', 'labels.tsv')
    .requiredOption('--scales-int8 <file>', 'scales.json of an all-INT8 calibration')
    .requiredOption('--scales-int7 <file>', 'scales.json of an all-INT7 calibration')
    .option('--budget <spec>', 'accuracy budget: agreement>=0.95, top1>=0.6 or top1>=0.99*fp32', (v: string) => (parseAccuracyBudget(v), v))
    .option('--latency-budget <ms>', 'latency budget in ms (maximise --metric within it)', (v: string) => (parseLatencyBudget(v), v))
    .addOption(new Option('--metric <m>', 'accuracy metric for --latency-budget').choices(['agreement', 'top1']).default('agreement'))
    .option('--calib <n>', 'calibration images at the start of --data, not used by the search', int('--calib'), 50)
    .option('--search-images <n>', 'images after the calibration ones the candidates are scored on', int('--search-images'), 200)
    .option('--profile <file>', "a board's per-layer profiles: { int8, int7, fp32? } (eqrun bench reports) or the JSON of 'profile --device … --json'; default: measured here")
    .option('--save-profile <file>', 'write the host profiles used (same format as --profile)')
    .option('--runs <n>', 'timed runs per profile and per measured candidate', int('--runs'), 30)
    .option('--warmup <n>', 'untimed runs', int('--warmup'), 3)
    .option('--threads <n>', 'native runtime threads', int('--threads'), 1)
    .addOption(new Option('--isa <isa>', 'host native runtime: force an ISA level (profiles and measurements)').choices(['scalar', 'avx2', 'avx512vnni', 'amx', 'neon', 'dotprod']))
    .requiredOption('--out <dir>', 'writes pareto.json and layer-bits.json (for calibrate --layer-bits-file)')
    .option('--json', 'print the result as one JSON object')
    .action(async (o: SearchOpts) => {
      if ((o.budget === undefined) === (o.latencyBudget === undefined)) throw new Error('give exactly one of --budget and --latency-budget');
      if (o.searchImages < 1) throw new Error('--search-images must be at least 1');
      const quiet = o.json || !process.stderr.isTTY;
      const r = await runMixedSearch(
        { ...o, calibImages: o.calib },
        (m) => {
          if (!quiet) process.stderr.write(`\r\x1b[K[${m.stage}] ${m.index}/${m.total} ${m.message}`);
        },
        (m) => process.stderr.write(`warning: ${m}\n`),
      );
      if (!quiet) process.stderr.write('\n');
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else printResult(r);
    });
}
