/**
 * Datasets: the one entry point for calibration and evaluation data.
 *
 * A folder is either an MNIST folder (an `*images-idx3*` + `*labels-idx1*` pair, gzipped or not),
 * a tensor folder (.npy / .f32 / .bin ready inputs, see tensors.ts; an `.npz` per sample holding one
 * array per model input, see npz.ts), or an image folder (.jpg .jpeg .png .webp, any case). A model
 * with several inputs reads one sub-folder per input, an `.npz` per sample, or one folder per input
 * given explicitly (`inputDirs`, the CLI's `--data name=dir`). Image and tensor folders may have a `labels.tsv`, which is
 * read only when asked for (`folderLabels`, or an explicit `labelsFile`): see labels.ts.
 * Samples are in sorted order (image folders: byte-wise sort of the file names); the calibration
 * convention is "the first N in sorted order" (`firstN`). Unreadable images are not fatal:
 * `load` returns null and reports "skipping <file>: <reason>" through onWarning.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LabelsSource, readLabels } from './labels.js';
import { readMnist } from './mnist.js';
import { type TensorInput, checkArrayShape, checkStaticDims, checkTensorFiles, isTensorName, readTensorFile, TensorFileError } from './tensors.js';
import { NpzFormatError, readNpz } from './npz.js';
import { ImageDecodeError, type PreprocessSpec, type ResolvedSpec, checkSpecAgainstDims, dimsToCHW, preprocessResolved, validateSpec } from './preprocess.js';

export interface Sample {
  id: string;
  label?: number;
}

export type LoadResult = { ok: true; data: Float32Array } | { ok: false; reason: string };

export interface Dataset {
  /** 'images' also for tensor folders (then `tensors` is set). */
  kind: 'images' | 'mnist';
  /** Tensor folders: the files are ready inputs, fed without preprocessing. */
  tensors?: {
    /** Model input names, in graph order (one sub-folder each when there are several). */
    inputs: string[];
    /** Every input's tensor of sample i (load(i) is the first input's). */
    loadInputs(i: number): Promise<Float32Array[]>;
  };
  dir: string;
  /** Sorted order (images: by file name, byte-wise sort). */
  samples: Sample[];
  inputDims: number[];
  /** null = unreadable/corrupt image, skipped; a warning is reported through onWarning. */
  load(i: number): Promise<Float32Array | null>;
  /** Like load, but returns the reason instead of reporting a warning. */
  tryLoad(i: number): Promise<LoadResult>;
  /** Path of the sample's file (image file, or the MNIST images file). */
  fileOf(i: number): string;
  /** The labels file used, if any (image folders: explicit or labels.tsv; MNIST: the idx labels file). */
  labelsFile?: string;
  /** Where the labels come from; undefined = the samples have no labels. */
  labelsSource?: LabelsSource;
  /** The validated preprocessing spec (image folders, or MNIST when a spec was given). */
  spec?: ResolvedSpec;
  /** Where warnings go (opts.onWarning, default console.warn). */
  warn(msg: string): void;
}

export interface OpenOptions {
  /** Required for image folders; optional for MNIST (default: raw 0..255). */
  spec?: PreprocessSpec;
  /** Model input shape, e.g. [1, 3, 224, 224]. */
  inputDims: number[];
  /** An explicit labels file (image folders). */
  labelsFile?: string;
  /**
   * Without labelsFile, read `<dir>/labels.tsv` when it exists (image folders). Default false:
   * only a classification model's data should pick up a folder's labels (see labelsPolicy).
   */
  folderLabels?: boolean;
  onWarning?: (msg: string) => void;
  /** Keep only the first `limit` samples in sorted order. */
  limit?: number;
  /** Name of the model input (tensor folders: used in error messages). */
  inputName?: string;
  /**
   * All graph inputs (name, static dims). With more than one, a tensor dataset is one sub-folder
   * per input, named after it; the i-th files in sorted order form sample i.
   */
  inputs?: TensorInput[];
  /** One tensor folder per model input, by input name (instead of sub-folders of `dir`). */
  inputDirs?: Record<string, string>;
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

function isImageName(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

/** Byte-wise (UTF-8) comparison of file names. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkIndex(ds: { samples: Sample[]; dir: string }, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.samples.length) {
    throw new RangeError(`sample index ${i} out of range 0..${ds.samples.length - 1} in ${ds.dir}`);
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) out.push(e.name);
    else if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(path.join(dir, e.name)).isFile()) out.push(e.name);
      } catch {
        // dangling link: ignore
      }
    }
  }
  return out;
}

/** The images/labels idx pair in a folder, or null when there is none. */
function findMnistPair(dir: string, names: string[]): { images: string; labels: string } | null {
  const images = names.filter((n) => n.includes('images-idx3'));
  const labels = names.filter((n) => n.includes('labels-idx1'));
  if (images.length === 0 && labels.length === 0) return null;
  if (images.length === 0) throw new DatasetError(`${dir}: found MNIST labels file(s) ${labels.join(', ')} but no *images-idx3* file`);
  if (labels.length === 0) throw new DatasetError(`${dir}: found MNIST images file(s) ${images.join(', ')} but no *labels-idx1* file`);
  const pairs: { images: string; labels: string }[] = [];
  for (const im of images) {
    const prefix = im.slice(0, im.indexOf('images-idx3'));
    const lb = labels.filter((l) => l.slice(0, l.indexOf('labels-idx1')) === prefix);
    if (lb.length === 1) pairs.push({ images: im, labels: lb[0]! });
  }
  if (pairs.length === 1) return pairs[0]!;
  if (images.length === 1 && labels.length === 1) return { images: images[0]!, labels: labels[0]! };
  throw new DatasetError(`${dir}: ambiguous MNIST files (images: ${images.join(', ')}; labels: ${labels.join(', ')}); keep one images/labels pair per folder`);
}

function applyLimit<T>(items: T[], limit: number | undefined): T[] {
  if (limit === undefined) return items;
  if (!Number.isInteger(limit) || limit < 0) throw new DatasetError(`limit must be a non-negative integer, got ${limit}`);
  return items.slice(0, limit);
}

function makeWarn(opts: OpenOptions): (msg: string) => void {
  return opts.onWarning ?? ((msg: string) => console.warn(`[dataset] ${msg}`));
}

/** Open a dataset folder (MNIST idx pair or image folder). */
export async function openDataset(dir: string, opts: OpenOptions): Promise<Dataset> {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? `dataset folder not found: ${abs}` : `cannot access dataset folder ${abs} (${code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) throw new DatasetError(`dataset path is not a folder: ${abs}`);
  const names = listFiles(abs);
  const inputs = opts.inputs && opts.inputs.length > 0 ? opts.inputs : [{ name: opts.inputName, dims: [...opts.inputDims] }];
  if (opts.inputDirs) return openTensors(abs, explicitSources(opts.inputDirs, inputs), opts);
  const npz = names.filter((n) => path.extname(n).toLowerCase() === '.npz').sort(compareBytes);
  if (npz.length > 0) return openNpz(abs, names, npz, opts, inputs);
  if (inputs.length > 1) return openMultiInput(abs, opts, inputs);
  const tensors = names.filter(isTensorName).sort(compareBytes);
  const images = names.filter(isImageName).sort(compareBytes);
  if (tensors.length > 0) {
    if (images.length > 0) {
      throw new DatasetError(`${abs} mixes images (${images[0]}, ...) and tensor files (${tensors[0]}, ...); keep one kind per folder`);
    }
    return openTensors(abs, [{ input: { name: opts.inputName, dims: [...opts.inputDims] }, dir: abs, files: tensors }], opts);
  }
  if (!Array.isArray(opts.inputDims) || opts.inputDims.length !== 4 || opts.inputDims.some((d) => !Number.isFinite(d))) {
    throw new DatasetError(`inputDims must be a 4-d model input shape like [1, 3, 224, 224], got ${JSON.stringify(opts.inputDims)}`);
  }
  const pair = findMnistPair(abs, names);
  if (pair) return openMnist(abs, pair, opts);
  if (images.length === 0) {
    // the message is matched exactly by the app's tests; tensor files are listed in --data's help
    throw new DatasetError(`no images (${IMAGE_EXTENSIONS.join(', ')}) or MNIST idx files found in ${abs}`);
  }
  return openImages(abs, images, opts);
}

/** Samples of a folder's files, labelled from an explicit labels file or the folder's labels.tsv. */
function labelledSamples(
  dir: string,
  ids: string[],
  opts: OpenOptions,
  warn: (msg: string) => void,
  what = 'image(s)',
): { samples: Sample[]; labelsFile?: string; labelsSource?: LabelsSource } {
  let labelsFile = opts.labelsFile ? path.resolve(opts.labelsFile) : undefined;
  let labelsSource: LabelsSource | undefined = labelsFile ? 'given' : undefined;
  if (!labelsFile && opts.folderLabels && fs.existsSync(path.join(dir, 'labels.tsv'))) {
    labelsFile = path.join(dir, 'labels.tsv');
    labelsSource = 'data-folder';
  }
  let byFile: Map<string, number> | undefined;
  if (labelsFile) byFile = readLabels(labelsFile).byFile;
  const samples: Sample[] = ids.map((id) => ({ id, label: byFile?.get(id) }));
  if (byFile) {
    const missing = samples.filter((s) => s.label === undefined).map((s) => s.id);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, ... (${missing.length - 5} more)` : '');
      warn(`${labelsFile}: no label for ${missing.length} of ${samples.length} ${what}, their label is undefined: ${shown}`);
    }
  }
  return { samples, labelsFile, labelsSource };
}

/** One model input's files: `dir/files[k]` is its tensor of sample k. */
interface TensorSource {
  input: TensorInput;
  dir: string;
  files: string[];
}

/** A multi-input tensor folder: one sub-folder per graph input, named after it. */
function openMultiInput(dir: string, opts: OpenOptions, inputs: TensorInput[]): Dataset {
  const list = inputs.map((i) => `'${i.name}'`).join(', ');
  const subs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const sources: TensorSource[] = inputs.map((input) => {
    const name = input.name ?? '';
    if (!subs.includes(name)) {
      throw new DatasetError(
        `${dir}: the model has inputs ${list}: expected one sub-folder per input, an .npz per sample, or --data <input>=<folder> per input; '${name}' is missing (found: ${subs.join(', ') || 'none'})`,
      );
    }
    return tensorSource(path.join(dir, name), input);
  });
  return openTensors(dir, sources, opts);
}

/** One folder per input, given by input name (every input exactly once). */
function explicitSources(dirs: Record<string, string>, inputs: TensorInput[]): TensorSource[] {
  const names = inputs.map((i) => i.name ?? '');
  const unknown = Object.keys(dirs).filter((k) => !names.includes(k));
  if (unknown.length > 0)
    throw new DatasetError(
      `data given for '${unknown.join("', '")}', which ${unknown.length > 1 ? 'are not model inputs' : 'is not a model input'} (inputs: ${names.map((n) => `'${n}'`).join(', ')})`,
    );
  const missing = names.filter((n) => dirs[n] === undefined);
  if (missing.length > 0) throw new DatasetError(`no data for model input${missing.length > 1 ? 's' : ''} '${missing.join("', '")}': give one folder per input (<input>=<folder>)`);
  return inputs.map((input) => {
    const d = path.resolve(dirs[input.name ?? '']!);
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new DatasetError(`data folder for input '${input.name}' not found: ${d}`);
    return tensorSource(d, input);
  });
}

function tensorSource(dir: string, input: TensorInput): TensorSource {
  const files = listFiles(dir).filter(isTensorName).sort(compareBytes);
  if (files.length === 0) throw new DatasetError(`${dir}: no tensor files (.npy, .f32, .bin) for model input '${input.name ?? 'input'}'`);
  return { input, dir, files };
}

/** The array of `input` in one .npz: the one named after it, or the only one of a single-input model. */
function npzArrayName(file: string, arrays: string[], input: TensorInput, single: boolean): string {
  const name = input.name ?? '';
  if (arrays.includes(name)) return name;
  if (single && arrays.length === 1) return arrays[0]!;
  throw new DatasetError(`${file}: no array '${name}' for the model input of that name (arrays: ${arrays.join(', ')}); save it as np.savez(file, **{'${name}': x})`);
}

/** A folder with one .npz per sample, holding one array per model input. */
async function openNpz(dir: string, names: string[], allFiles: string[], opts: OpenOptions, inputs: TensorInput[]): Promise<Dataset> {
  const warn = makeWarn(opts);
  const other = names.filter((n) => isTensorName(n) || isImageName(n));
  if (other.length > 0) throw new DatasetError(`${dir} mixes .npz files (${allFiles[0]}, ...) with other samples (${other[0]}, ...); keep one kind per folder`);
  const files = applyLimit(allFiles, opts.limit);
  const single = inputs.length === 1;
  const read = async (file: string) => {
    try {
      return await readNpz(file);
    } catch (e) {
      if (e instanceof NpzFormatError) throw new DatasetError(e.message);
      throw e;
    }
  };
  const pick = (file: string, arrays: Awaited<ReturnType<typeof readNpz>>) =>
    inputs.map((input) => {
      const a = arrays.get(npzArrayName(file, [...arrays.keys()], input, single))!;
      try {
        checkArrayShape(`${file}[${input.name}]`, a.header.shape, input);
      } catch (e) {
        if (e instanceof TensorFileError) throw new DatasetError(e.message);
        throw e;
      }
      return a;
    });
  for (const input of inputs) {
    try {
      checkStaticDims(input, `dataset ${dir}`);
    } catch (e) {
      throw new DatasetError((e as Error).message);
    }
  }
  // every file is checked when the folder is opened, as for .npy folders
  const converted = new Set<string>();
  for (const f of files) {
    const file = path.join(dir, f);
    for (const a of pick(file, await read(file))) if (a.header.dtype !== 'float32') converted.add(a.header.dtype);
  }
  if (converted.size > 0) warn(`${dir}: .npz arrays converted to float32 (values unchanged, uint8 stays 0..255): ${[...converted].join(', ')}`);
  if (opts.spec) warn(`${dir}: tensor files are fed as they are; the preprocessing (card or flags) is not applied`);
  const labelled = labelledSamples(dir, files, opts, warn, 'file(s)');
  const inputNames = inputs.map((s) => s.name ?? 'input');
  return tensorDataset(
    dir,
    inputNames,
    inputs[0]!.dims,
    labelled,
    warn,
    (i) => path.join(dir, labelled.samples[i]!.id),
    async (file) => pick(file, await read(file)).map((a) => a.data),
  );
}

function openTensors(dir: string, sources: TensorSource[], opts: OpenOptions): Dataset {
  const warn = makeWarn(opts);
  if (new Set(sources.map((s) => s.files.length)).size > 1) {
    const counts = sources.map((s) => `${s.input.name}: ${s.files.length}`);
    throw new DatasetError(`${dir}: the input folders hold different numbers of files (${counts.join(', ')}); sample k is the k-th file of each in sorted order`);
  }
  const limited = sources.map((s) => ({ ...s, files: applyLimit(s.files, opts.limit) }));
  try {
    for (const s of limited) {
      checkStaticDims(s.input, `dataset ${dir}`);
      const notice = checkTensorFiles(
        s.files.map((f) => path.join(s.dir, f)),
        s.input,
      );
      if (notice) warn(`${s.dir}: ${notice}`);
    }
  } catch (e) {
    if (e instanceof TensorFileError) throw new DatasetError(e.message);
    throw e;
  }
  if (opts.spec) warn(`${dir}: tensor files are fed as they are; the preprocessing (card or flags) is not applied`);
  const first = limited[0]!;
  const labelled = labelledSamples(dir, first.files, opts, warn, 'file(s)');
  const read = (s: TensorSource, i: number) => {
    try {
      return readTensorFile(path.join(s.dir, s.files[i]!), s.input);
    } catch (e) {
      if (e instanceof TensorFileError) throw new DatasetError(e.message);
      throw e;
    }
  };
  const names = limited.map((s) => s.input.name ?? 'input');
  return tensorDataset(
    dir,
    names,
    first.input.dims,
    labelled,
    warn,
    (i) => path.join(first.dir, labelled.samples[i]!.id),
    async (_file, i) => limited.map((s) => read(s, i)),
  );
}

/**
 * The dataset of a tensor folder (.npy/raw or .npz): sample i is `pathOf(i)`, its model inputs
 * `loadInputs(pathOf(i), i)`; the single-input loaders return the first input.
 */
function tensorDataset(
  dir: string,
  inputs: string[],
  inputDims: number[],
  labelled: ReturnType<typeof labelledSamples>,
  warn: (msg: string) => void,
  pathOf: (i: number) => string,
  loadInputs: (file: string, i: number) => Promise<Float32Array[]>,
): Dataset {
  const fileOf = (i: number) => {
    checkIndex(ds, i);
    return pathOf(i);
  };
  const load = async (i: number) => loadInputs(fileOf(i), i);
  const tryLoad = async (i: number): Promise<LoadResult> => ({ ok: true, data: (await load(i))[0]! });
  const ds: Dataset = {
    kind: 'images',
    tensors: { inputs, loadInputs: load },
    dir,
    ...labelled,
    inputDims,
    warn,
    fileOf,
    tryLoad,
    load: loaderOf(tryLoad),
  };
  return ds;
}

/** `load` from `tryLoad`: the sample, or null when it cannot be decoded (reported through `skipped`). */
function loaderOf(tryLoad: (i: number) => Promise<LoadResult>, skipped?: (i: number, reason: string) => void): Dataset['load'] {
  return async (i: number) => {
    const r = await tryLoad(i);
    if (r.ok) return r.data;
    skipped?.(i, r.reason);
    return null;
  };
}

function openImages(dir: string, allImages: string[], opts: OpenOptions): Dataset {
  const warn = makeWarn(opts);
  if (!opts.spec) throw new DatasetError(`${dir} is an image folder: a preprocessing spec is required (opts.spec, e.g. from cardToSpec)`);
  const spec = validateSpec(opts.spec);
  try {
    checkSpecAgainstDims(spec, opts.inputDims);
  } catch (e) {
    throw new DatasetError(`dataset ${dir}: ${(e as Error).message}`);
  }
  const inputDims = [...opts.inputDims];
  const images = applyLimit(allImages, opts.limit);
  const { samples, labelsFile, labelsSource } = labelledSamples(dir, images, opts, warn);

  const fileOf = (i: number) => {
    checkIndex(ds, i);
    return path.join(dir, samples[i]!.id);
  };
  const tryLoad = async (i: number): Promise<LoadResult> => {
    const file = fileOf(i);
    try {
      return { ok: true, data: await preprocessResolved(file, spec, inputDims) };
    } catch (e) {
      if (e instanceof ImageDecodeError) return { ok: false, reason: e.reason };
      throw e;
    }
  };
  const ds: Dataset = {
    kind: 'images',
    dir,
    samples,
    inputDims,
    labelsFile,
    labelsSource,
    spec,
    warn,
    fileOf,
    tryLoad,
    load: loaderOf(tryLoad, (i, reason) => warn(`skipping ${fileOf(i)}: ${reason}`)),
  };
  return ds;
}

function openMnist(dir: string, pair: { images: string; labels: string }, opts: OpenOptions): Dataset {
  const warn = makeWarn(opts);
  const m = readMnist(path.join(dir, pair.images), path.join(dir, pair.labels));
  if (opts.labelsFile) warn(`${dir}: MNIST labels come from ${pair.labels}; labelsFile ${opts.labelsFile} is ignored`);
  const layout = opts.spec?.layout ?? 'NCHW';
  const spec = opts.spec ? validateSpec(opts.spec) : undefined;
  const where = `dataset ${dir} (MNIST ${m.cols}x${m.rows} greyscale)`;
  if (spec) {
    if (spec.channelOrder !== 'GRAY') throw new DatasetError(`${where}: spec channelOrder must be 'GRAY', got '${spec.channelOrder}'`);
    if (spec.resize.mode !== 'none') throw new DatasetError(`${where}: spec resize must be {mode:'none'} for MNIST, got '${spec.resize.mode}'`);
    if (spec.centerCrop && (spec.centerCrop.width !== m.cols || spec.centerCrop.height !== m.rows)) {
      throw new DatasetError(`${where}: centerCrop ${spec.centerCrop.width}x${spec.centerCrop.height} is not supported for MNIST`);
    }
  }
  let chw: { c: number; h: number; w: number };
  try {
    chw = dimsToCHW(opts.inputDims, layout);
  } catch (e) {
    throw new DatasetError(`${where}: ${(e as Error).message}`);
  }
  if (chw.c !== 1 || chw.h !== m.rows || chw.w !== m.cols) {
    throw new DatasetError(
      `${where}: model input ${JSON.stringify(opts.inputDims)} (${layout}) expects ${chw.c} channel(s) ${chw.w}x${chw.h}, MNIST gives 1 channel ${m.cols}x${m.rows}`,
    );
  }
  const count = applyLimit(
    Array.from({ length: m.count }, (_, i) => i),
    opts.limit,
  ).length;
  const base = path.basename(pair.images).replace(/\.gz$/i, '');
  const samples: Sample[] = Array.from({ length: count }, (_, i) => ({ id: `${base}#${i}`, label: m.labels[i] }));
  const a = spec ? spec.scale / spec.std[0]! : 1;
  const b = spec ? -spec.mean[0]! / spec.std[0]! : 0;
  const inputDims = [...opts.inputDims];
  const fileOf = (i: number) => {
    checkIndex(ds, i);
    return m.imagesFile;
  };
  const tryLoad = async (i: number): Promise<LoadResult> => {
    checkIndex(ds, i);
    const x = m.image(i);
    if (a !== 1 || b !== 0) for (let k = 0; k < x.length; k++) x[k] = x[k]! * a + b;
    return { ok: true, data: x };
  };
  const ds: Dataset = {
    kind: 'mnist',
    dir,
    samples,
    inputDims,
    labelsFile: m.labelsFile,
    labelsSource: 'mnist',
    spec,
    warn,
    fileOf,
    tryLoad,
    load: loaderOf(tryLoad),
  };
  return ds;
}

/** Calibration-set convention: the first n samples in sorted order (indices unchanged). */
export function firstN(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`firstN: n must be a non-negative integer, got ${n}`);
  const view: Dataset = {
    ...ds,
    samples: ds.samples.slice(0, n),
    fileOf: (i: number) => {
      checkIndex(view, i);
      return ds.fileOf(i);
    },
    tryLoad: async (i: number) => {
      checkIndex(view, i);
      return ds.tryLoad(i);
    },
    load: async (i: number) => {
      checkIndex(view, i);
      return ds.load(i);
    },
  };
  return view;
}

/** Default number of samples decoded ahead (sharp runs them on the libuv thread pool). */
export function defaultPrefetch(): number {
  return Math.max(2, Math.min(8, os.availableParallelism() * 2));
}

/**
 * Run `fn` over indices [start, end) keeping up to `prefetch` in flight, yielding results in order.
 * Rejections of results not yet consumed are held (not unhandled) and rethrown in order.
 */
async function* prefetched<T>(start: number, end: number, prefetch: number, fn: (i: number) => Promise<T>): AsyncGenerator<{ index: number; value: T }> {
  const queue: { index: number; p: Promise<T> }[] = [];
  let next = start;
  const fill = () => {
    while (next < end && queue.length < prefetch) {
      const p = fn(next);
      p.catch(() => undefined); // handled when awaited below; avoids unhandled rejections on early exit
      queue.push({ index: next, p });
      next++;
    }
  };
  fill();
  while (queue.length > 0) {
    const head = queue.shift()!;
    const value = await head.p;
    fill();
    yield { index: head.index, value };
  }
}

/**
 * The loadable samples in [start, end) in order, decoding a few ahead. Corrupt images are
 * skipped with a warning through the dataset's onWarning.
 */
export async function* iterateSamples(
  ds: Dataset,
  opts: { start?: number; end?: number; prefetch?: number } = {},
): AsyncGenerator<{ index: number; sample: Sample; data: Float32Array }> {
  const start = opts.start ?? 0;
  const end = Math.min(opts.end ?? ds.samples.length, ds.samples.length);
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`iterateSamples: start must be a non-negative integer, got ${start}`);
  const prefetch = Math.max(1, opts.prefetch ?? defaultPrefetch());
  for await (const { index, value } of prefetched(start, end, prefetch, (i) => ds.tryLoad(i))) {
    if (value.ok) yield { index, sample: ds.samples[index]!, data: value.data };
    else ds.warn(`skipping ${ds.fileOf(index)}: ${value.reason}`);
  }
}

/**
 * The first n loadable samples in sorted order (the calibration set), skipping corrupt ones with
 * a warning (to `onWarning`, default the dataset's). Returns fewer than n (and warns) when the
 * dataset runs out.
 */
export async function takeValid(
  ds: Dataset,
  n: number,
  onWarning?: (msg: string) => void,
): Promise<{ indices: number[]; skipped: { index: number; id: string; reason: string }[] }> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`takeValid: n must be a non-negative integer, got ${n}`);
  const warn = onWarning ?? ds.warn;
  const indices: number[] = [];
  const skipped: { index: number; id: string; reason: string }[] = [];
  if (n === 0) return { indices, skipped };
  const prefetch = Math.min(defaultPrefetch(), n);
  for await (const { index, value } of prefetched(0, ds.samples.length, prefetch, (i) => ds.tryLoad(i))) {
    if (value.ok) {
      indices.push(index);
      if (indices.length >= n) break;
    } else {
      skipped.push({ index, id: ds.samples[index]!.id, reason: value.reason });
      warn(`skipping ${ds.fileOf(index)}: ${value.reason}`);
    }
  }
  if (indices.length < n) warn(`${ds.dir}: only ${indices.length} loadable sample(s), ${n} requested`);
  return { indices, skipped };
}
