/**
 * `easyquant` command-line interface: a thin layer over the quantization service.
 * Results go to stdout (a table, or one JSON object with --json); progress and warnings go
 * to stderr; any error is one line `easyquant: error: …` and a non-zero exit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CALIB_SETTING_KEYS, DEFAULT_RUN_SETTINGS, DEFAULT_SETTINGS as D, SETTING_CHOICES as C, parseCalibSettings } from '../contract/calib-settings.js';
import { type PreprocessFlags, preprocessFromFlags, specFromForm } from '../contract/preprocess.js';
import type { EngineKind } from '../contract/engine.js';
import { EXPORT_FILES, type ExportFormat, inspectModel, runCalibration, runEvaluation, runExport, runSynth } from '../pipeline/quantize.js';
import { createProgressBar } from './progress-bar.js';
import { SYNTH_ARCHS, type SynthArch } from '../contract/synth.js';
import { printInspect, printEval } from './tables.js';
import { int, inputShapeArg, num, shape, type InputShapeArg } from './parse.js';
import { EXAMPLES, examples } from './examples.js';
import { limitsFrom, maxActivationOption, maxGmacsOption } from './limit-options.js';
import { layerPrecisionFrom } from '../pipeline/layer-bits.js';
import { collectData, DATA_HELP, dataFrom } from './data-option.js';

/** The package version (package.json two folders up from src-main/cli). */
function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function list(v: string): number[] {
  return v.split(',').map((s) => {
    const x = Number(s);
    if (!Number.isFinite(x)) throw new InvalidArgumentError(`'${v}' is not a comma-separated list of numbers`);
    return x;
  });
}
function size(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`'${v}' is not WIDTHxHEIGHT`);
  return [Number(m[1]), Number(m[2])];
}

type PreOpts = PreprocessFlags;

function addPreprocessOptions(c: Command): Command {
  return c
    .option('--card <file>', 'model card (card.json) giving the input shape and preprocessing')
    .option(
      '--input-shape <dims>',
      'static shape of the first model input, e.g. 1,3,224,224 (overrides the card), or <input>=1,3,8,8 per input (repeatable)',
      inputShapeArg('--input-shape'),
    )
    .option('--resize-shorter <n>', 'preprocess: resize the shorter side to n pixels', int('--resize-shorter'))
    .option('--resize <WxH>', 'preprocess: stretch to W x H', size)
    .option('--crop <WxH>', 'preprocess: center crop W x H', size)
    .addOption(new Option('--channels <order>', 'preprocess: channel order (RGBA/BGRA keep alpha; opaque images get 255)').choices(['RGB', 'BGR', 'GRAY', 'RGBA', 'BGRA']))
    .option('--mean <list>', 'preprocess: per-channel mean (after --pixel-scale)', list)
    .option('--std <list>', 'preprocess: per-channel std', list)
    .option('--pixel-scale <s>', 'preprocess: multiply pixels (0..255) by s first', num('--pixel-scale'))
    .addOption(new Option('--layout <layout>', 'preprocess: tensor layout').choices(['NCHW', 'NHWC']));
}

function preprocessFrom(o: PreOpts) {
  const form = preprocessFromFlags(o);
  return form && specFromForm(form);
}

const LABELS_HELP = 'labels.tsv (file, class index); without it, <data>/labels.tsv is used only when the card declares a classifier';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);

/**
 * The command groups in commands/, each loaded only when its command runs (or for help): the
 * deploy, server and demo stacks take about a second to load, which every `calibrate` or
 * `eval` would otherwise pay.
 */
const COMMAND_MODULES: Record<string, () => Promise<(program: Command) => void>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  runtime: async () => (await import('./commands/runtime.js')).registerRuntimeCommands,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  devices: async () => (await import('./commands/devices.js')).registerDevices,
  deploy: async () => (await import('./commands/deploy.js')).registerDeploy,
  profile: async () => (await import('./commands/profile.js')).registerProfile,
  search: async () => (await import('./commands/search.js')).registerSearch,
};
/** command name → its module in COMMAND_MODULES (the commands defined in this file need none) */
const MODULE_OF: Record<string, keyof typeof COMMAND_MODULES> = {
  serve: 'serve',
  compile: 'runtime',
  bench: 'runtime',
  demo: 'demo',
  devices: 'devices',
  deploy: 'deploy',
  profile: 'profile',
  results: 'profile',
  search: 'search',
};
const OWN_COMMANDS = new Set(['inspect', 'calibrate', 'eval', 'export', 'synth']);

/** The CLI with the command groups `argv` needs: one, none, or all of them (help, unknown command). */
export async function buildCli(argv: string[] = process.argv.slice(2)): Promise<Command> {
  const program = buildOwnCommands();
  const first = argv.find((a) => !a.startsWith('-'));
  const versionOnly = !first && argv.some((a) => a === '--version' || a === '-V');
  const needed = versionOnly || (first && OWN_COMMANDS.has(first)) ? [] : first && MODULE_OF[first] ? [MODULE_OF[first]] : Object.keys(COMMAND_MODULES);
  // registration order = help order
  for (const name of Object.keys(COMMAND_MODULES)) if (needed.includes(name)) (await COMMAND_MODULES[name]!())(program);
  return program;
}

function buildOwnCommands(): Command {
  const program = new Command('easyquant')
    .description('EasyQuant Studio: post-training INT8/INT7 quantization with the EasyQuant method')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError(false)
    .addHelpText('after', examples(EXAMPLES.top))
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `easyquant: ${s}` : s) });

  program
    .command('inspect')
    .description('list ops, shapes, MACs, parameters and what will be quantized')
    .requiredOption('--model <file>', 'ONNX model')
    .option('--card <file>', 'model card (card.json) for the input shape')
    .option(
      '--input-shape <dims>',
      'static shape of the first model input, e.g. 1,3,224,224 (overrides the card), or <input>=1,3,8,8 per input (repeatable)',
      inputShapeArg('--input-shape'),
    )
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', examples(EXAMPLES.inspect))
    .action((o: { model: string; card?: string; inputShape?: InputShapeArg; json?: boolean }) => {
      const r = inspectModel({ model: o.model, card: o.card, ...o.inputShape });
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else printInspect(r);
    });

  addPreprocessOptions(
    program
      .command('calibrate')
      .description('calibrate scales (EQ, MinMax, KL or Percentile) and write every export into --out')
      .requiredOption('--model <file>', 'ONNX model')
      .requiredOption('--data <dir>', DATA_HELP, collectData)
      .option('--labels <file>', LABELS_HELP)
      .addOption(new Option('--method <m>', 'calibration method').choices(C.method).default(D.method))
      .option('--bits <n>', 'bit width, 4..8 (INT8 = 8, INT7 = 7)', int('--bits'), D.bits)
      .option('--calib <n>', 'number of calibration images (the first N in sorted order)', int('--calib'), DEFAULT_RUN_SETTINGS.calibImages)
      .option('--alpha <a>', 'EQ search range start (x initial scale)', num('--alpha'), D.alpha)
      .option('--beta <b>', 'EQ search range end (x initial scale)', num('--beta'), D.beta)
      .option('--steps <n>', 'EQ grid points', int('--steps'), D.steps)
      .option('--rounds <n>', "EQ alternation rounds, or 'converge'", (v) => (v === 'converge' ? 'converge' : int('--rounds')(v)), D.rounds)
      .option('--rounds-eps <e>', 'EQ convergence threshold for --rounds converge', num('--rounds-eps'), D.roundsEps)
      .addOption(new Option('--init <i>', 'EQ initial scales').choices(C.init).default(D.init))
      .addOption(new Option('--inputs <i>', 'EQ inputs: from the quantized network (paper) or FP32 (ncnn)').choices(C.inputs).default(D.inputs))
      .option('--sample-positions <n>', 'EQ: output positions scored per image (0 = all)', int('--sample-positions'), D.samplePositions)
      .option('--percentile <p>', 'Percentile calibrator: percentile of |x|', num('--percentile'), D.percentile)
      .addOption(new Option('--strategy <s>', 'EQ candidates: the plain grid (paper) or coarse-to-fine').choices(C.strategy).default(D.strategy))
      .addOption(new Option('--accel <a>', 'EQ scoring engine: native kernels or the TypeScript reference (same scales)').choices(C.accel).default(D.accel))
      .option('--threads <n>', 'worker threads of the native EQ search (0 = all CPUs)', int('--threads'), D.threads)
      .option('--bias-correction', "any method: subtract each layer's mean output error on the calibration images from its bias")
      .option('--unsigned-activations', 'any method: non-negative activations (ReLU outputs) on the unsigned grid, twice the resolution (zero offset qmax)')
      .addOption(
        new Option('--weight-rounding <r>', 'any method: weights rounded to nearest, or per layer to minimise its output error on the calibration images')
          .choices(C.weightRounding)
          .default(D.weightRounding),
      )
      .addOption(new Option('--lapq-loss <l>', 'LAPQ objective: KL of softmax, MSE of the outputs, or auto').choices(C.lapqLoss).default(D.lapqLoss))
      .option('--lapq-iters <n>', 'LAPQ: Powell sweeps over all scales', int('--lapq-iters'), D.lapqIters)
      .option('--lapq-time-s <s>', 'LAPQ: time budget of the joint search in seconds (0 = none)', num('--lapq-time-s'), D.lapqTimeS)
      .option('--lapq-weights', 'LAPQ: also optimise one weight-scale multiplier per layer')
      .addOption(new Option('--lapq-init <i>', 'LAPQ (--method lapq) start: Lp-optimal clipping, p chosen by the loss (paper), or MinMax').choices(C.lapqInit).default(D.lapqInit))
      .option('--resume', 'EQ/LAPQ: go on from the checkpoint (<out>.eq-checkpoint.json) of an interrupted run')
      .option('--progress-json', 'progress as one JSON event per line on stderr (instead of the bar)')
      .requiredOption('--out <dir>', 'output folder (written atomically)')
      .option('--json', 'print one JSON object on stdout')
      .option('--quiet', 'no progress bar')
      .addOption(maxGmacsOption())
      .addOption(maxActivationOption())
      .option('--layer-bits <map>', 'per-layer precision, e.g. conv1=fp32,fire2/squeeze1x1=7 (fp32, int8/8, int7/7; others use --bits)')
      .option('--layer-bits-file <file>', 'per-layer precision as JSON { "layer": "fp32" | "int8" | "int7" } (--layer-bits entries win)')
      .addHelpText('after', examples(EXAMPLES.calibrate)),
  ).action(async (o: PreOpts & Record<string, unknown>) => {
    // Ctrl-C / SIGTERM: stop the calibration (within a second), leave no output folder
    let stop = false;
    const onSignal = () => {
      if (stop) process.exit(130);
      stop = true;
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    // the flags go through the settings schema: a bad value is named by its flag
    const settings = parseCalibSettings({
      ...Object.fromEntries(CALIB_SETTING_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])),
      checkpoint: `${path.resolve(o.out as string)}.eq-checkpoint.json`,
      resume: o.resume === true,
    });
    const r = await runCalibration(
      {
        model: o.model as string,
        card: o.card as string | undefined,
        ...(o.inputShape as InputShapeArg | undefined),
        preprocess: preprocessFrom(o),
        ...dataFrom(o.data as string[]),
        labels: o.labels as string | undefined,
        settings,
        calibImages: o.calib as number,
        out: o.out as string,
        limits: limitsFrom(o),
        layerPrecision: layerPrecisionFrom(o.layerBits as string | undefined, o.layerBitsFile as string | undefined),
      },
      o.progressJson ? (e) => process.stderr.write(`${JSON.stringify(e)}\n`) : createProgressBar(!o.quiet),
      () => stop,
    );
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ out: r.out, files: r.files, method: r.method, bits: r.bits, images: r.images, seconds: r.seconds, groups: r.groups, warnings: r.warnings })}\n`,
      );
    } else {
      process.stdout.write(`calibrated ${r.method.toUpperCase()} INT${r.bits} on ${r.images} images in ${r.seconds.toFixed(1)} s\n`);
      for (const [k, f] of Object.entries(r.files)) process.stdout.write(`  ${k.padEnd(7)} ${f}\n`);
    }
  });

  addPreprocessOptions(
    program
      .command('eval')
      .description(
        'evaluate an engine against FP32: per-output cosine/SQNR/max error, per-layer cosine; top-1/top-5 and agreement for classifiers; boxes vs FP32 for detection cards',
      )
      .requiredOption('--model <file>', 'ONNX model')
      .requiredOption('--data <dir>', DATA_HELP, collectData)
      .option('--labels <file>', LABELS_HELP)
      .option('--scales <file>', 'scales.json (needed for quantized engines)')
      .addOption(new Option('--engine <e>', 'engine').choices(['fp32', 'sim', 'int-ref', 'ort-qdq', 'native']).default('fp32'))
      .option('--limit <n>', 'evaluate only the first n images', int('--limit'))
      .option('--no-layer-cosine', 'skip per-layer cosines (faster)')
      .option('--held-out-from <n>', 'also report images from index n on (e.g. 50: the held-out set)', int('--held-out-from'))
      .option('--json', 'print one JSON object on stdout')
      .option('--quiet', 'no progress bar')
      .addOption(maxGmacsOption())
      .addOption(maxActivationOption())
      .addHelpText('after', examples(EXAMPLES.eval)),
  ).action(async (o: PreOpts & Record<string, unknown>) => {
    const r = await runEvaluation(
      {
        model: o.model as string,
        card: o.card as string | undefined,
        ...(o.inputShape as InputShapeArg | undefined),
        preprocess: preprocessFrom(o),
        ...dataFrom(o.data as string[]),
        labels: o.labels as string | undefined,
        limit: o.limit as number | undefined,
        scales: o.scales as string | undefined,
        engine: o.engine as EngineKind,
        layerCosines: o.layerCosine as boolean,
        heldOutFrom: o.heldOutFrom as number | undefined,
        limits: limitsFrom(o),
      },
      createProgressBar(!o.quiet),
    );
    if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else printEval(r, pct);
  });

  program
    .command('export')
    .description('write exports (scales.json, ncnn table, TensorRT cache, QDQ ONNX) from a scales.json')
    .requiredOption('--model <file>', 'ONNX model')
    .requiredOption('--scales <file>', 'scales.json')
    .option('--card <file>', 'model card (card.json) for the input shape')
    .option('--format <list>', `comma-separated: ${Object.keys(EXPORT_FILES).join(', ')} or all`, 'all')
    .requiredOption('--out <dir>', 'output folder (written atomically)')
    .option('--input-shape <dims>', 'static shape of the model input, e.g. 1,3,224,224 (overrides the card)', shape('--input-shape'))
    .option('--ncnn-param <file>', "name the ncnn table's layers after your ncnn model (.param; layers matched by weight geometry)")
    .option('--ncnn-6bit', "ncnn's 6-bit weight scales (31/T) for 3x3 stride-1 convolutions, as ncnn2table writes them (needs --ncnn-param)")
    .option('--json', 'print one JSON object on stdout')
    .action(
      async (o: { model: string; scales: string; card?: string; inputShape?: number[]; format: string; out: string; ncnnParam?: string; ncnn6bit?: boolean; json?: boolean }) => {
        const all = Object.keys(EXPORT_FILES) as ExportFormat[];
        const formats = o.format === 'all' ? all : (o.format.split(',') as ExportFormat[]);
        for (const f of formats) if (!all.includes(f)) throw new Error(`--format: unknown format '${f}' (expected ${all.join(', ')} or all)`);
        if ((o.ncnnParam || o.ncnn6bit) && !formats.includes('ncnn')) throw new Error('--ncnn-param/--ncnn-6bit apply to the ncnn table: add ncnn to --format');
        const files = await runExport({
          model: o.model,
          scales: o.scales,
          card: o.card,
          inputShape: o.inputShape,
          out: o.out,
          formats,
          ncnn: { param: o.ncnnParam, sixBit: o.ncnn6bit },
        });
        if (o.json) process.stdout.write(`${JSON.stringify({ files })}\n`);
        else for (const [k, f] of Object.entries(files)) process.stdout.write(`${k.padEnd(7)} ${f}\n`);
      },
    );
  program
    .command('synth')
    .description('generate a benchmark network (ResNet-18- or MobileNetV2-shaped, random weights) as ONNX')
    .addOption(new Option('--arch <arch>', 'architecture').choices([...SYNTH_ARCHS]).makeOptionMandatory())
    .option('--size <n>', 'input size (multiple of 32)', int('--size'), 224)
    .option('--seed <n>', 'weight seed', int('--seed'), 1)
    .requiredOption('--out <file>', 'output .onnx file (written atomically)')
    .option('--json', 'print one JSON object on stdout')
    .action((o: { arch: SynthArch; size: number; seed: number; out: string; json?: boolean }) => {
      const r = runSynth({ arch: o.arch, size: o.size, seed: o.seed, out: o.out });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${o.out}: ${o.arch} ${o.size}x${o.size}, seed ${o.seed}, ${(r.bytes / 1e6).toFixed(1)} MB\n`);
    });
  return program;
}

async function main(): Promise<void> {
  // `easyquant inspect … | head` closes stdout early: that is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = await buildCli();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code?.startsWith('commander.')) {
      // commander already printed the message (or help/version)
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
      return;
    }
    const msg = (err.message ?? String(e)).split('\n')[0];
    process.stderr.write(`easyquant: error: ${msg}\n`);
    if (process.env['EQ_DEBUG']) console.error(e);
    process.exitCode = 1;
  }
}

await main();
