/** `easyquant demo`: the embedded demo (PP-OCRv4 detector, rendered text, EQ INT8/INT7), headless. */
import { InvalidArgumentError, type Command } from 'commander';
import { DEMO_DEFAULTS, formatDemoTable, runDemo, type DemoProgress } from '../../demo/index.js';
import { createProgressBar } from '../progress-bar.js';
import { int } from '../parse.js';
import { BITS_MAX, BITS_MIN } from '../../contract/calib-settings.js';

function bitsList(v: string): number[] {
  const bits = v.split(',').map((s) => Number(s.trim()));
  if (bits.length === 0 || bits.some((b) => !Number.isInteger(b) || b < BITS_MIN || b > BITS_MAX))
    throw new InvalidArgumentError(`--bits must be a comma-separated list of integers ${BITS_MIN}..${BITS_MAX} (got '${v}')`);
  return bits;
}

/** Progress on stderr: the calibration bar for EQ searches, one line per other step. */
function progressPrinter(enabled: boolean): (p: DemoProgress) => void {
  const bar = createProgressBar(enabled);
  let last = '';
  return (p) => {
    if (!enabled) return;
    if (p.calib) return bar(p.calib);
    const line = `[demo ${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s] ${p.message}`;
    if (line === last) return;
    last = line;
    if (p.index === undefined || p.index === p.total || p.index === 1) process.stderr.write(`${line}${p.index !== undefined ? ` ${p.index}/${p.total}` : ''}\n`);
  };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the embedded demo offline: PP-OCRv4 text detector on rendered text, FP32 vs EQ INT8 vs EQ INT7 (F-score, agreement, native latency, exports)')
    .option('--out <dir>', 'output folder for exports, data and demo-result.json (written atomically)', 'runs/demo')
    .option('--width <n>', 'input width (multiple of 32)', int('--width'), DEMO_DEFAULTS.width)
    .option('--height <n>', 'input height (multiple of 32)', int('--height'), DEMO_DEFAULTS.height)
    .option('--calib <n>', 'calibration images', int('--calib'), DEMO_DEFAULTS.calibImages)
    .option('--eval <n>', 'evaluation images (a different seed from calibration)', int('--eval'), DEMO_DEFAULTS.evalImages)
    .option('--seed <n>', 'data seed (evaluation uses seed + 1)', int('--seed'), DEMO_DEFAULTS.seed)
    .option('--bits <list>', 'EQ bit widths', bitsList, [...DEMO_DEFAULTS.bits])
    .option('--steps <n>', 'EQ grid points', int('--steps'), DEMO_DEFAULTS.steps)
    .option('--sample-positions <n>', 'EQ: output positions scored per image (0 = all)', int('--sample-positions'), DEMO_DEFAULTS.samplePositions)
    .option('--latency-runs <n>', 'timed runs per engine (all engines interleaved in one loop; median and p90 reported)', int('--latency-runs'), DEMO_DEFAULTS.latencyRuns)
    .option('--threads <n>', 'threads for onnxruntime and the native runtime (default: available CPUs)', int('--threads'))
    .option('--no-build-native', 'do not build the native addon when it is missing')
    .option('--json', 'print the result as one JSON object on stdout')
    .option('--quiet', 'no progress on stderr')
    .action(async (o: Record<string, unknown>) => {
      const r = await runDemo(
        {
          out: o.out as string,
          width: o.width as number,
          height: o.height as number,
          calibImages: o.calib as number,
          evalImages: o.eval as number,
          seed: o.seed as number,
          bits: o.bits as number[],
          steps: o.steps as number,
          samplePositions: o.samplePositions as number,
          latencyRuns: o.latencyRuns as number,
          threads: o.threads as number | undefined,
          buildNative: o.buildNative as boolean,
        },
        progressPrinter(!o.quiet),
      );
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(formatDemoTable(r));
    });
}
