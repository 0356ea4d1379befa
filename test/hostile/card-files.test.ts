/**
 * Card paths that point at the wrong thing: a binary model, a text file with secrets, a JSON
 * file that is no card, a huge file. The error names the file and what was expected and never
 * echoes the file's content. A card.json saved with a UTF-8 BOM (Windows editors) is accepted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CardError, readCard } from '../../src-main/io/data/card.js';
import { HAVE_SHARED, modelPath, PROJECT_ROOT } from '../helpers/shared.js';
import { BIN } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-card-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SECRET = 'hunter2-SECRET-7f3a';
const CARD = {
  name: 'tiny',
  task: 'mnist-classification',
  file: 'model.onnx',
  input: { name: 'x', shape: [1, 1, 28, 28], layout: 'NCHW' },
  output: { kind: 'logits', classes: 10 },
  preprocess: { note: 'raw pixels' },
};

function write(name: string, content: string | Buffer): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
}

function errorOf(file: string): CardError {
  try {
    readCard(file);
  } catch (e) {
    expect(e).toBeInstanceOf(CardError);
    return e as CardError;
  }
  throw new Error(`readCard(${file}) did not fail`);
}

describe('a card path pointing at a non-card file', () => {
  it('a binary model file: names the file and what was expected, no bytes of it', () => {
    // ONNX/protobuf-like bytes with readable strings inside
    const f = write('model.onnx', Buffer.concat([Buffer.from([0x08, 0x07, 0x12, 0x04]), Buffer.from(`pytorch ${SECRET}`), Buffer.alloc(64, 0x00)]));
    const e = errorOf(f);
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/expected a model card \(card\.json/);
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain('pytorch');
    expect(e.message).not.toMatch(/\\u00(00|12)/);
    expect(e.message.includes(String.fromCharCode(0))).toBe(false);
  });

  it('a text file: not valid JSON, without quoting it', () => {
    const f = write('notes.txt', `user=admin\npassword=${SECRET}\n`);
    const e = errorOf(f);
    expect(e.message.startsWith(`${f}: not valid JSON`)).toBe(true);
    expect(e.message).toMatch(/expected a model card/);
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain('admin');
  });

  it('broken JSON: the line and column where it breaks, not the text around it', () => {
    const f = write('broken.json', `{"name": "tiny",\n "task" ${SECRET.length}}`);
    const e = errorOf(f);
    expect(e.message).toContain(`${f}: not valid JSON (at line 2, column 9)`);
    expect(e.message).not.toContain('"task"');
    expect(errorOf(write('cut.json', `{"name": `)).message).toMatch(/not valid JSON \(it ends early\)/);
  });

  it('JSON that is not a card: the field is named, a long value is not dumped', () => {
    const f = write('package.json', JSON.stringify({ name: { description: `${SECRET} `.repeat(50) }, version: '1.0.0' }));
    const e = errorOf(f);
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/name: expected a non-empty string/);
    expect(e.message.length).toBeLessThan(f.length + 200);
    expect(e.message.split(SECRET).length - 1).toBeLessThanOrEqual(1);
  });

  it('a huge file is refused by its size, without reading it', () => {
    const f = path.join(tmp, 'weights.bin');
    fs.writeFileSync(f, '');
    fs.truncateSync(f, 200 * 1024 * 1024); // sparse: 200 MiB
    const e = errorOf(f);
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/200\.0 MiB.*model card .*small JSON file/);
  });

  it('a folder instead of a file says so', () => {
    const e = errorOf(tmp);
    expect(e.message).toContain(tmp);
    expect(e.message).toMatch(/is a folder/);
  });

  it.skipIf(!HAVE_SHARED)('through the CLI: one error line naming the file, no content, exit code 1', () => {
    const f = write('blob.bin', Buffer.from(`\u0000\u0001${SECRET}\u0002`));
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--model', modelPath('mnist'), '--card', f], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(f);
    expect(r.stderr).not.toContain('hunter2'); // JSON.parse's own message quotes the first bytes
  });
});

describe('a card.json with a UTF-8 byte order mark', () => {
  it('is accepted and reads the same as without', () => {
    const plain = readCard(write('card.json', JSON.stringify(CARD)));
    const bom = readCard(write('card-bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(CARD, null, 2))])));
    expect({ ...bom, cardFile: '' }).toEqual({ ...plain, cardFile: '' });
    expect(bom.input.shape).toEqual([1, 1, 28, 28]);
  });
});
