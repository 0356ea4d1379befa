/**
 * TF.js graph and layers models on disk: a model.json (or a directory holding one) and the weight shards it
 * lists beside it, converted to ONNX bytes (core/tfjs) so every reader of models accepts them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelFormatError } from '../core/onnx/model-format.js';
import { faceApiTinyYoloModel, isFaceApiManifest } from '../core/tfjs/faceapi-tiny-yolo.js';
import { isKerasLayersModel, kerasLayersModel } from '../core/tfjs/keras-layers.js';
import { parseModelJson, type TfjsModelJson } from '../core/tfjs/model-json.js';
import { tfjsToOnnxBytes } from '../core/tfjs/import.js';

/** The model.json a path names (the path itself, or model.json inside a directory), else undefined. */
export function tfjsModelJsonPath(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) {
    const inner = path.join(file, 'model.json');
    return fs.existsSync(inner) ? inner : undefined;
  }
  return st.isFile() && file.toLowerCase().endsWith('.json') ? file : undefined;
}

function readShard(dir: string, rel: string, json: string, maxBytes: number): Uint8Array {
  const p = path.resolve(dir, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new ModelFormatError(`${json}: weight shard '${rel}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new ModelFormatError(`${json}: weight shard '${rel}' is not a regular file`);
  if (st.size > maxBytes) throw new ModelFormatError(`${json}: weight shard '${rel}' is larger than ${maxBytes} bytes`);
  return fs.readFileSync(p);
}

/** model.json (graph or Keras layers model), or a face-api weights manifest (its Tiny-YOLOv2 face detector topology is built in) */
function parseJson(text: string, json: string): TfjsModelJson {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`${json}: not valid JSON (${(e as Error).message})`);
  }
  if (isFaceApiManifest(j)) return faceApiTinyYoloModel(j, json);
  return isKerasLayersModel(j) ? kerasLayersModel(j, json) : parseModelJson(text, json);
}

/** Reads a TF.js graph model (model.json path) and its shards; returns ONNX model bytes. */
export function readTfjsModel(json: string, maxBytes: number): Uint8Array {
  const st = fs.statSync(json);
  if (st.size > 256 * 1024 ** 2) throw new ModelFormatError(`${json}: model.json is ${st.size} bytes, too large`);
  const m = parseJson(fs.readFileSync(json, 'utf8'), json);
  const dir = path.dirname(json);
  let total = 0;
  const shards = m.weightsManifest.map((g) => {
    const parts = g.paths.map((rel) => readShard(dir, rel, json, maxBytes));
    total += parts.reduce((s, p) => s + p.length, 0);
    if (total > maxBytes) throw new ModelFormatError(`${json}: the weight shards add up to more than ${maxBytes} bytes`);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  });
  return tfjsToOnnxBytes(m, shards, json);
}
