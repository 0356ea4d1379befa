/**
 * Deploy-and-profile over a fleet: every board gets every model variant (e.g. INT8, INT7,
 * FP32), a benchmark and optionally an accuracy run; boards run concurrently, and each
 * variant's outcome is handed to `record` (the caller stores it: store/device-results-table.ts).
 * A board that fails or times out is reported as failed without stopping the others.
 */
import { runFleet, type FleetOutcome } from './fleet.js';
import { accuracy, bench, deployModel, type AccuracyReport, type BenchReport } from './operations.js';
import type { EvalSet, Variant } from './prepare.js';
import type { Device } from '../contract/device.js';
import type { ResultRecord } from '../store/device-results-table.js';
import { DeviceSession, type SessionOptions } from './session.js';

export interface VariantResult {
  label: string;
  bits: number | null;
  method: string | null;
  modelSha256: string;
  remoteModel: string;
  pushed: { runner?: number; model: number; scales?: number };
  bench?: BenchReport;
  accuracy?: AccuracyReport;
}

export interface DeviceProfile {
  machine: string;
  variants: VariantResult[];
}

export interface ProfileRequest {
  devices: Device[];
  variants: Variant[];
  evalSet?: EvalSet;
  bench?: { warmup: number; runs: number; threads: number } | null;
  session: SessionOptions;
  /** per board, for everything (connect, push, runs) */
  timeoutMs: number;
  log?: (m: string) => void;
  /** called once per board x variant as soon as it is known (measured, or the board's error) */
  record: (r: ResultRecord) => void;
}

export async function profileFleet(req: ProfileRequest): Promise<FleetOutcome<DeviceProfile>[]> {
  const outcomes = await runFleet(
    req.devices,
    async (d) => {
      const s = await DeviceSession.open(d, req.session);
      try {
        const variants: VariantResult[] = [];
        let machine = '';
        for (const v of req.variants) {
          req.log?.(`${d.name}: deploying ${v.label}`);
          const dep = await deployModel(s, { eqm: v.eqm, scales: v.scales });
          machine = dep.machine;
          const r: VariantResult = {
            label: v.label,
            bits: v.bits,
            method: v.method,
            modelSha256: v.modelSha256,
            remoteModel: dep.remoteModel,
            pushed: { runner: dep.runner?.sent, model: dep.model.sent, scales: dep.scales?.sent },
          };
          if (req.bench) {
            req.log?.(`${d.name}: bench ${v.label}`);
            r.bench = await bench(s, dep.remoteModel, req.bench);
          }
          if (req.evalSet) {
            req.log?.(`${d.name}: accuracy ${v.label} on ${req.evalSet.samples.length} images`);
            const e = req.evalSet;
            r.accuracy = await accuracy(s, {
              eqm: v.eqm,
              inputQuant: v.inputQuant,
              remoteModel: dep.remoteModel,
              samples: e.samples,
              dims: e.dims,
              labels: e.labels,
              outputIndex: e.outputIndex,
              labelOffset: e.labelOffset,
            });
          }
          req.record({
            device: d.name,
            modelSha256: v.modelSha256,
            bits: v.bits,
            method: v.method,
            label: v.label,
            at: new Date().toISOString(),
            machine,
            isa: r.bench?.isa,
            bench: r.bench,
            accuracy: r.accuracy,
          });
          variants.push(r);
        }
        return { machine, variants };
      } finally {
        await s.close().catch(() => undefined);
      }
    },
    { timeoutMs: req.timeoutMs },
  );
  for (const o of outcomes) {
    if (!o.ok)
      for (const v of req.variants)
        req.record({ device: o.device, modelSha256: v.modelSha256, bits: v.bits, method: v.method, label: v.label, at: new Date().toISOString(), error: o.error });
  }
  return outcomes;
}
