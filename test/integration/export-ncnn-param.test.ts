import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNcnnTable } from '../../src-main/core/export/ncnn-table.js';
import { matchNcnnLayers, ncnnQuantizableLayers, parseNcnnParam, type WeightGeometry, writeNcnnTableForParam } from '../../src-main/core/export/ncnn-param.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath, SHARED_DIR } from '../helpers/shared.js';

const PARAM = `7767517
5 6
Input            data   0 1 data 0=8 1=8 2=3
Convolution      c1     1 1 data a 0=4 1=3 3=1 4=1 5=1 6=108 9=1
ConvolutionDepthWise dw 1 1 a b 0=4 1=3 11=3 3=2 4=1 5=1 6=36 7=4
Pooling          gap    1 1 b c 0=1 4=1
InnerProduct     fc     1 1 c prob 0=10 1=1 2=40
`;

const g = (o: Partial<WeightGeometry> & Pick<WeightGeometry, 'name' | 'numOutput' | 'weightDataSize'>): WeightGeometry => ({
  kind: 'conv',
  kernel: [3, 3],
  stride: [1, 1],
  dilation: [1, 1],
  group: 1,
  ...o,
});

describe('ncnn .param', () => {
  it('parses layers, blobs and parameters; finds the quantizable layers with their geometry', () => {
    const layers = parseNcnnParam(PARAM, 'm.param');
    expect(layers.map((l) => l.name)).toEqual(['data', 'c1', 'dw', 'gap', 'fc']);
    expect(layers[1]).toMatchObject({ type: 'Convolution', bottoms: ['data'], tops: ['a'], line: 4 });
    expect(ncnnQuantizableLayers(layers)).toEqual([
      { name: 'c1', kind: 'conv', numOutput: 4, weightDataSize: 108, kernel: [3, 3], stride: [1, 1], dilation: [1, 1], group: 1 },
      { name: 'dw', kind: 'conv', numOutput: 4, weightDataSize: 36, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], group: 4 },
      { name: 'fc', kind: 'fc', numOutput: 10, weightDataSize: 40, kernel: [1, 1], stride: [1, 1], dilation: [1, 1], group: 1 },
    ]);
  });

  it('refuses a file that is not a text .param, naming the file and line', () => {
    expect(() => parseNcnnParam('hello\n', 'x.param')).toThrow(/x\.param: not an ncnn \.param file/);
    expect(() => parseNcnnParam('7767517\n2 2\nInput data 0 1 data\n', 'x.param')).toThrow(/x\.param: the header announces 2 layers but the file ends after 1/);
    expect(() => parseNcnnParam('7767517\n1 1\nConvolution c 1 1 a b 0=4 oops\n', 'x.param')).toThrow(/x\.param:3: layer 'c': parameter "oops"/);
  });

  it('pairs layers by weight geometry in order; identical layers go by order; leftovers are reported', () => {
    const theirs = [
      g({ name: 'A', numOutput: 8, weightDataSize: 72 }),
      g({ name: 'B', numOutput: 8, weightDataSize: 72 }),
      g({ name: 'C', numOutput: 3, weightDataSize: 24, kernel: [1, 1] }),
    ];
    const ours = [g({ name: 'x', numOutput: 8, weightDataSize: 72 }), g({ name: 'y', numOutput: 8, weightDataSize: 72 }), g({ name: 'z', numOutput: 5, weightDataSize: 5 })];
    const m = matchNcnnLayers(ours, theirs);
    expect([...m.names]).toEqual([
      ['x', 'A'],
      ['y', 'B'],
    ]);
    expect(m.unmatchedOurs.map((o) => o.name)).toEqual(['z']);
    expect(m.unmatchedTheirs.map((t) => t.name)).toEqual(['C']);
    // a 1x1 conv of ours may be ncnn's InnerProduct (ncnnoptimize turns one after global pooling into it)
    const fc = matchNcnnLayers(
      [g({ name: 'conv10', numOutput: 3, weightDataSize: 24, kernel: [1, 1] })],
      [{ ...g({ name: 'fc', numOutput: 3, weightDataSize: 24 }), kind: 'fc', kernel: [1, 1] }],
    );
    expect(fc.names.get('conv10')).toBe('fc');
    // a different stride is another layer
    expect(matchNcnnLayers([g({ name: 's2', numOutput: 8, weightDataSize: 72, stride: [2, 2] })], theirs).names.size).toBe(0);
  });
});

describeShared('ncnn table for the real SqueezeNet ncnn model (../shared)', () => {
  const paramFile = path.join(SHARED_DIR, 'models', 'squeezenet1.1', 'ncnn.param');

  function squeezenetTable(): { table: ScaleTable; graph: ReturnType<typeof loadModel>['graph'] } {
    const { graph } = loadModel(modelPath('squeezenet1.1'));
    const plan = planQuantization(graph);
    const layers = plan.layers.map((l, i) => ({
      name: l.name,
      op: l.op,
      input: l.input,
      output: l.output,
      weight: l.weight,
      weightScales: Array.from({ length: l.geom.cout }, (_, c) => 100 + i + c / 1000),
      inputScale: 10 + i,
    }));
    return { graph, table: { bits: 8, qmax: 127, method: 'eq', modelSha256: '0'.repeat(64), modelFile: 'model.onnx', layers, tensors: {}, settings: {}, createdAt: '' } };
  }

  it('names every one of the 26 layers as the ncnn model does (conv1, fire2/squeeze1x1, …, conv10)', () => {
    const { graph, table } = squeezenetTable();
    const r = writeNcnnTableForParam(graph, table, fs.readFileSync(paramFile, 'utf8'), paramFile);
    expect(r.warnings).toEqual([]);
    expect(r.matched).toBe(26);
    const parsed = parseNcnnTable(r.text);
    const theirNames = ncnnQuantizableLayers(parseNcnnParam(fs.readFileSync(paramFile, 'utf8'))).map((t) => t.name);
    expect([...parsed.weights.keys()]).toEqual(theirNames);
    expect([...parsed.inputs.keys()]).toEqual(theirNames);
    expect(theirNames.slice(0, 4)).toEqual(['conv1', 'fire2/squeeze1x1', 'fire2/expand1x1', 'fire2/expand3x3']);
    // same numbers, now under the ncnn names (layer order of the ONNX graph = the param's here)
    table.layers.forEach((l, i) => {
      expect(parsed.weights.get(theirNames[i]!)).toStrictEqual(l.weightScales);
      expect(parsed.inputs.get(theirNames[i]!)).toBe(l.inputScale);
    });
  });

  it("ncnn's 6-bit option rescales exactly the 3x3 stride-1 layers to 31/T", () => {
    const { graph, table } = squeezenetTable();
    const text = fs.readFileSync(paramFile, 'utf8');
    const r = writeNcnnTableForParam(graph, table, text, paramFile, { sixBit: true });
    const parsed = parseNcnnTable(r.text);
    const theirs = ncnnQuantizableLayers(parseNcnnParam(text));
    let rescaled = 0;
    table.layers.forEach((l, i) => {
      const t = theirs[i]!;
      const sixBit = t.kernel[0] === 3 && t.stride[0] === 1 && t.group === 1;
      if (sixBit) rescaled++;
      expect(parsed.weights.get(t.name)).toStrictEqual(l.weightScales.map((s) => (sixBit ? s * (31 / 127) : s)));
    });
    expect(rescaled).toBe(8); // fire2..fire9 expand3x3; conv1 is stride 2
  });

  it('warns for each layer left unmatched and refuses a param of another network', () => {
    const { graph, table } = squeezenetTable();
    const text = fs.readFileSync(paramFile, 'utf8').replace(/^(Convolution\s+conv10\s.*)0=1000/m, '$10=999');
    const r = writeNcnnTableForParam(graph, table, text, paramFile);
    expect(r.matched).toBe(25);
    expect(r.warnings.join('\n')).toMatch(/layer Conv_\d+ \(1x1 conv.*1000 outputs.*has no layer of the same weight geometry/);
    expect(r.warnings.join('\n')).toMatch(/layer conv10 .*999 outputs.*ncnn2int8 will keep it FP32/);
    expect(parseNcnnTable(r.text).weights.has('conv10')).toBe(false);
    expect(() => writeNcnnTableForParam(graph, table, PARAM, 'other.param')).toThrow(/other\.param: none of the model's 26 quantized layers/);
  });
});

describeShared('easyquant export --ncnn-param (CLI)', () => {
  it("writes the table under the ncnn model's names; refuses --ncnn-6bit without a param", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-ncnn-'));
    try {
      const M = ['--model', modelPath('squeezenet1.1')];
      const cal = runCli(['calibrate', ...M, '--card', cardPath('squeezenet1.1'), '--data', IMAGENET_DIR, '--method', 'minmax', '--calib', '2', '--out', path.join(dir, 'cal')]);
      expect(cal.code, cal.stderr).toBe(0);
      const param = path.join(SHARED_DIR, 'models', 'squeezenet1.1', 'ncnn.param');
      const ex = runCli(['export', ...M, '--scales', path.join(dir, 'cal', 'scales.json'), '--format', 'ncnn', '--ncnn-param', param, '--out', path.join(dir, 'ncnn')]);
      expect(ex.code, ex.stderr).toBe(0);
      const t = parseNcnnTable(fs.readFileSync(path.join(dir, 'ncnn', 'ncnn.table'), 'utf8'));
      expect(t.weights.size).toBe(26);
      expect(t.weights.has('fire9/expand3x3')).toBe(true);
      expect(t.weights.has('Conv_0')).toBe(false);
      const bad = runCli(['export', ...M, '--scales', path.join(dir, 'cal', 'scales.json'), '--format', 'ncnn', '--ncnn-6bit', '--out', path.join(dir, 'bad')]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/easyquant: error: --ncnn-6bit needs --ncnn-param/);
      expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
