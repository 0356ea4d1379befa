/**
 * TypeScript front of the native EQM runtime (native/addon/addon.cc). The addon is a
 * Node-API module built by `npm run build:native` into native/build/Release/eqm_native.node
 * (EQ_NATIVE_ADDON: use that file and no other). Loaded through createRequire, so it works
 * from ESM.
 *
 *   const session = Runtime.load(compileEqm(graph, plan, table), { threads: 2 });   // or a .eqm path
 *   const [logits] = session.run(input, [1, 3, 224, 224]);
 *   session.profile();   // per-layer times and the kernel chosen for each layer
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeTensorInfo {
  name: string;
  dims: number[];
}

export interface NativeModelInfo {
  input: NativeTensorInfo;
  outputs: NativeTensorInfo[];
  qmax: number;
  opset: number;
  ops: { kind: string; name: string; opType?: string }[];
  /** names of the quantized Conv/Gemm layers, in execution order */
  layers: string[];
}

export interface NativeTapRun {
  outputs: Float32Array[];
  /** per quantized layer: the dequantized pre-activation accumulator (output layout), as the TS LayerTap */
  taps: Record<string, Float32Array>;
  /** per quantized layer with an int8 output: that output as stored (on the unsigned grid, value + zero offset is the level) */
  int8: Record<string, Int8Array>;
}

/** Session options; every field is optional. */
export interface NativeSessionOptions {
  /** worker threads; default: the CPUs in the process's affinity mask */
  threads?: number;
  /** ISA level: scalar | avx2 | avx512vnni | amx | neon | dotprod; default: EQ_ISA or the best the CPU runs */
  isa?: string;
  /** time the candidate algorithms of each conv layer once and keep the fastest (default true) */
  autotune?: boolean;
  /** force gemm | wino23 | wino43 where applicable (tests and benchmarks) */
  convAlgo?: string;
}

export interface NativeOpProfile {
  name: string;
  kind: string;
  /** quantized layers: "<algo>:<kernel>" (e.g. "wino43:wino43-avx2"); fp32 ops: "fp32:<OpType>" */
  kernel: string;
  /** multiply-adds (or elements) of one run */
  work: number;
  totalMs: number;
  calls: number;
  /** threads the op may split over: 1 where the autotune found a layer faster on the caller alone (native/src/runtime/session.cc) */
  threads: number;
  /** autotune measurements: candidate kernel → median µs */
  tuned: { kernel: string; us: number }[];
}

export interface NativeProfile {
  isa: string;
  threads: number;
  ops: NativeOpProfile[];
}

export interface NativeVersion {
  eqm: number;
  kernels: string;
  detectedIsa: string;
  availableIsas: string;
  affinityCpus: number;
}

/** Opaque model handle owned by the addon. */
export type NativeHandle = { readonly __eqmHandle: unique symbol };

export interface NativeAddon {
  loadModel(bytes: Uint8Array, options?: NativeSessionOptions): NativeHandle;
  run(handle: NativeHandle, input: Float32Array, dims: number[]): Float32Array[];
  runWithTaps(handle: NativeHandle, input: Float32Array, dims: number[]): NativeTapRun;
  info(handle: NativeHandle): NativeModelInfo;
  profile(handle: NativeHandle): NativeProfile;
  resetProfile(handle: NativeHandle): void;
  version(): NativeVersion;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ADDON_FILE = path.join('native', 'build', 'Release', 'eqm_native.node');

/** Where the addon is looked for, in order. */
export function addonCandidates(): string[] {
  // an explicit choice is exclusive: a missing file there means no native engine, not a fallback
  if (process.env.EQ_NATIVE_ADDON) return [path.resolve(process.env.EQ_NATIVE_ADDON)];
  const list: string[] = [];
  // packaged app: electron-builder's extraResources (build/electron-builder.yml)
  const res = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (res) list.push(path.join(res, 'addon', 'eqm_native.node'));
  for (const up of ['../..', '../../..', '..']) list.push(path.resolve(here, up, ADDON_FILE));
  list.push(path.resolve(process.cwd(), ADDON_FILE));
  return [...new Set(list)];
}

let cached: NativeAddon | undefined;
let cachedFrom: string | undefined;

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const found = addonCandidates().find((p) => fs.existsSync(p));
  if (!found) throw new Error(`native runtime: eqm_native.node not found (looked in ${addonCandidates().join(', ')}); build it with \`npm run build:native\``);
  const require = createRequire(import.meta.url);
  cached = require(found) as NativeAddon;
  cachedFrom = found;
  return cached;
}

export class NativeSession {
  readonly info: NativeModelInfo;

  constructor(
    private readonly addon: NativeAddon,
    private readonly handle: NativeHandle,
  ) {
    this.info = addon.info(handle);
  }

  /** Runs the model; one Float32Array per graph output (shapes in `info.outputs`). */
  run(input: Float32Array, dims: number[]): Float32Array[] {
    return this.addon.run(this.handle, input, dims);
  }

  /** Runs with per-layer taps (slower: the dequantized accumulators of every quantized layer are kept). */
  runWithTaps(input: Float32Array, dims: number[]): NativeTapRun {
    return this.addon.runWithTaps(this.handle, input, dims);
  }

  /** Per-op accumulated times since load (or resetProfile), the kernel chosen per layer and the autotune figures. */
  profile(): NativeProfile {
    return this.addon.profile(this.handle);
  }

  resetProfile(): void {
    this.addon.resetProfile(this.handle);
  }
}

export const Runtime = {
  /** Loads an EQM model from bytes or a file path; throws an Error with the loader's message on malformed input. */
  load(eqm: Uint8Array | string, options?: NativeSessionOptions): NativeSession {
    const addon = loadAddon();
    const bytes = typeof eqm === 'string' ? fs.readFileSync(eqm) : eqm;
    return new NativeSession(addon, addon.loadModel(bytes, options));
  },
  available(): boolean {
    try {
      loadAddon();
      return true;
    } catch {
      return false;
    }
  },
  version(): NativeVersion {
    return loadAddon().version();
  },
  /** Whether the addon loads, from where, its version and ISA levels; otherwise why not. */
  status(): { available: true; file: string; version: NativeVersion } | { available: false; error: string } {
    try {
      const version = loadAddon().version();
      return { available: true, file: cachedFrom!, version };
    } catch (e) {
      return { available: false, error: (e as Error).message };
    }
  },
};
