/** openDataset on image folders: detection, sorting, labels, corrupt images, errors, iteration. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { DatasetError, compareBytes, firstN, iterateSamples, openDataset, takeValid } from '../../src-main/io/data/dataset.js';
import { LabelsError, parseLabels, readLabels } from '../../src-main/io/data/labels.js';
import type { PreprocessSpec } from '../../src-main/io/data/preprocess.js';
import { IMAGENET_DIR, cardPath, describeShared } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-data-ds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SPEC: PreprocessSpec = {
  resize: { mode: 'shorter', size: 8 },
  centerCrop: { width: 8, height: 8 },
  channelOrder: 'RGB',
  mean: [0, 0, 0],
  std: [255, 255, 255],
  layout: 'NCHW',
};
const DIMS = [1, 3, 8, 8];

async function png(file: string, w: number, h: number, rgb: [number, number, number]): Promise<void> {
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
}

describe('image folders (generated)', () => {
  const dir = path.join(tmp, 'mixed');
  beforeAll(async () => {
    fs.mkdirSync(dir);
    await png(path.join(dir, 'a_good.png'), 12, 10, [255, 0, 0]);
    fs.writeFileSync(path.join(dir, 'b_corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('garbage, not a jpeg')]));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  });

  it('one valid PNG + one corrupt JPEG: 2 samples, the corrupt one is skipped with a warning', async () => {
    const warnings: string[] = [];
    const ds = await openDataset(dir, { spec: SPEC, inputDims: DIMS, onWarning: (m) => warnings.push(m) });
    expect(ds.kind).toBe('images');
    expect(ds.samples.map((s) => s.id)).toEqual(['a_good.png', 'b_corrupt.jpg']);
    expect(ds.samples[0]!.label).toBeUndefined();

    const good = await ds.load(0);
    expect(good?.length).toBe(3 * 64);
    expect([good![0], good![64], good![128]]).toEqual([1, 0, 0]);
    expect(await ds.load(1)).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^skipping ${path.join(dir, 'b_corrupt.jpg').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S`));

    warnings.length = 0;
    const got: number[] = [];
    for await (const { index, data } of iterateSamples(ds)) {
      got.push(index);
      expect(data.length).toBe(192);
    }
    expect(got).toEqual([0]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^skipping .*b_corrupt\.jpg: /);

    const calls: string[] = [];
    const tv = await takeValid(ds, 2, (m) => calls.push(m));
    expect(tv.indices).toEqual([0]);
    expect(tv.skipped.map((s) => s.id)).toEqual(['b_corrupt.jpg']);
    expect(calls[0]).toMatch(/^skipping .*b_corrupt\.jpg: /);
    expect(calls[1]).toMatch(/only 1 loadable sample\(s\), 2 requested/);
  });

  it('an empty folder gives the specific error', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'readme.md'), 'no images here');
    await expect(openDataset(empty, { spec: SPEC, inputDims: DIMS })).rejects.toThrow(`no images (.jpg, .jpeg, .png, .webp) or MNIST idx files found in ${empty}`);
  });

  it('missing folder, a file instead of a folder, missing spec, mismatched dims', async () => {
    const missing = path.join(tmp, 'does-not-exist');
    await expect(openDataset(missing, { spec: SPEC, inputDims: DIMS })).rejects.toThrow(`dataset folder not found: ${missing}`);
    const file = path.join(dir, 'notes.txt');
    await expect(openDataset(file, { spec: SPEC, inputDims: DIMS })).rejects.toThrow(`dataset path is not a folder: ${file}`);
    await expect(openDataset(dir, { inputDims: DIMS })).rejects.toThrow(`${dir} is an image folder: a preprocessing spec is required`);
    await expect(openDataset(dir, { spec: SPEC, inputDims: [1, 3, 16, 16] })).rejects.toThrow(DatasetError);
    await expect(openDataset(dir, { spec: SPEC, inputDims: [1, 3, 16, 16] })).rejects.toThrow(/size mismatch: model input \[1,3,16,16\]/);
    await expect(openDataset(dir, { spec: { ...SPEC, mean: [0] }, inputDims: DIMS })).rejects.toThrow(/mean must have 3 value\(s\)/);
  });

  it('sorts byte-wise, matches extensions case-insensitively, reads labels.tsv and warns about missing entries', async () => {
    const d = path.join(tmp, 'sorted');
    fs.mkdirSync(d);
    const names = ['b.PNG', 'B.jpeg', 'a.webp', 'Z.JPG', 'é.png', '_.png'];
    for (const n of names) {
      const img = sharp({ create: { width: 9, height: 9, channels: 3, background: '#808080' } });
      const ext = path.extname(n).toLowerCase();
      await (ext === '.webp' ? img.webp() : ext === '.png' ? img.png() : img.jpeg()).toFile(path.join(d, n));
    }
    fs.writeFileSync(path.join(d, 'labels.tsv'), 'b.PNG\t3\tn1\nZ.JPG\t7\n');
    // the folder's labels.tsv is read only when asked for (a classification card)
    const unlabelled = await openDataset(d, { spec: SPEC, inputDims: DIMS, onWarning: () => {} });
    expect(unlabelled.labelsFile).toBeUndefined();
    expect(unlabelled.labelsSource).toBeUndefined();
    expect(unlabelled.samples.every((s) => s.label === undefined)).toBe(true);
    const warnings: string[] = [];
    const ds = await openDataset(d, { spec: SPEC, inputDims: DIMS, folderLabels: true, onWarning: (m) => warnings.push(m) });
    expect(ds.samples.map((s) => s.id)).toEqual(['B.jpeg', 'Z.JPG', '_.png', 'a.webp', 'b.PNG', 'é.png']);
    expect(ds.labelsFile).toBe(path.join(d, 'labels.tsv'));
    expect(ds.labelsSource).toBe('data-folder');
    expect(ds.samples.find((s) => s.id === 'b.PNG')!.label).toBe(3);
    expect(ds.samples.find((s) => s.id === 'Z.JPG')!.label).toBe(7);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/labels\.tsv: no label for 4 of 6 image\(s\), their label is undefined: B\.jpeg, _\.png, a\.webp, é\.png/);
    for (let i = 0; i < ds.samples.length; i++) expect((await ds.load(i))?.length).toBe(192);

    // an explicit labelsFile wins; limit keeps the first N in sorted order
    const other = path.join(tmp, 'other-labels.tsv');
    fs.writeFileSync(other, ['B.jpeg\t1', 'Z.JPG\t2'].join('\n'));
    const ds2 = await openDataset(d, { spec: SPEC, inputDims: DIMS, labelsFile: other, folderLabels: true, limit: 2, onWarning: () => {} });
    expect(ds2.labelsSource).toBe('given');
    expect(ds2.samples).toEqual([
      { id: 'B.jpeg', label: 1 },
      { id: 'Z.JPG', label: 2 },
    ]);
    expect(compareBytes('Z', 'a')).toBeLessThan(0);
    expect(compareBytes('z', 'é')).toBeLessThan(0);
  });
});

describe('labels.tsv', () => {
  it('parses file / class / synset, skipping blank lines and CRLF', () => {
    const l = parseLabels('a.jpg\t0\tn01\r\n\r\nb.jpg\t12\n', 'L');
    expect(l.rows).toEqual([
      { file: 'a.jpg', classIndex: 0, synset: 'n01', line: 1 },
      { file: 'b.jpg', classIndex: 12, synset: undefined, line: 3 },
    ]);
    expect(l.byFile.get('b.jpg')).toBe(12);
  });

  it('errors give the file and line number', () => {
    expect(() => parseLabels('a.jpg\t0\nb.jpg 1\n', 'L.tsv')).toThrow(/^L\.tsv:2: expected '<file>\\t<class index>/);
    expect(() => parseLabels('a.jpg\t0\nb.jpg\tx\n', 'L.tsv')).toThrow('L.tsv:2: class index must be a non-negative integer, got "x"');
    expect(() => parseLabels('a.jpg\t-1\n', 'L.tsv')).toThrow('L.tsv:1: class index must be a non-negative integer, got "-1"');
    expect(() => parseLabels('a.jpg\t0\n\na.jpg\t1\n', 'L.tsv')).toThrow('L.tsv:3: duplicate entry for "a.jpg" (first on line 1)');
    expect(() => parseLabels('\n\n', 'L.tsv')).toThrow(LabelsError);
    const missing = path.join(tmp, 'none.tsv');
    expect(() => readLabels(missing)).toThrow(`${missing}: cannot read labels file (ENOENT)`);
  });
});

describeShared('ImageNet sample folder', () => {
  it('1000 images in sorted order with labels 0..999, calibration = first 50', async () => {
    const card = readCard(cardPath('mobilenet_v1_0.25'));
    const warnings: string[] = [];
    const ds = await openDataset(IMAGENET_DIR, { spec: cardToSpec(card), inputDims: card.input.shape, folderLabels: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(ds.samples.length).toBe(1000);
    expect(ds.samples[0]).toEqual({ id: 'n01440764_tench.JPEG', label: 0 });
    expect(ds.samples[999]!.label).toBe(999);
    const ids = ds.samples.map((s) => s.id);
    expect([...ids].sort(compareBytes)).toEqual(ids);
    expect(new Set(ds.samples.map((s) => s.label)).size).toBe(1000);

    const calib = firstN(ds, 50);
    expect(calib.samples).toEqual(ds.samples.slice(0, 50));
    await expect(calib.load(50)).rejects.toThrow(RangeError);
    const { indices } = await takeValid(calib, 50);
    expect(indices).toEqual(Array.from({ length: 50 }, (_, i) => i));

    // iterateSamples with a window: in order, same data as load()
    const seen: number[] = [];
    for await (const { index, data } of iterateSamples(ds, { start: 10, end: 16 })) {
      seen.push(index);
      if (index === 12) expect(data).toEqual(await ds.load(12));
    }
    expect(seen).toEqual([10, 11, 12, 13, 14, 15]);
  });
});
