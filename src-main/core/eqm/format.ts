/**
 * EQM v1 constants shared by the writer and the reader (layout: docs/eqm-format.md).
 * The native loader (native/src/format/eqm_format.h) mirrors these values.
 */
export const EQM_MAGIC = [0x45, 0x51, 0x4d, 0x31] as const; // "EQM1"
export const EQM_VERSION = 1;
/** fixed part of the header; the section table (16 bytes per entry) follows it */
export const EQM_FIXED_HEADER = 32;
export const EQM_SECTION_ENTRY = 16;

export const Section = {
  STRINGS: 1,
  TENSORS: 2,
  DATA: 3,
  OPS: 4,
  GRAPH: 5,
} as const;

export const DType = {
  float32: 1,
  int8: 2,
  int64: 3,
} as const;
export type EqmDType = keyof typeof DType;

export const TensorKind = {
  /** produced by an op at run time */
  value: 0,
  /** constant data stored in the DATA section */
  constant: 1,
  /** the graph input (float32) */
  input: 2,
} as const;

// Op codes live with each op definition (ops/<op>.ts, listed in ops/registry.ts).

export const LinearKind = { conv: 1, gemm: 2 } as const;
export const ActKind = { none: 0, relu: 1, clip: 2 } as const;
export const AttrType = { number: 1, numbers: 2, string: 3, strings: 4 } as const;

/** Limits every reader enforces (the native loader uses the same numbers). */
export const EQM_LIMITS = {
  maxRank: 8,
  /** elements of one tensor */
  maxElements: 2 ** 28,
  /** a single dimension / geometry value */
  maxDim: 2 ** 24,
  /** fan-in of a quantized layer: keeps int8*int8 sums inside int32 */
  maxFanIn: 131071,
  maxTensors: 1 << 18,
  maxOps: 1 << 16,
  /** bytes of one name or attribute string */
  maxString: 4096,
  maxListLength: 1 << 16,
} as const;

export class EqmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EqmFormatError';
  }
}
