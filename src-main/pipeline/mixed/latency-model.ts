/**
 * The search's latency model from per-layer profiles: one profile per precision (all layers at
 * INT8, all at INT7, all in FP32), each the shape of `eqrun bench --json` (a board's runner) or
 * the host native runtime's profile. A group's time at a precision is the sum of its layers'.
 */
import fs from 'node:fs';
import { BenchReportSchema, type BenchReport } from '../../contract/bench-report.js';
import type { Precision, SearchUnit } from '../../core/quant/mixed-search.js';
import { groupId } from '../../core/quant/mixed-table.js';
import type { LayerGroup } from '../../core/quant/plan.js';

/**
 * `{ "int8": report, "int7": report, "fp32"?: report }` (what `search --save-profile` writes), or
 * read from the JSON of `easyquant profile --device … --json` (one board).
 */
export type ProfileSet = Partial<Record<Precision, BenchReport>>;

export function readProfileSet(file: string): ProfileSet {
  let root: unknown;
  try {
    root = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--profile ${file}: cannot read JSON (${(e as Error).message})`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    throw new Error(`--profile ${file}: expected { "int8": bench report, "int7": bench report, "fp32"?: bench report }`);
  const set = 'devices' in root ? fromDeviceProfile(file, (root as { devices: unknown }).devices) : root;
  const out: ProfileSet = {};
  for (const [k, v] of Object.entries(set)) {
    if (k !== 'int8' && k !== 'int7' && k !== 'fp32') throw new Error(`--profile ${file}: unknown key '${k}' (expected int8, int7, fp32)`);
    const r = BenchReportSchema.safeParse(v);
    if (!r.success) throw new Error(`--profile ${file}: '${k}' is not an eqrun bench report: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
    out[k] = r.data;
  }
  if (!out.int8 || !out.int7) throw new Error(`--profile ${file}: needs at least the int8 and int7 profiles`);
  return out;
}

const PREC_OF_BITS: Record<number, Precision> = { 8: 'int8', 7: 'int7', 32: 'fp32' };

/**
 * `easyquant profile --device … --json` output ({ devices: fleet outcomes }): the one board that
 * succeeded, its variants' bench reports keyed by precision (bits 8 / 7 / 32).
 */
function fromDeviceProfile(file: string, devices: unknown): Record<string, unknown> {
  if (!Array.isArray(devices)) throw new Error(`--profile ${file}: 'devices' is not a list (expected the output of profile --device … --json)`);
  const ok = devices.filter((d): d is { device: string; result: { variants: unknown[] } } => typeof d === 'object' && d !== null && (d as { ok?: unknown }).ok === true);
  if (ok.length !== 1)
    throw new Error(
      `--profile ${file}: expected exactly one board that succeeded, found ${ok.length} (${devices.map((d) => `${(d as { device?: string }).device ?? '?'}${(d as { ok?: boolean }).ok ? '' : ' failed'}`).join(', ') || 'none'})`,
    );
  const out: Record<string, unknown> = {};
  for (const v of ok[0]!.result.variants ?? []) {
    const { bits, label, bench } = v as { bits?: number | null; label?: string; bench?: unknown };
    const prec = bits != null ? PREC_OF_BITS[bits] : undefined;
    if (!prec) throw new Error(`--profile ${file}: board ${ok[0]!.device}, variant '${label ?? '?'}': bits ${bits} is not 8, 7 or 32`);
    if (prec in out) throw new Error(`--profile ${file}: board ${ok[0]!.device} has two ${prec} variants`);
    if (bench === undefined) throw new Error(`--profile ${file}: board ${ok[0]!.device}, variant '${label ?? prec}' has no bench report (profile ran without a benchmark)`);
    out[prec] = bench;
  }
  return out;
}

export function unitsFromProfiles(groups: readonly LayerGroup[], set: ProfileSet, where: string): { units: SearchUnit[]; baseMs: number } {
  const times = Object.fromEntries(Object.entries(set).map(([p, r]) => [p, new Map(r.layers.map((l) => [l.name, l.ms]))])) as Partial<Record<Precision, Map<string, number>>>;
  const units: SearchUnit[] = groups.map((g) => {
    const ms: SearchUnit['ms'] = {};
    for (const [p, m] of Object.entries(times) as [Precision, Map<string, number>][]) {
      let sum = 0;
      for (const l of g.layers) {
        const t = m.get(l.name);
        if (t === undefined) throw new Error(`${where}: the ${p} profile has no layer '${l.name}' (was it made for this model?)`);
        sum += t;
      }
      ms[p] = sum;
    }
    return { id: groupId(g), ms };
  });
  const all8 = set.int8!.layers.reduce((a, l) => a + l.ms, 0);
  const baseMs = Math.max(0, all8 - units.reduce((a, u) => a + u.ms.int8!, 0));
  return { units, baseMs };
}

/**
 * Each layer's kernel in the profile of its precision (the report's `kernel`, e.g.
 * 'amxconv:amx-tdpbssd'): the kernel choice behind the layer's time, which the runtime makes per
 * layer by timing its candidates at load on the profiled machine or board. Layers whose report
 * names no kernel are left out. The profile is indexed once; the returned function maps a
 * configuration's per-layer precisions to kernels.
 */
export function layerKernels(set: ProfileSet): (bits: Record<string, Precision>) => Record<string, string> {
  const byPrec = new Map(Object.entries(set).map(([p, r]) => [p, new Map(r.layers.map((l) => [l.name, l.kernel]))]));
  return (bits) => {
    const out: Record<string, string> = {};
    for (const [layer, prec] of Object.entries(bits)) {
      const k = byPrec.get(prec)?.get(layer);
      if (k) out[layer] = k;
    }
    return out;
  };
}
