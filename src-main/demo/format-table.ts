/** The demo result as the text table `easyquant demo` prints. */
import { formatFscoreDiff } from './fscore-diff.js';
import type { DemoResult, DemoRow } from '../contract/demo.js';

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const latency = (row: DemoRow) => (row.latency ? `${row.latency.median_ms.toFixed(1)} / ${row.latency.p90_ms.toFixed(1)}` : 'n/a');
const latencyEngine = (row: DemoRow) => (row.latency ? `${row.latency.engine}, ${row.latency.threads} thread${row.latency.threads > 1 ? 's' : ''}` : '–');
const sec = (x: number | null) => (x === null ? '–' : x.toFixed(1));

export function formatDemoTable(r: DemoResult): string {
  const d = r.data;
  const lines: string[] = [];
  lines.push(
    `EasyQuant demo: PP-OCRv4 text detector (${r.model.package}), input ${d.width}x${d.height}, ${r.model.quantizedLayers} quantized layers`,
    `data: ${d.calibImages} calibration images (seed ${d.calibSeed}, ${d.calibBoxes} lines), ${d.evalImages} evaluation images (seed ${d.evalSeed}, ${d.evalBoxes} lines), rendered with sharp`,
    `metric: DB post-processing (thresh ${r.settings.db.thresh}, box ${r.settings.db.boxThresh}, unclip ${r.settings.db.unclipRatio}), boxes matched at IoU >= ${r.settings.matchIoU}`,
    '',
    '| config | engine | F-score | F − FP32 [95% CI] | precision | recall | agreement with FP32 (F) | map IoU vs FP32 | latency median / p90 (ms) | latency engine | calibration (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.rows) {
    const det = row.detection;
    lines.push(
      `| ${row.config} | ${row.engine} | ${f3(det.fscore)} | ${row.fscoreDiff ? formatFscoreDiff(row.fscoreDiff) : '–'} | ${f3(det.precision)} | ${f3(det.recall)} | ${f3(row.agreementF)} | ${f3(row.mapIoU)} | ${latency(row)} | ${latencyEngine(row)} | ${sec(row.calibSeconds)} |`,
    );
  }
  lines.push('');
  for (const row of r.rows) {
    if (row.nativeMatchesIntRef !== undefined && row.nativeMatchesIntRef !== null) {
      lines.push(`${row.config}: native output ${row.nativeMatchesIntRef ? 'identical to' : 'DIFFERS from'} the TypeScript integer reference (first evaluation image)`);
    }
  }
  if (!r.native.available) lines.push(`native runtime unavailable: ${r.native.reason}`);
  const runs = r.rows.find((row) => row.latency)?.latency?.runs;
  if (r.load && runs !== undefined) {
    lines.push(
      `latency: ${runs} runs per engine, interleaved in one loop after 2 warm-up rounds; 1-min load average ${r.load.loadAvgStart.toFixed(1)} → ${r.load.loadAvgEnd.toFixed(1)} on ${r.load.cores} cores`,
    );
  }
  const t = r.timings;
  lines.push(
    `time: total ${t.totalSeconds.toFixed(1)} s wall-clock, ${t.cpuSeconds.toFixed(1)} s CPU (render ${t.renderSeconds.toFixed(1)}, FP32 ${t.fp32Seconds.toFixed(1)}, EQ calibration ${t.calibrateSeconds.toFixed(1)}, evaluation ${t.evaluateSeconds.toFixed(1)}, latency ${t.latencySeconds.toFixed(1)}, export ${t.exportSeconds.toFixed(1)})${r.native.builtSeconds ? `; native addon built in ${r.native.builtSeconds.toFixed(0)} s` : ''}`,
    `exports: ${r.out}`,
  );
  for (const row of r.rows) if (row.exportDir) lines.push(`  ${row.config}: ${row.exportDir} (scales.json, ncnn.table, trt_calibration.cache, model_qdq.onnx, model.eqm)`);
  for (const w of r.warnings) lines.push(`note: ${w}`);
  return `${lines.join('\n')}\n`;
}
