/**
 * Calibration run data that is stored as JSON and crosses the worker and IPC boundaries: the
 * schema is the type, and the store parses its JSON columns with it.
 */
import { z } from 'zod';

export const RunProgressSchema = z.object({
  stage: z.string(),
  index: z.int().nonnegative(),
  total: z.int().nonnegative(),
  name: z.string(),
  elapsedMs: z.number().nonnegative(),
  etaMs: z.number().nonnegative().optional(),
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
