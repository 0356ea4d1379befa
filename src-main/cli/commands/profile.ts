/**
 * `easyquant profile --device A[,B...] --model M --scales S [--scales S2] [--compare int8,int7,fp32]
 *  [--data DIR --limit N] [--json]`: deploy, benchmark and (with --data) check accuracy on one
 * or more boards concurrently; every board x variant is stored in the data folder's
 * device_results table (the app sees it too). `easyquant results [--device D] [--json]` lists them.
 */
import type { Command } from 'commander';
import { compileVariant, loadEvalSet, type Variant } from '../../deploy/prepare.js';
import { profileFleet } from '../../deploy/profile.js';
import { readScalesJson } from '../../pipeline/quantize.js';
import { DeviceRegistry } from '../../app/device-registry.js';
import { DeviceResultStore, importNote } from '../../app/device-result-store.js';
import type { DeviceResultInfo } from '../../contract/device-result.js';
import { int } from '../parse.js';
import { table } from '../tables.js';

interface ProfileOpts {
  device: string;
  model: string;
  scales: string[];
  card?: string;
  compare?: string;
  data?: string;
  limit: number;
  runs: number;
  warmup: number;
  threads: number;
  bench: boolean;
  timeout: number;
  json?: boolean;
}

/** Variants for --compare: intN picks the --scales file with N bits, fp32 the float model. */
export function pickVariants(o: { model: string; card?: string; scales: string[]; compare?: string }): Variant[] {
  const byBits = new Map<string, string>();
  for (const f of o.scales) byBits.set(`int${readScalesJson(f).bits}`, f);
  const wanted = o.compare
    ? o.compare
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
    : [...byBits.keys()];
  if (!wanted.length && o.model.endsWith('.eqm')) return [compileVariant({ model: o.model, scales: 'fp32', label: 'eqm' })];
  if (!wanted.length) throw new Error('give --scales (and optionally --compare int8,int7,fp32)');
  return wanted.map((w) => {
    if (w === 'fp32') return compileVariant({ model: o.model, card: o.card, scales: 'fp32' });
    const f = byBits.get(w);
    if (!f) throw new Error(`--compare ${w}: no --scales file with ${w.replace('int', '')} bits (have: ${[...byBits.keys()].join(', ') || 'none'})`);
    return compileVariant({ model: o.model, card: o.card, scales: f, label: w });
  });
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('deploy and profile on boards: latency (total and per layer) and accuracy vs the host engine and labels')
    .requiredOption('--device <names>', 'registered device(s), comma-separated: profiled concurrently')
    .requiredOption('--model <file>', 'ONNX model')
    .option('--scales <file>', 'scales.json (repeat for several bit widths)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--card <file>', 'model card (card.json): input shape and preprocessing')
    .option('--compare <list>', 'variants side by side: int8,int7,fp32 (intN uses the --scales file with N bits)')
    .option('--data <dir>', 'evaluation images: run them on the board and compare')
    .option('--limit <n>', 'number of evaluation images (first N in sorted order)', int('--limit'), 50)
    .option('--runs <n>', 'timed runs', int('--runs'), 10)
    .option('--warmup <n>', 'warm-up runs', int('--warmup'), 2)
    .option('--threads <n>', 'threads on the board (0 = all cores)', int('--threads'), 0)
    .option('--no-bench', 'skip the latency benchmark')
    .option('--timeout <ms>', 'per-board deadline for the whole profile, ms', int('--timeout'), 3_600_000)
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: ProfileOpts) => {
      const reg = new DeviceRegistry();
      const results = openResults();
      const devices = o.device.split(',').map((n) => reg.get(n.trim()));
      const variants = pickVariants(o);
      const evalSet = o.data
        ? await loadEvalSet({ model: o.model, card: o.card, data: o.data, limit: o.limit, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) })
        : undefined;
      const outcomes = await profileFleet({
        devices,
        variants,
        evalSet,
        bench: o.bench ? { warmup: o.warmup, runs: o.runs, threads: o.threads } : null,
        session: { home: reg.home, log: (m) => process.stderr.write(`${m}\n`) },
        timeoutMs: o.timeout,
        log: (m) => process.stderr.write(`${m}\n`),
        record: (r) => results.add(r, 'cli'),
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ devices: outcomes })}\n`);
      else {
        for (const r of outcomes) {
          if (!r.ok) {
            process.stdout.write(`${r.device}: FAILED: ${r.error}\n`);
            continue;
          }
          process.stdout.write(`${r.device} (${r.result.machine}):\n`);
          for (const v of r.result.variants) {
            const b = v.bench
              ? `median ${v.bench.latencyMs.median.toFixed(2)} ms (min ${v.bench.latencyMs.min.toFixed(2)}, p90 ${v.bench.latencyMs.p90.toFixed(2)}) isa ${v.bench.isa} threads ${v.bench.threads}`
              : '';
            const a = v.accuracy
              ? `  bit-exact ${v.accuracy.bitExact}/${v.accuracy.images}, agreement ${(v.accuracy.agreement * 100).toFixed(1)}%${v.accuracy.top1 !== null ? `, top-1 ${(v.accuracy.top1 * 100).toFixed(1)}%` : ''}`
              : '';
            process.stdout.write(`  ${v.label.padEnd(6)} ${b}${a}\n`);
          }
        }
      }
      if (outcomes.some((r) => !r.ok)) process.exitCode = 1;
    });

  program
    .command('results')
    .description('profile results stored in the data folder (from `easyquant profile` and the app), oldest first')
    .option('--device <name>', 'only this board')
    .option('--json', 'print one JSON object on stdout')
    .action((o: { device?: string; json?: boolean }) => {
      const rows = openResults().query({ device: o.device });
      if (o.json) process.stdout.write(`${JSON.stringify({ results: rows })}\n`);
      else if (!rows.length) process.stdout.write(`no profile results${o.device ? ` for ${o.device}` : ''} (run 'easyquant profile')\n`);
      else process.stdout.write(table(rows.map(resultRow), ['at', 'device', 'model', 'variant', 'machine', 'isa', 'median ms', 'agreement', 'top-1', 'error']));
    });
}

function openResults(): DeviceResultStore {
  const s = new DeviceResultStore();
  if (s.imported) process.stderr.write(`${importNote(s.imported)}\n`);
  return s;
}

const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '');

function resultRow(r: DeviceResultInfo): string[] {
  const b = r.bench;
  const a = r.accuracy;
  const variant = r.label ?? (r.bits === 32 ? 'fp32' : r.bits !== null ? `int${r.bits}${r.method ? ` ${r.method}` : ''}` : 'eqm');
  const ms = b?.latencyMs?.median;
  return [
    r.at.slice(0, 19).replace('T', ' '),
    r.device,
    r.modelSha256.slice(0, 12),
    variant,
    r.machine ?? '',
    r.isa ?? '',
    typeof ms === 'number' ? ms.toFixed(2) : '',
    pct(a?.agreement),
    pct(a?.top1),
    r.error ?? '',
  ];
}
