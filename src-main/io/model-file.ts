/**
 * Reading a model file safely: it must be a regular file (a FIFO or /dev/zero would block or
 * fill memory) of at most MAX_MODEL_BYTES; the checks run on stat() before any read.
 */
import fs from 'node:fs';
import { decodeModelProto } from '../core/onnx/import.js';
import { ModelFormatError } from '../core/onnx/model-format.js';
import { notRegularKind } from './file-kind.js';
import { readTfjsModel, tfjsModelJsonPath } from './tfjs-model.js';
import type { IModelProto } from '../core/onnx/proto.js';
import { loadModelBytes, type LoadedModel, type LoadOptions } from '../core/graph/load.js';

export { isTflite, ModelFormatError } from '../core/onnx/model-format.js';

/** Largest model file read (protobuf itself cannot hold more than 2 GiB without external data). */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;

/** Reads a model file; a TF.js graph model (model.json or its directory) comes back as ONNX bytes. */
export function readModelFile(file: string, maxBytes = MAX_MODEL_BYTES): Buffer {
  const tfjs = tfjsModelJsonPath(file);
  if (tfjs) return Buffer.from(readTfjsModel(tfjs, maxBytes));
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new ModelFormatError(`${file}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new ModelFormatError(`${file}: is ${notRegularKind(st)}, not a model file`);
  if (st.size > maxBytes) {
    throw new ModelFormatError(`${file}: the file is ${(st.size / 1024 ** 3).toFixed(2)} GiB, more than the ${(maxBytes / 1024 ** 3).toFixed(0)} GiB a model file may have`);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(`${file}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads and decodes an ONNX file (checked as above); a TFLite or TF.js model is converted to ONNX. */
export function readModelProto(file: string): IModelProto {
  return decodeModelProto(readModelFile(file), file);
}

/** Reads an ONNX or TFLite file and prepares it for quantization (core/graph/load.ts). */
export function loadModel(file: string, opts: LoadOptions = {}): LoadedModel {
  return loadModelBytes(readModelFile(file), file, opts);
}
