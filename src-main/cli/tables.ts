/** Plain-text tables for the CLI. */
import type { EvalResult } from '../pipeline/evaluate.js';
import { describeActivation } from '../pipeline/model-limits.js';
import type { InspectResult } from '../pipeline/quantize.js';

export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r
      .map((c, i) => String(c).padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function printInspect(r: InspectResult): void {
  const out = process.stdout;
  out.write(`${r.file}  opset ${r.opset}  sha256 ${r.sha256.slice(0, 16)}…\n`);
  out.write(`inputs:  ${r.inputs.map((i) => `${i.name} [${i.dims.join('x')}]`).join(', ')}\n`);
  out.write(`outputs: ${r.outputs.map((i) => `${i.name} [${i.dims.join('x')}]`).join(', ')}\n`);
  out.write(
    `ops:     ${Object.entries(r.ops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
  out.write(`MACs ${(r.macs / 1e6).toFixed(1)} M, params ${(r.params / 1e6).toFixed(3)} M, quantized layers ${r.quantizedLayers}\n`);
  if (r.largestActivation) out.write(`largest activation: ${describeActivation(r.largestActivation)}\n`);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  out.write('\n');
  out.write(
    table(
      r.layers.map((l) => [
        l.name,
        l.op,
        `[${l.inputShape.join('x')}]`,
        `[${l.outputShape.join('x')}]`,
        l.macs ? (l.macs / 1e6).toFixed(2) : '',
        l.quantized ? 'int8' : l.reason.startsWith('no weights') ? 'int8/fp32' : 'fp32',
        l.reason,
      ]),
      ['node', 'op', 'input', 'output', 'MMACs', 'runs in', 'reason'],
    ),
  );
}

export function printEval(r: EvalResult, pct: (x: number | null | undefined) => string): void {
  const out = process.stdout;
  out.write(`engine ${r.engine}: ${r.images} images in ${r.seconds.toFixed(1)} s\n`);
  if (r.labels) out.write(`labels: ${r.labels.file}${r.labels.source === 'data-folder' ? ' (labels.tsv in the data folder; the card declares a classifier)' : ''}\n`);
  else if (r.labels_note) out.write(`${r.labels_note}\n`);
  const parts = r.labels ? [`top-1 ${pct(r.top1)}`, `top-5 ${pct(r.top5)}`] : [];
  if (r.agreement !== null) parts.push(`agreement with FP32 ${pct(r.agreement)}`);
  if (r.mean_cosine !== null) parts.push(`mean layer cosine ${r.mean_cosine.toFixed(5)}`);
  else if (r.layer_cosine_note) parts.push(`layer cosine ${r.layer_cosine_note}`);
  if (parts.length) out.write(`${parts.join('  ')}\n`);
  if (r.held_out) {
    const h = r.held_out;
    const hp = r.labels ? [`top-1 ${pct(h.top1)}`, `top-5 ${pct(h.top5)}`] : [];
    if (h.agreement !== null) hp.push(`agreement ${pct(h.agreement)}`);
    out.write(`held-out (${h.images} images): ${hp.join('  ')}\n`);
  }
  const oe = Object.entries(r.outputs);
  if (oe.length) {
    const sqnr = (e: EvalResult['outputs'][string]) => (e.sqnr_db !== null ? e.sqnr_db.toFixed(1) : e.max_abs_err === 0 ? 'inf' : '-inf');
    const rows = oe.map(([k, e]) => [k, e.cosine_mean.toFixed(5), e.cosine_min.toFixed(5), sqnr(e), e.max_abs_err.toPrecision(4)]);
    out.write('\n' + table(rows, ['output', 'cosine mean', 'cosine min', 'SQNR dB', 'max abs err']));
  }
  if (r.detection) {
    const d = r.detection;
    out.write(
      `\nboxes vs FP32 (score >= ${d.score_threshold}, NMS IoU ${d.nms_iou}, match IoU >= ${d.match_iou}): ` +
        `${d.matched} of ${d.predicted_boxes} quantized / ${d.reference_boxes} FP32 boxes matched  ` +
        `precision ${pct(d.precision)}  recall ${pct(d.recall)}  F1 ${pct(d.f1)}\n`,
    );
  } else if (r.detection_note) out.write(`\nboxes vs FP32: ${r.detection_note}\n`);
  const lc = Object.entries(r.layer_cosine);
  if (lc.length)
    out.write(
      '\n' +
        table(
          lc.map(([k, v]) => [k, v.toFixed(5)]),
          ['layer', 'cosine'],
        ),
    );
}
