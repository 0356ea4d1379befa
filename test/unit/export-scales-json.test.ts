import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkModelMatches,
  ModelMismatchError,
  parseScalesJson,
  readScalesJson,
  ScalesFileError,
  SCALE_CONVENTION,
  sha256File,
  writeScalesJson,
} from '../../src-main/io/scales-json.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';

const SHA = 'ab'.repeat(32);

function table(): ScaleTable {
  return {
    bits: 8,
    qmax: 127,
    method: 'eq',
    modelSha256: SHA,
    modelFile: 'models/squeezenet1.1/model.onnx',
    layers: [
      {
        name: 'conv1',
        op: 'Conv',
        input: 'data',
        output: 'relu1',
        weight: 'conv1_w',
        weightScales: [0.1 + 0.2, 1 / 3, 123.456789012345, 5e-324 * 1e300, 2 ** 60],
        inputScale: 0.7853981633974483,
        cosine: 0.9993,
      },
      {
        name: 'fc "quoted" \\ name',
        op: 'Gemm',
        input: 'pool/out',
        output: 'prob',
        weight: 'fc_w',
        weightScales: [42.1],
        inputScale: 3.14159,
      },
    ],
    tensors: { data: 0.7853981633974483, 'pool/out': 3.14159, 'fire2/squeeze1x1': 12.75 },
    settings: { calibImages: 50, alpha: [0.5, 1.2], nested: { ok: true } },
    createdAt: '2025-01-02T03:04:05.678Z',
  };
}

function mutate(f: (j: Record<string, unknown>) => void): string {
  const j = JSON.parse(writeScalesJson(table())) as Record<string, unknown>;
  f(j);
  return JSON.stringify(j);
}

const layer0 = (j: Record<string, unknown>) => (j['layers'] as Record<string, unknown>[])[0]!;

function expectError(text: string, ...parts: string[]): void {
  let err: unknown;
  try {
    parseScalesJson(text, 'run/scales.json');
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error mentioning ${parts.join(', ')}`).toBeInstanceOf(ScalesFileError);
  const msg = (err as Error).message;
  expect(msg.startsWith('run/scales.json: ')).toBe(true);
  for (const p of parts) expect(msg).toContain(p);
}

describe('scales.json', () => {
  it('round-trips: write → parse gives the same table, numbers bit-exact', () => {
    const t = table();
    const text = writeScalesJson(t);
    const back = parseScalesJson(text, 'scales.json');
    expect(back).toStrictEqual(t);
    // and write(parse(write(t))) is the same text
    expect(writeScalesJson(back)).toBe(text);
  });

  it('writes the documented layout', () => {
    const j = JSON.parse(writeScalesJson(table()));
    expect(Object.keys(j)).toEqual(['format', 'version', 'model', 'bits', 'qmax', 'method', 'scale_convention', 'settings', 'created_at', 'layers', 'tensors']);
    expect(j.format).toBe('easyquant-scales');
    expect(j.version).toBe(1);
    expect(j.model).toEqual({ file: 'models/squeezenet1.1/model.onnx', sha256: SHA });
    expect(j.scale_convention).toBe('q = clip(round(x * scale), -qmax, qmax)');
    expect(Object.keys(j.layers[0])).toEqual(['name', 'op', 'input', 'output', 'weight', 'input_scale', 'weight_scales', 'cosine']);
    expect(Object.keys(j.layers[1])).not.toContain('cosine');
    expect(j.tensors['fire2/squeeze1x1']).toBe(12.75);
  });

  it('round-trips an INT7 table and one without layers', () => {
    const t = { ...table(), bits: 7, qmax: 63, method: 'kl' as const };
    expect(parseScalesJson(writeScalesJson(t), 'x')).toStrictEqual(t);
    const empty = { ...table(), layers: [], tensors: {}, settings: {} };
    expect(parseScalesJson(writeScalesJson(empty), 'x')).toStrictEqual(empty);
  });

  it('accepts cosine null and an uppercase sha', () => {
    const text = mutate((j) => {
      layer0(j)['cosine'] = null;
      (j['model'] as Record<string, unknown>)['sha256'] = SHA.toUpperCase();
    });
    const t = parseScalesJson(text, 'x');
    expect(t.layers[0]!.cosine).toBeUndefined();
    expect(t.modelSha256).toBe(SHA);
  });

  it('rejects malformed files with errors naming the file and the field', () => {
    expectError('{ not json', 'not valid JSON');
    expectError('[1,2]', 'top level');
    expectError(
      mutate((j) => (j['format'] = 'ncnn')),
      'format',
      'easyquant-scales',
    );
    expectError(
      mutate((j) => delete j['format']),
      'format',
      'missing',
    );
    expectError(
      mutate((j) => (j['version'] = 5)),
      'version',
      'newer',
    );
    expectError(
      mutate((j) => (j['version'] = 0)),
      'version',
      'unsupported',
    );
    expectError(
      mutate((j) => (j['version'] = '1')),
      'version',
      'integer',
    );
    expectError(
      mutate((j) => (j['model'] = 'm.onnx')),
      'model',
      'object',
    );
    expectError(
      mutate((j) => ((j['model'] as Record<string, unknown>)['sha256'] = 'abc')),
      'model.sha256',
      '64 hex',
    );
    expectError(
      mutate((j) => ((j['model'] as Record<string, unknown>)['file'] = '')),
      'model.file',
      'empty',
    );
    expectError(
      mutate((j) => (j['bits'] = 9)),
      'bits',
      '4 to 8',
    );
    expectError(
      mutate((j) => (j['bits'] = 3)),
      'bits',
      '4 to 8',
    );
    expectError(
      mutate((j) => (j['bits'] = 7.5)),
      'bits',
    );
    expectError(
      mutate((j) => (j['qmax'] = 255)),
      'qmax',
      '255',
      'bits 8',
      '127',
    );
    expectError(
      mutate((j) => (j['bits'] = 7)),
      'qmax',
      '127',
      'bits 7',
      '63',
    );
    expectError(
      mutate((j) => (j['method'] = 'magic')),
      'method',
      'eq, minmax, kl, percentile',
    );
    expectError(
      mutate((j) => (j['scale_convention'] = 'x = q * scale')),
      'scale_convention',
      SCALE_CONVENTION,
    );
    expectError(
      mutate((j) => (j['settings'] = [])),
      'settings',
      'object',
    );
    expectError(
      mutate((j) => (j['created_at'] = 'yesterday')),
      'created_at',
      'date',
    );
    expectError(
      mutate((j) => (j['layers'] = {})),
      'layers',
      'array',
    );
    expectError(
      mutate((j) => (j['layers'] = [1])),
      'layers[0]',
      'object',
    );
    expectError(
      mutate((j) => delete layer0(j)['name']),
      'layers[0].name',
      'string',
    );
    expectError(
      mutate((j) => (layer0(j)['op'] = 3)),
      "layers[0] ('conv1').op",
      'string',
    );
    expectError(
      mutate((j) => delete layer0(j)['weight']),
      "layers[0] ('conv1').weight",
    );
    expectError(
      mutate((j) => (layer0(j)['input_scale'] = 0)),
      "layers[0] ('conv1').input_scale",
      'positive',
    );
    expectError(
      mutate((j) => (layer0(j)['input_scale'] = -2)),
      'input_scale',
      'positive',
      '-2',
    );
    expectError(
      mutate((j) => (layer0(j)['input_scale'] = '1.5')),
      'input_scale',
      'number',
    );
    expectError(
      mutate((j) => (layer0(j)['weight_scales'] = [])),
      "layers[0] ('conv1').weight_scales",
      'empty',
    );
    expectError(
      mutate((j) => (layer0(j)['weight_scales'] = [1, 2, -3])),
      "layers[0] ('conv1').weight_scales[2]",
      'positive',
    );
    expectError(
      mutate((j) => (layer0(j)['weight_scales'] = [1, null])),
      'weight_scales[1]',
      'number',
    );
    expectError(
      mutate((j) => (layer0(j)['cosine'] = 1.5)),
      'cosine',
      '-1 to 1',
    );
    expectError(
      mutate((j) => (j['layers'] as unknown[]).push(layer0(j))),
      "layers[2] ('conv1').name",
      'duplicate',
    );
    expectError(
      mutate((j) => (j['tensors'] = [])),
      'tensors',
      'object',
    );
    expectError(
      mutate((j) => ((j['tensors'] as Record<string, unknown>)['data'] = 0)),
      "tensors['data']",
      'positive',
    );
    // non-finite numbers are not JSON; 1e999 parses to Infinity
    expectError(writeScalesJson(table()).replace('"input_scale": 0.7853981633974483', '"input_scale": 1e999'), "layers[0] ('conv1').input_scale", 'finite');
  });

  it('refuses to write a table it could not read back', () => {
    expect(() => writeScalesJson({ ...table(), qmax: 100 })).toThrow(/qmax: 100 does not match bits 8/);
    expect(() => writeScalesJson({ ...table(), tensors: { a: NaN } })).toThrow(/tensors\['a'\].*positive finite/);
    const t = table();
    t.layers[0]!.weightScales[1] = 0;
    expect(() => writeScalesJson(t)).toThrow(/conv1.*weight_scales\[1\]/);
  });

  it('bias correction: per-layer bias_delta round-trips bit-exact in a version 2 file', () => {
    const t = table();
    t.layers[0]!.biasDelta = [0.1 + 0.2, -1 / 3, 0, -0, 2 ** -40];
    const text = writeScalesJson(t);
    const j = JSON.parse(text);
    expect(j.version).toBe(2);
    expect(Object.keys(j.layers[0])).toEqual(['name', 'op', 'input', 'output', 'weight', 'input_scale', 'weight_scales', 'cosine', 'bias_delta']);
    expect(Object.keys(j.layers[1])).not.toContain('bias_delta');
    const back = parseScalesJson(text, 'scales.json');
    expect(back.layers[0]!.biasDelta).toEqual([0.1 + 0.2, -1 / 3, 0, 0, 2 ** -40]);
    expect(back.layers[1]!.biasDelta).toBeUndefined();
    expect(writeScalesJson(back)).toBe(text);
  });

  it('a table without bias_delta keeps the version 1 bytes; a version 1 file loads unchanged', () => {
    const text = writeScalesJson(table());
    expect(JSON.parse(text).version).toBe(1);
    expect(text).not.toContain('bias_delta');
    expect(parseScalesJson(text, 'old/scales.json')).toStrictEqual(table());
  });

  it('rejects a bad bias_delta, naming the layer', () => {
    const v2 = (f: (j: Record<string, unknown>) => void) =>
      mutate((j) => {
        j['version'] = 2;
        f(j);
      });
    expectError(
      mutate((j) => (layer0(j)['bias_delta'] = [0, 0, 0, 0, 0])),
      "layers[0] ('conv1').bias_delta",
      'needs version 2',
      'version 1',
    );
    expectError(
      v2((j) => (layer0(j)['bias_delta'] = [0, 0])),
      "layers[0] ('conv1').bias_delta",
      'one value per output channel (5), got 2',
    );
    expectError(
      v2((j) => (layer0(j)['bias_delta'] = 'x')),
      "layers[0] ('conv1').bias_delta",
      'array',
    );
    expectError(
      v2((j) => (layer0(j)['bias_delta'] = [0, 0, null, 0, 0])),
      "layers[0] ('conv1').bias_delta[2]",
      'finite number',
    );
    const t = table();
    t.layers[1]!.biasDelta = [NaN];
    expect(() => writeScalesJson(t)).toThrow(/bias_delta\[0\].*not a finite number/);
    t.layers[1]!.biasDelta = [1, 2];
    expect(() => writeScalesJson(t)).toThrow(/bias_delta: 2 values for 1 output channels/);
  });

  it('reads files and names unreadable ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-scales-'));
    try {
      const f = path.join(dir, 'scales.json');
      fs.writeFileSync(f, writeScalesJson(table()));
      expect(readScalesJson(f)).toStrictEqual(table());
      expect(() => readScalesJson(path.join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read file \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model identity', () => {
  it('sha256File hashes the bytes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-sha-'));
    try {
      const f = path.join(dir, 'model.onnx');
      fs.writeFileSync(f, 'abc');
      expect(sha256File(f)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(sha256File(f)).toBe(crypto.createHash('sha256').update('abc').digest('hex'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkModelMatches passes for the same sha and explains a mismatch', () => {
    const t = table();
    expect(() => checkModelMatches(t, SHA, 'other/place/model.onnx')).not.toThrow();
    expect(() => checkModelMatches(t, SHA.toUpperCase(), 'm.onnx')).not.toThrow();
    const other = 'cd'.repeat(32);
    let err: unknown;
    try {
      checkModelMatches(t, other, 'models/mobilenet/model.onnx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelMismatchError);
    expect((err as Error).message).toContain(
      `scales.json was written for model sha256 ${SHA.slice(0, 12)}.. (models/squeezenet1.1/model.onnx), but models/mobilenet/model.onnx has sha256 ${other.slice(0, 12)}..`,
    );
  });
});
