/**
 * Calibration run data that is stored as JSON and crosses the worker and IPC boundaries: the
 * schema is the type, and the store parses its JSON columns with it.
 */
import { z } from 'zod';

export const RunProgressSchema = z.object({
  stage: z.string(),
  index: z.number(),
  total: z.number(),
  name: z.string(),
  elapsedMs: z.number(),
  /** JSON writes a non-finite ETA as null: read back as unknown */
  etaMs: z
    .number()
    .nullish()
    .transform((v) => v ?? undefined)
    .optional(),
});

export const RunLayerSchema = z.object({
  idx: z.int().nonnegative(),
  name: z.string(),
  cosBefore: z.number().nullable(),
  cosAfter: z.number().nullable(),
});

export type RunProgress = z.infer<typeof RunProgressSchema>;
export type RunLayer = z.infer<typeof RunLayerSchema>;

/** Per-layer cosine of an evaluation (JSON keeps a NaN cosine as null). */
export const LayerCosinesSchema = z.record(z.string(), z.number().nullable());
export type LayerCosines = z.infer<typeof LayerCosinesSchema>;

/** Per-output error of an evaluation against FP32 (output name → cosine mean/min, SQNR in dB). */
export const OutputErrorsSchema = z.record(z.string(), z.object({ cosineMean: z.number(), cosineMin: z.number(), sqnrDb: z.number().nullable() }));
