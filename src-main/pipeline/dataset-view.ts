/** A dataset without its first `skip` samples (held-out evaluation: calibration images come first). */
import type { Dataset } from '../io/data/dataset.js';

export function skipSamples(ds: Dataset, skip: number): Dataset {
  return {
    kind: ds.kind,
    dir: ds.dir,
    samples: ds.samples.slice(skip),
    inputDims: ds.inputDims,
    labelsFile: ds.labelsFile,
    spec: ds.spec,
    load: (i) => ds.load(i + skip),
    tryLoad: (i) => ds.tryLoad(i + skip),
    fileOf: (i) => ds.fileOf(i + skip),
    warn: (m) => ds.warn(m),
    ...(ds.tensors ? { tensors: { inputs: ds.tensors.inputs, loadInputs: (i: number) => ds.tensors!.loadInputs(i + skip) } } : {}),
  };
}
