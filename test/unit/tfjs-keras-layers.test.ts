/**
 * TF.js layers (Keras) model import (src-main/core/tfjs/keras-layers.ts): a small functional
 * model written here (zero padding, conv + bias, batch norm, relu, a 1x1 conv branch without
 * bias, add, max pool, global average pool, dropout, dense + softmax) is imported, run in
 * onnxruntime and compared with a plain NHWC reference computed in this file; a Sequential model
 * too; layers the importer cannot read are refused with the layer's name and kind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { readModelFile } from '../../src-main/io/model-file.js';

const seq = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
const K1 = seq(3 * 3 * 2 * 3, (i) => Math.sin(i * 1.3) * 0.5); // c1/kernel [3,3,2,3]
const B1 = Float32Array.of(0.1, -0.2, 0.05);
const GAMMA = Float32Array.of(1.5, 0.5, -1);
const BETA = Float32Array.of(0.2, 0, -0.1);
const MEAN = Float32Array.of(0.3, -0.1, 0.2);
const VAR = Float32Array.of(0.5, 2, 1);
const KS = seq(2 * 3, (i) => Math.cos(i) * 0.7); // skip/kernel [1,1,2,3]
const KD = seq(3 * 4, (i) => Math.sin(i + 0.5)); // fc/kernel [3,4]
const BD = Float32Array.of(0.1, 0.2, -0.3, 0);
const EPS = 0.001;

type Layer = { class_name: string; name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };
const L = (class_name: string, name: string, config: Record<string, unknown>, from: string[]): Layer => ({
  class_name,
  name,
  config: { name, ...config },
  inbound_nodes: from.length ? [from.map((f) => [f, 0, 0, {}])] : [],
});

function functionalLayers(): Layer[] {
  return [
    L('InputLayer', 'input_1', { batch_input_shape: [null, 5, 5, 2], dtype: 'float32' }, []),
    L(
      'ZeroPadding2D',
      'pad',
      {
        padding: [
          [2, 0],
          [1, 1],
        ],
        data_format: 'channels_last',
      },
      ['input_1'],
    ),
    L('Conv2D', 'c1', { filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], activation: 'linear', use_bias: true }, ['pad']),
    L('BatchNormalization', 'bn', { axis: [3], epsilon: EPS, center: true, scale: true }, ['c1']),
    L('Activation', 'act', { activation: 'relu' }, ['bn']),
    L('Conv2D', 'skip', { filters: 3, kernel_size: [1, 1], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: false }, ['input_1']),
    L('Add', 'add', {}, ['act', 'skip']),
    L('MaxPooling2D', 'pool', { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }, ['add']),
    L('GlobalAveragePooling2D', 'gap', {}, ['pool']),
    L('Dropout', 'drop', { rate: 0.5 }, ['gap']),
    L('Dense', 'fc', { units: 4, activation: 'softmax', use_bias: true }, ['drop']),
  ];
}

const WEIGHTS: [string, number[], Float32Array][] = [
  ['c1/kernel', [3, 3, 2, 3], K1],
  ['c1/bias', [3], B1],
  ['bn/gamma', [3], GAMMA],
  ['bn/beta', [3], BETA],
  ['bn/moving_mean', [3], MEAN],
  ['bn/moving_variance', [3], VAR],
  ['skip/kernel', [1, 1, 2, 3], KS],
  ['fc/kernel', [3, 4], KD],
  ['fc/bias', [4], BD],
];

function writeModel(topology: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-keras-'));
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v2.2.4-tf',
    convertedBy: 'TensorFlow.js Converter v1.2.6',
    modelTopology: { keras_version: '2.2.4-tf', backend: 'tensorflow', model_config: topology },
    weightsManifest: [{ paths: ['w.bin'], weights: WEIGHTS.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.concat(WEIGHTS.map(([, , d]) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))));
  return dir;
}

const functional = (layers = functionalLayers()): object => ({
  class_name: 'Model',
  config: { name: 'tiny', layers, input_layers: [['input_1', 0, 0]], output_layers: [['fc', 0, 0]] },
});

/** NHWC reference of the functional model, batch 1. */
function reference(x: Float32Array): Float32Array {
  const at = (y: number, xx: number, c: number): number => (y < 0 || xx < 0 || y >= 5 || xx >= 5 ? 0 : x[(y * 5 + xx) * 2 + c]!);
  const add = new Float32Array(5 * 5 * 3);
  for (let y = 0; y < 5; y++)
    for (let xx = 0; xx < 5; xx++)
      for (let o = 0; o < 3; o++) {
        let acc = B1[o]!; // zero padding (2 top, 0 bottom, 1 left and right), then a valid 3x3 conv
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let c = 0; c < 2; c++) acc += at(y + ky - 2, xx + kx - 1, c) * K1[((ky * 3 + kx) * 2 + c) * 3 + o]!;
        const bn = Math.max(((acc - MEAN[o]!) / Math.sqrt(VAR[o]! + EPS)) * GAMMA[o]! + BETA[o]!, 0);
        let skip = 0;
        for (let c = 0; c < 2; c++) skip += at(y, xx, c) * KS[c * 3 + o]!;
        add[(y * 5 + xx) * 3 + o] = bn + skip;
      }
  const gap = new Float64Array(3); // 2x2 max pool, stride 2, valid: 5x5 -> 2x2, then the mean
  for (let py = 0; py < 2; py++)
    for (let px = 0; px < 2; px++)
      for (let o = 0; o < 3; o++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, add[((2 * py + dy) * 5 + 2 * px + dx) * 3 + o]!);
        gap[o]! += m / 4;
      }
  const z = seq(4, (j) => BD[j]! + gap.reduce((a, v, i) => a + v * KD[i * 4 + j]!, 0));
  const e = z.map((v) => Math.exp(v));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

async function run(dir: string, x: Float32Array): Promise<Float32Array> {
  const bytes = readModelFile(dir);
  const session = await ort.InferenceSession.create(bytes);
  const input = session.inputNames[0]!;
  const res = await session.run({ [input]: new ort.Tensor('float32', x, [1, 5, 5, 2]) });
  return res[session.outputNames[0]!]!.data as Float32Array;
}

function closeTo(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
}

describe('TF.js layers (Keras) model import', () => {
  const x = seq(50, (i) => Math.cos(i * 0.7) * 2);

  it('imports a functional model that matches the NHWC reference in onnxruntime; batch norm folds into the conv', async () => {
    const dir = writeModel(functional());
    const loaded = loadModelBytes(readModelFile(dir), dir);
    expect(loaded.graph.inputs.map((i) => [i.name, i.dims])).toEqual([['input_1', [1, 5, 5, 2]]]);
    expect(loaded.graph.outputs.map((o) => o.dims)).toEqual([[1, 4]]);
    const ops = loaded.graph.nodes.map((n) => n.op);
    expect(ops).not.toContain('BatchNormalization');
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(2);
    const want = reference(x);
    expect(want.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    closeTo(await run(dir, x), want);
  });

  it('imports the same layers as a Sequential model (no inbound nodes), up to the branch', async () => {
    const layers = functionalLayers().filter((l) => !['skip', 'add'].includes(l.name));
    const dir = writeModel({ class_name: 'Sequential', config: { name: 'seq', layers: layers.map((l) => ({ ...l, inbound_nodes: [] })) } });
    const got = await run(dir, x);
    expect(got).toHaveLength(4);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('refuses what it cannot read, naming the layer and its kind', () => {
    const withLayer = (patch: (ls: Layer[]) => Layer[]): string => writeModel(functional(patch(functionalLayers())));
    const lstm = withLayer((ls) => [...ls.slice(0, 10), L('LSTM', 'rnn', { units: 4 }, ['drop']), L('Dense', 'fc', { units: 4, activation: 'softmax' }, ['rnn'])]);
    expect(() => readModelFile(lstm)).toThrow(/Keras layer 'rnn' \(LSTM\): this layer kind is not supported by the TF\.js layers-model importer/);
    const nchw = withLayer((ls) => ls.map((l) => (l.name === 'pool' ? { ...l, config: { ...l.config, data_format: 'channels_first' } } : l)));
    expect(() => readModelFile(nchw)).toThrow(/Keras layer 'pool' \(MaxPooling2D\): data_format channels_first is not supported/);
    const shared = withLayer((ls) => ls.map((l) => (l.name === 'skip' ? { ...l, inbound_nodes: [...l.inbound_nodes, [['pad', 0, 0, {}]]] } : l)));
    expect(() => readModelFile(shared)).toThrow(/Keras layer 'skip' \(Conv2D\): the layer is called 2 times/);
    const swish = withLayer((ls) => ls.map((l) => (l.name === 'act' ? { ...l, config: { ...l.config, activation: 'swish' } } : l)));
    expect(() => readModelFile(swish)).toThrow(/Keras layer 'act' \(Activation\): activation 'swish' is not supported/);
    const noWeight = writeModel(functional(functionalLayers().map((l) => (l.name === 'fc' ? { ...l, name: 'fc2', config: { ...l.config, name: 'fc2' } } : l))));
    expect(() => readModelFile(noWeight)).toThrow(/Keras layer 'fc2' \(Dense\): weight 'fc2\/kernel' is not in the weights manifest/);
  });
});
