/** card.json parsing (the four shared cards and broken ones), cardToSpec, spec validation. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Card, CardError, cardToSpec, parseCard, readCard } from '../../src-main/io/data/card.js';
import {
  InputShapeError,
  type PreprocessSpec,
  PreprocessSpecError,
  checkSpecAgainstDims,
  cropOrigin,
  preprocessImage,
  resizedSize,
  validateSpec,
} from '../../src-main/io/data/preprocess.js';
import { IMAGENET_DIR, cardPath, describeShared, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-data-card-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describeShared('readCard on the shared cards', () => {
  it('squeezenet1.1: BGR, 227 crop, softmax 1000, reference', () => {
    const c = readCard(cardPath('squeezenet1.1'));
    expect(c.name).toBe('squeezenet1.1');
    expect(c.task).toBe('imagenet-classification');
    expect(c.modelFile).toBe(modelPath('squeezenet1.1'));
    expect(c.input).toEqual({ name: 'data', shape: [1, 3, 227, 227], layout: 'NCHW' });
    expect(c.output).toMatchObject({ kind: 'softmax', name: 'prob', classes: 1000, labelOffset: 0 });
    expect(c.preprocess).toMatchObject({
      kind: 'shorter-crop',
      resizeShorterSide: 227,
      centerCrop: { width: 227, height: 227 },
      resample: 'lanczos3',
      channelOrder: 'BGR',
      scale: 1,
      mean: [103.94, 116.78, 123.68],
      std: [1, 1, 1],
    });
    expect(c.reference).toEqual({ images: 1000, top1: 0.648, top5: 0.858, runtime: 'onnxruntime-node 1.30 CPU, sharp resize' });
    expect(c.ops?.Conv).toBe(26);

    // the card says resize_shorter_side 227 (= the crop, as its reference accuracy was measured)
    expect(cardToSpec(c)).toEqual({
      resize: { mode: 'shorter', size: 227 },
      centerCrop: { width: 227, height: 227 },
      cropOffset: 'ceil',
      resample: 'lanczos3',
      channelOrder: 'BGR',
      scale: 1,
      mean: [103.94, 116.78, 123.68],
      std: [1, 1, 1],
      layout: 'NCHW',
    });
    // a card means what it says: another resize_shorter_side is used as written
    const raw = JSON.parse(fs.readFileSync(cardPath('squeezenet1.1'), 'utf8')) as { preprocess: Record<string, unknown> };
    raw.preprocess.resize_shorter_side = 259;
    expect(cardToSpec(parseCard(raw, 'edited/card.json')).resize).toEqual({ mode: 'shorter', size: 259 });
  });

  it('mobilenet_v1_0.25: RGB [-1, 1], 1001 classes with label_offset 1', () => {
    const c = readCard(cardPath('mobilenet_v1_0.25'));
    expect(c.input).toEqual({ name: undefined, shape: [1, 3, 224, 224], layout: 'NCHW' });
    expect(c.output).toMatchObject({ kind: 'softmax', classes: 1001, labelOffset: 1 });
    expect(c.reference).toMatchObject({ images: 1000, top1: 0.564, top5: 0.812 });
    const s = cardToSpec(c);
    expect(s).toMatchObject({
      resize: { mode: 'shorter', size: 224 },
      centerCrop: { width: 224, height: 224 },
      channelOrder: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [127.5, 127.5, 127.5],
      layout: 'NCHW',
    });
  });

  it('mnist: raw 0..255 greyscale, logits', () => {
    const c = readCard(cardPath('mnist'));
    expect(c.input).toEqual({ name: 'Input3', shape: [1, 1, 28, 28], layout: 'NCHW' });
    expect(c.output).toEqual({ kind: 'logits', name: 'Plus214_Output_0', classes: 10, labelOffset: 0, note: undefined });
    expect(c.preprocess.kind).toBe('raw');
    expect(c.reference).toMatchObject({ images: 10000, top1: 0.9891 });
    expect(cardToSpec(c)).toEqual({ resize: { mode: 'none' }, channelOrder: 'GRAY', scale: 1, mean: [0], std: [1], layout: 'NCHW' });
  });

  it('ultraface: resize [320, 240] fit fill → stretch, detection output', () => {
    const c = readCard(cardPath('ultraface_rfb320'));
    expect(c.input.shape).toEqual([1, 3, 240, 320]);
    expect(c.output).toMatchObject({ kind: 'detection', scores: [1, 4420, 2], boxes: [1, 4420, 4] });
    expect(c.reference).toBeUndefined();
    expect(c.metric).toMatch(/IoU/);
    const s = cardToSpec(c);
    expect(s).toEqual({
      resize: { mode: 'stretch', width: 320, height: 240 },
      resample: 'lanczos3',
      channelOrder: 'RGB',
      scale: 1,
      mean: [127, 127, 127],
      std: [128, 128, 128],
      layout: 'NCHW',
    });
    expect(() => checkSpecAgainstDims(validateSpec(s), c.input.shape)).not.toThrow();
  });

  it('a card whose input shape mismatches the dims gives a clear error', async () => {
    const sq = readCard(cardPath('squeezenet1.1'));
    const spec = cardToSpec(sq);
    const img = path.join(IMAGENET_DIR, 'n01440764_tench.JPEG');
    await expect(preprocessImage(img, spec, [1, 3, 224, 224])).rejects.toThrow(/size mismatch: model input \[1,3,224,224\] \(NCHW\) expects 224x224 .* centerCrop gives 227x227/);
    await expect(preprocessImage(img, spec, [1, 1, 227, 227])).rejects.toThrow(/channel mismatch: .* has 1 channel\(s\) but channelOrder BGR gives 3/);
    await expect(preprocessImage(img, cardToSpec(readCard(cardPath('ultraface_rfb320'))), [1, 3, 320, 240])).rejects.toThrow(/expects 240x320 .* resize \(stretch\) gives 320x240/);
    await expect(preprocessImage(img, spec, [3, 227, 227])).rejects.toThrow(InputShapeError);
  });
});

describe('parseCard errors name the file and the field', () => {
  const base = (): Record<string, unknown> => ({
    name: 'm',
    task: 'imagenet-classification',
    file: 'model.onnx',
    input: { shape: [1, 3, 224, 224], layout: 'NCHW' },
    output: { kind: 'softmax', classes: 1000, label_offset: 0 },
    preprocess: {
      resize_shorter_side: 256,
      center_crop: [224, 224],
      channel_order: 'RGB',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
  });
  const write = (name: string, json: unknown): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, typeof json === 'string' ? json : JSON.stringify(json));
    return f;
  };

  it('accepts a minimal card and defaults resample/scale', () => {
    const c: Card = parseCard(base(), path.join(tmp, 'card.json'));
    expect(c.modelFile).toBe(path.join(tmp, 'model.onnx'));
    expect(c.preprocess).toMatchObject({ resample: 'lanczos3', scale: 1 });
  });

  /** Set a dotted field of a parsed card (undefined removes it when written as JSON). */
  const setField = (j: Record<string, unknown>, field: string, v: unknown) => {
    const keys = field.split('.');
    let o = j;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[keys[keys.length - 1]!] = v;
  };

  it.each([
    ['input.shape', [1, 3, 224], /input\.shape: expected 4 values/],
    ['input.shape', [1, 5, 224, 224], /input\.shape: expected 1, 3 or 4 channels/],
    ['output.kind', 'probs', /output\.kind: expected one of 'logits', 'softmax', 'detection'/],
    ['output.label_offset', -1, /output\.label_offset: expected an integer/],
    ['preprocess.mean', [1, 2], /preprocess\.mean: expected 3 values \(one per channel\), got 2/],
    ['preprocess.std', [1, 0, 1], /preprocess\.std\[1\]: is 0/],
    ['preprocess.channel_order', 'rgb', /preprocess\.channel_order: expected one of 'RGB', 'BGR', 'GRAY', 'RGBA', 'BGRA', got "rgb"/],
    ['preprocess.center_crop', [300, 300], /preprocess\.center_crop: \[300, 300\] is larger than resize_shorter_side 256/],
    ['preprocess.resample', 'bicubic', /preprocess\.resample: expected one of 'lanczos3'/],
    ['name', undefined, /: name: missing/],
    ['preprocess', undefined, /: preprocess: missing/],
  ] as const)('bad %s = %j', (field, value, re) => {
    const j = base();
    setField(j, field, value);
    const f = write('bad.json', j);
    expect(() => readCard(f)).toThrow(CardError);
    expect(() => readCard(f)).toThrow(re);
    expect(() => readCard(f)).toThrow(f);
  });

  it('missing file and invalid JSON', () => {
    const missing = path.join(tmp, 'nope.json');
    expect(() => readCard(missing)).toThrow(`${missing}: cannot read card (ENOENT)`);
    const f = write('broken.json', '{"name": ');
    expect(() => readCard(f)).toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });
});

describe('validateSpec', () => {
  const ok: PreprocessSpec = {
    resize: { mode: 'shorter', size: 256 },
    centerCrop: { width: 224, height: 224 },
    channelOrder: 'RGB',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    layout: 'NCHW',
  };

  it('fills defaults', () => {
    expect(validateSpec(ok)).toMatchObject({ resample: 'lanczos3', scale: 1, cropOffset: 'ceil', autoOrient: false });
  });

  it.each([
    ['not an object', null, /preprocess spec: must be an object/],
    ['resize.mode', { ...ok, resize: { mode: 'fit' } }, /resize\.mode must be one of 'shorter', 'stretch', 'none', got "fit"/],
    ['resize.size', { ...ok, resize: { mode: 'shorter', size: 0 } }, /resize\.size must be a positive integer, got 0/],
    ['stretch width', { ...ok, centerCrop: undefined, resize: { mode: 'stretch', width: 2.5, height: 3 } }, /resize\.width must be a positive integer, got 2\.5/],
    ['crop too large', { ...ok, centerCrop: { width: 300, height: 224 } }, /centerCrop 300x224 is larger than the resized shorter side 256/],
    ['resample', { ...ok, resample: 'bicubic' }, /resample must be one of 'lanczos3', 'cubic', 'linear', 'nearest', got "bicubic"/],
    ['channelOrder', { ...ok, channelOrder: 'RGBX' }, /channelOrder must be one of 'RGB', 'BGR', 'GRAY', 'RGBA', 'BGRA'/],
    ['mean length', { ...ok, mean: [0, 0] }, /mean must have 3 value\(s\) for channelOrder RGB, got 2/],
    ['GRAY std length', { ...ok, channelOrder: 'GRAY', mean: [0], std: [1, 1, 1] }, /std must have 1 value\(s\) for channelOrder GRAY, got 3/],
    ['std zero', { ...ok, std: [1, 0, 1] }, /std\[1\] is 0/],
    ['std NaN', { ...ok, std: [1, NaN, 1] }, /std must be an array of finite numbers/],
    ['scale', { ...ok, scale: 0 }, /scale must be a finite non-zero number, got 0/],
    ['layout', { ...ok, layout: 'CHW' }, /layout must be one of 'NCHW', 'NHWC', got "CHW"/],
  ])('%s', (_what, spec, re) => {
    expect(() => validateSpec(spec)).toThrow(PreprocessSpecError);
    expect(() => validateSpec(spec)).toThrow(re);
  });

  it('checkSpecAgainstDims understands NHWC', () => {
    const s = validateSpec({ ...ok, layout: 'NHWC' });
    expect(() => checkSpecAgainstDims(s, [1, 224, 224, 3])).not.toThrow();
    expect(() => checkSpecAgainstDims(s, [1, 3, 224, 224])).toThrow(/channel mismatch/);
  });

  it('geometry helpers: uniform scale with Math.round, sharp-style centre crop', () => {
    const s = validateSpec(ok);
    expect(resizedSize(s, 500, 375)).toEqual({ width: 341, height: 256 });
    expect(resizedSize(s, 375, 500)).toEqual({ width: 256, height: 341 });
    expect(cropOrigin(302, 227, 227, 227, 'ceil')).toEqual({ left: 38, top: 0 });
    expect(cropOrigin(302, 227, 227, 227, 'floor')).toEqual({ left: 37, top: 0 });
  });
});
