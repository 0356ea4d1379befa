/**
 * What a board's runner reports: `eqrun bench --json` (native/tools/eqrun/run.cc prints it) and
 * the accuracy run computed from its `eqrun infer` outputs, plus the profile the app keeps per
 * board. The runner's answer is parsed against these on arrival (deploy/operations.ts).
 */
import { z } from 'zod';

const ms = z.number().finite().nonnegative();
const count = z.int().nonnegative();

export const LayerTimeSchema = z.object({
  name: z.string(),
  /** op kind and kernel the runner chose */
  kind: z.string().optional(),
  kernel: z.string().optional(),
  /** the op's work (MACs or elements) */
  work: z.number().nonnegative().optional(),
  /** mean time per run */
  ms,
});

export const LatencySchema = z.object({ min: ms, median: ms, p90: ms, max: ms, mean: ms });

export const BenchReportSchema = z.object({
  /** the model path on the board */
  model: z.string().optional(),
  warmup: count,
  runs: z.int().positive(),
  threads: count,
  isa: z.string().min(1),
  latencyMs: LatencySchema,
  layers: z.array(LayerTimeSchema),
});

export const AccuracyReportSchema = z.object({
  images: count,
  /** images whose every output is bit-identical to the host native engine's */
  bitExact: count,
  /** share of images whose top-1 equals the host native engine's */
  agreement: z.number().min(0).max(1),
  /** top-1 against the labels (null without labels) */
  top1: z.number().min(0).max(1).nullable(),
  /** first sample whose outputs differ from the host, if any */
  firstMismatch: count.nullable(),
  batchBytes: count,
});

/**
 * A report as stored with a device result: rows from older versions and imported results.jsonl
 * files may lack fields, so every field is optional (the types still hold when present).
 */
export const StoredBenchSchema = z.looseObject({
  ...BenchReportSchema.partial().shape,
  latencyMs: z.looseObject(LatencySchema.partial().shape).optional(),
});
export const StoredAccuracySchema = z.looseObject(AccuracyReportSchema.partial().shape);

export type StoredBench = z.infer<typeof StoredBenchSchema>;
export type StoredAccuracy = z.infer<typeof StoredAccuracySchema>;
export type LayerTime = z.infer<typeof LayerTimeSchema>;
export type BenchReport = z.infer<typeof BenchReportSchema>;
export type AccuracyReport = z.infer<typeof AccuracyReportSchema>;

/** One model variant of an app profile (app/deploy-backend.ts builds it, the Deploy page draws it). */
export const ProfileVariantSchema = z.object({
  label: z.string(),
  bits: z.int().nullable(),
  isa: z.string().nullable(),
  latencyMs: LatencySchema.nullable(),
  layers: z.array(LayerTimeSchema),
  accuracy: AccuracyReportSchema.pick({ images: true, top1: true, agreement: true, bitExact: true }).nullable(),
  pushed: z.object({ runner: count.optional(), model: count, scales: count.optional() }),
});

/** An app profile of one board: the machine, how long it took, every variant. */
export const ProfileResultSchema = z.object({
  machine: z.string(),
  /** absent in profiles stored by early versions */
  seconds: z.number().nonnegative().optional(),
  variants: z.array(ProfileVariantSchema).default([]),
});

export type ProfileVariant = z.infer<typeof ProfileVariantSchema>;
export type ProfileResult = z.infer<typeof ProfileResultSchema>;

/** `path: problem (got value)` for each issue, for errors that name the field. */
export function describeIssues(err: z.ZodError, input: unknown): string {
  return err.issues
    .map((i) => {
      let v: unknown = input;
      for (const k of i.path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
      const where = i.path.length ? i.path.join('.') : '(report)';
      return `${where}: ${i.message}${i.path.length ? ` (got ${v === undefined ? 'nothing' : JSON.stringify(v)})` : ''}`;
    })
    .join('; ');
}
