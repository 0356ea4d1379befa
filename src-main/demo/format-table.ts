/** The demo result as the text table `easyquant demo` prints. */
import type { DemoResult } from './types.js';

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const ms = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));
const sec = (x: number | null) => (x === null ? '–' : x.toFixed(1));

export function formatDemoTable(r: DemoResult): string {
  const d = r.data;
  const lines: string[] = [];
  lines.push(
    `EasyQuant demo: PP-OCRv4 text detector (${r.model.package}), input ${d.width}x${d.height}, ${r.model.quantizedLayers} quantized layers`,
    `data: ${d.calibImages} calibration images (seed ${d.calibSeed}, ${d.calibBoxes} lines), ${d.evalImages} evaluation images (seed ${d.evalSeed}, ${d.evalBoxes} lines), rendered with sharp`,
    `metric: DB post-processing (thresh ${r.settings.db.thresh}, box ${r.settings.db.boxThresh}, unclip ${r.settings.db.unclipRatio}), boxes matched at IoU >= ${r.settings.matchIoU}`,
    '',
    '| config | engine | F-score | precision | recall | agreement with FP32 (F) | map IoU vs FP32 | latency (ms) | latency engine | calibration (s) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.rows) {
    const det = row.detection;
    lines.push(
      `| ${row.config} | ${row.engine} | ${f3(det.fscore)} | ${f3(det.precision)} | ${f3(det.recall)} | ${f3(row.agreementF)} | ${f3(row.mapIoU)} | ${ms(row.latencyMs)} | ${row.latencyEngine ?? '–'} | ${sec(row.calibSeconds)} |`,
    );
  }
  lines.push('');
  for (const row of r.rows) {
    if (row.nativeMatchesIntRef !== undefined && row.nativeMatchesIntRef !== null) {
      lines.push(`${row.config}: native output ${row.nativeMatchesIntRef ? 'identical to' : 'DIFFERS from'} the TypeScript integer reference (first evaluation image)`);
    }
  }
  if (!r.native.available) lines.push(`native runtime unavailable: ${r.native.reason}`);
  const t = r.timings;
  lines.push(
    `time: total ${t.totalSeconds.toFixed(1)} s wall-clock, ${t.cpuSeconds.toFixed(1)} s CPU (render ${t.renderSeconds.toFixed(1)}, FP32 ${t.fp32Seconds.toFixed(1)}, EQ calibration ${t.calibrateSeconds.toFixed(1)}, evaluation ${t.evaluateSeconds.toFixed(1)}, latency ${t.latencySeconds.toFixed(1)}, export ${t.exportSeconds.toFixed(1)})${r.native.builtSeconds ? `; native addon built in ${r.native.builtSeconds.toFixed(0)} s` : ''}`,
    `exports: ${r.out}`,
  );
  for (const row of r.rows) if (row.exportDir) lines.push(`  ${row.config}: ${row.exportDir} (scales.json, ncnn.table, trt_calibration.cache, model_qdq.onnx, model.eqm)`);
  for (const w of r.warnings) lines.push(`note: ${w}`);
  return `${lines.join('\n')}\n`;
}
