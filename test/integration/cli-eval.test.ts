/**
 * `easyquant eval`: the ort-qdq engine (no per-layer taps) works and reports per-layer cosine
 * as n/a; labels.tsv in the data folder is used only for a classification card.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-eval-'));

function json(r: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describeShared('CLI eval: engines without per-layer taps', () => {
  const mnist = ['--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR];
  const scales = path.join(tmp, 'mnist', 'scales.json');

  beforeAll(() => {
    const r = runCli(['calibrate', ...mnist, '--method', 'minmax', '--calib', '10', '--out', path.join(tmp, 'mnist'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('ort-qdq on MNIST: accuracy and agreement, per-layer cosine marked n/a (JSON)', () => {
    const r = json(runCli(['eval', ...mnist, '--scales', scales, '--engine', 'ort-qdq', '--limit', '20', '--quiet', '--json']));
    expect(r['images']).toBe(20);
    expect(r['top1'] as number).toBeGreaterThan(0.9);
    expect(r['agreement'] as number).toBeGreaterThan(0.9);
    expect(r['mean_cosine']).toBeNull();
    expect(r['layer_cosine']).toEqual({});
    expect(r['layer_cosine_note']).toBe('n/a: engine ort-qdq has no per-layer taps');
    expect(r['labels']).toMatchObject({ source: 'mnist' });
  });

  it('ort-qdq on MNIST: the table says n/a; int-ref still lists per-layer cosines', () => {
    const q = runCli(['eval', ...mnist, '--scales', scales, '--engine', 'ort-qdq', '--limit', '5', '--quiet']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/layer cosine n\/a: engine ort-qdq has no per-layer taps/);
    expect(q.stdout).not.toMatch(/^layer\s+cosine/m);
    const i = runCli(['eval', ...mnist, '--scales', scales, '--engine', 'int-ref', '--limit', '5', '--quiet', '--json']);
    const ri = json(i);
    expect(Object.keys(ri['layer_cosine'] as object).length).toBeGreaterThan(0);
    expect(ri['layer_cosine_note']).toBeNull();
  });
});

describeShared('CLI eval: which labels are used', () => {
  it('a detection card never picks up labels.tsv from the data folder', () => {
    const args = ['eval', '--model', modelPath('ultraface_rfb320'), '--card', cardPath('ultraface_rfb320'), '--data', IMAGENET_DIR, '--limit', '2', '--quiet'];
    const r = json(runCli([...args, '--json']));
    expect(r['labels']).toBeNull();
    expect(r['top1']).toBeNull();
    expect(r['top5']).toBeNull();
    expect(r['labels_note']).toMatch(/^no labels given: .*labels\.tsv is used only for a classification card/);
    const t = runCli(args);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout.match(/no labels given/g)).toHaveLength(1);
    expect(t.stdout).not.toMatch(/top-1 [\d-]/);
  });

  it('a classification card uses the folder labels.tsv and says so; --labels always wins', () => {
    const sq = ['eval', '--model', modelPath('squeezenet1.1'), '--card', cardPath('squeezenet1.1'), '--data', IMAGENET_DIR, '--limit', '3', '--quiet'];
    const r = json(runCli([...sq, '--json']));
    expect(r['labels']).toEqual({ file: path.join(IMAGENET_DIR, 'labels.tsv'), source: 'data-folder' });
    expect(r['top1']).not.toBeNull();
    expect(r['labels_note']).toBeNull();
    const t = runCli(sq);
    expect(t.stdout).toMatch(/labels: .*labels\.tsv \(labels\.tsv in the data folder; the card declares a classifier\)/);

    // explicit labels with a detection card: used (every image labelled 0 here)
    const mine = path.join(tmp, 'mine.tsv');
    const names = fs
      .readdirSync(IMAGENET_DIR)
      .filter((f) => f.endsWith('.JPEG'))
      .sort()
      .slice(0, 2);
    fs.writeFileSync(mine, names.map((n) => `${n}\t0\n`).join(''));
    const d = json(
      runCli([
        'eval',
        '--model',
        modelPath('ultraface_rfb320'),
        '--card',
        cardPath('ultraface_rfb320'),
        '--data',
        IMAGENET_DIR,
        '--labels',
        mine,
        '--limit',
        '2',
        '--quiet',
        '--json',
      ]),
    );
    expect(d['labels']).toEqual({ file: mine, source: 'given' });
    expect(d['top1']).not.toBeNull();
  });
});
