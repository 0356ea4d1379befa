/** Plain-text tables for the CLI. */
import type { EvalResult } from '../core/eval/evaluate.js';
import { describeActivation } from '../service/model-limits.js';
import type { InspectResult } from '../service/quant-service.js';

export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padEnd(w[i]!)).join('  ').trimEnd();
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function printInspect(r: InspectResult): void {
  const out = process.stdout;
  out.write(`${r.file}  opset ${r.opset}  sha256 ${r.sha256.slice(0, 16)}…\n`);
  out.write(`inputs:  ${r.inputs.map((i) => `${i.name} [${i.dims.join('x')}]`).join(', ')}\n`);
  out.write(`outputs: ${r.outputs.map((i) => `${i.name} [${i.dims.join('x')}]`).join(', ')}\n`);
  out.write(`ops:     ${Object.entries(r.ops).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  out.write(`MACs ${(r.macs / 1e6).toFixed(1)} M, params ${(r.params / 1e6).toFixed(3)} M, quantized layers ${r.quantizedLayers}\n`);
  if (r.largestActivation) out.write(`largest activation: ${describeActivation(r.largestActivation)}\n`);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  out.write('\n');
  out.write(
    table(
      r.layers.map((l) => [l.name, l.op, `[${l.inputShape.join('x')}]`, `[${l.outputShape.join('x')}]`, l.macs ? (l.macs / 1e6).toFixed(2) : '', l.quantized ? 'int8' : l.reason.startsWith('no weights') ? 'int8/fp32' : 'fp32', l.reason]),
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
  const lc = Object.entries(r.layer_cosine);
  if (lc.length) out.write('\n' + table(lc.map(([k, v]) => [k, v.toFixed(5)]), ['layer', 'cosine']));
}
