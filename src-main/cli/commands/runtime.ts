/** `easyquant compile` (ONNX + scales.json → EQM) and `easyquant bench` (latency of one engine). */
import { Option, type Command } from 'commander';
import { runCompile } from '../../pipeline/compile.js';
import { BENCH_ENGINES, runBench, type BenchEngine } from '../../pipeline/runtime.js';
import { limitsFrom, maxActivationOption, maxGmacsOption } from '../limit-options.js';
import { int, shape } from '../parse.js';

export function registerRuntimeCommands(program: Command): void {
  program
    .command('compile')
    .description('compile an ONNX model and its scales.json into an EQM file for the native runtime and devices')
    .requiredOption('--model <file>', 'ONNX model')
    .option('--scales <file>', 'scales.json from `easyquant calibrate`')
    .option('--fp32', 'instead of --scales: every layer in float (the FP32 reference, e.g. for a board FP32 profile that `search --profile` can price)')
    .option('--card <file>', 'model card (card.json) for the input shape')
    .option('--input-shape <dims>', 'static shape of the model input, e.g. 1,3,224,224 (overrides the card)', shape('--input-shape'))
    .requiredOption('--out <file>', 'output .eqm file (written atomically)')
    .option('--json', 'print one JSON object on stdout')
    .addOption(maxGmacsOption())
    .addOption(maxActivationOption())
    .action(
      (o: { model: string; scales?: string; fp32?: boolean; card?: string; inputShape?: number[]; out: string; json?: boolean; maxGmacs?: number; maxActivationGb?: number }) => {
        const r = runCompile({ ...o, limits: limitsFrom(o) });
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          process.stdout.write(
            `${r.out}: ${r.bits === 32 ? 'FP32' : `INT${r.bits}`}, ${r.layers} quantized layers, ${(r.bytes / 1e6).toFixed(2)} MB` +
              (r.fp32Ops.length ? `; FP32 ops: ${r.fp32Ops.join(', ')}` : '') +
              '\n',
          );
      },
    );

  program
    .command('bench')
    .description('measure the latency of one engine on one model (random input, in this process)')
    .requiredOption('--model <file>', 'ONNX model, or a compiled .eqm (native engine)')
    .option('--scales <file>', 'scales.json (native with an ONNX model, ort-qdq)')
    .option('--card <file>', 'model card (card.json) for the input shape')
    .addOption(new Option('--engine <engine>', 'engine').choices([...BENCH_ENGINES]).default('native'))
    .addOption(new Option('--isa <isa>', 'native: force an ISA level').choices(['scalar', 'avx2', 'avx512vnni', 'amx', 'neon', 'dotprod']))
    .addOption(new Option('--conv-algo <algo>', 'native: force a convolution algorithm where applicable').choices(['gemm', 'wino23', 'wino43', 'amxconv']))
    .option('--threads <n>', 'threads', int('--threads'), 1)
    .option('--runs <n>', 'timed runs', int('--runs'), 20)
    .option('--warmup <n>', 'untimed warm-up runs', int('--warmup'), 3)
    .option('--profile', 'native: include the per-layer profile (time, kernel and threads per layer)')
    .option('--json', 'print one JSON object on stdout')
    .action(
      async (o: {
        model: string;
        scales?: string;
        card?: string;
        engine: BenchEngine;
        isa?: string;
        convAlgo?: string;
        threads: number;
        runs: number;
        warmup: number;
        profile?: boolean;
        json?: boolean;
      }) => {
        const r = await runBench(o);
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        process.stdout.write(
          `${r.engine} (${r.isa}, ${r.threads} thread${r.threads > 1 ? 's' : ''}): median ${r.median_ms.toFixed(2)} ms, p90 ${r.p90_ms.toFixed(2)}, ` +
            `min ${r.min_ms.toFixed(2)}, max ${r.max_ms.toFixed(2)} over ${r.runs} runs\n`,
        );
        if (r.layers) {
          for (const op of r.layers.ops) {
            if (op.calls === 0) continue;
            // threads: 1 where the autotune put a layer on the caller alone
            process.stdout.write(`  ${(op.totalMs / op.calls).toFixed(3).padStart(9)} ms  ${op.kernel.padEnd(34)} ${`${op.threads}T`.padEnd(4)} ${op.name}\n`);
          }
        }
      },
    );
}
