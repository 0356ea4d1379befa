/** Reads a profile record (app-deploy-backend.ts's shape) into what the Deploy page draws. */
import type { ProfileInfo } from '../../../src-main/contract/app-types';
import type { ProfileVariant } from '../../../src-main/contract/bench-report';

type VariantView = ProfileVariant;

export function variants(p: ProfileInfo): VariantView[] {
  return p.result?.variants ?? [];
}

export function profileLayers(p: ProfileInfo): { name: string; ms: number }[] {
  return variants(p)[0]?.layers ?? [];
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? undefined : `${(x * 100).toFixed(2)} %`);

export function profileCompare(p: ProfileInfo): { config: string; median?: number; p90?: number; top1?: string; agreement?: string; bitExact?: string }[] {
  return variants(p).map((v) => ({
    config: v.label,
    median: v.latencyMs ? Number(v.latencyMs.median.toFixed(3)) : undefined,
    p90: v.latencyMs ? Number(v.latencyMs.p90.toFixed(3)) : undefined,
    top1: pct(v.accuracy?.top1),
    agreement: pct(v.accuracy?.agreement),
    bitExact: v.accuracy ? `${v.accuracy.bitExact}/${v.accuracy.images}` : undefined,
  }));
}

export function profileAccuracy(p: ProfileInfo): string | undefined {
  const r = p.result;
  if (!r?.machine) return undefined;
  return `${p.deviceName}: ${r.machine}${r.seconds !== undefined ? `, ${r.seconds.toFixed(1)} s` : ''}`;
}
