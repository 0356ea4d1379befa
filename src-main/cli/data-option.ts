/**
 * --data, repeatable: one folder (images, MNIST, tensors; a multi-input model's folder holds one
 * sub-folder per input or an .npz per sample), or `<input>=<folder>` once per model input.
 * An argument that is an existing path is a folder even when it contains '='.
 */
import fs from 'node:fs';

export const DATA_HELP =
  'image folder, folder with MNIST idx files, or folder of tensors (.npy, raw float32 .f32/.bin, or an .npz per sample); ' +
  'a model with several inputs: a folder with one sub-folder per input, an .npz per sample, or --data <input>=<folder> once per input';

/** commander collector: every --data value in order */
export function collectData(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function dataFrom(values: string[]): { data: string; inputData?: Record<string, string> } {
  if (values.length === 1 && (!values[0]!.includes('=') || fs.existsSync(values[0]!))) return { data: values[0]! };
  const inputData: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) {
      throw new Error(`--data '${v}': with several --data options each must be <input>=<folder> (one per model input)`);
    }
    const name = v.slice(0, eq);
    if (inputData[name] !== undefined) throw new Error(`--data: input '${name}' is given twice`);
    inputData[name] = v.slice(eq + 1);
  }
  return { data: Object.values(inputData)[0]!, inputData };
}
