/**
 * Model file checks before any read: FIFOs, devices and directories are refused at once,
 * files over the size cap too, and a broken TensorFlow Lite flatbuffer is named as such.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { readModelProto } from '../../src-main/io/model-file.js';
import { MAX_MODEL_BYTES } from '../../src-main/io/model-file.js';
import { runCli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-mfile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The first bytes of a TFLite flatbuffer: root offset, then the file identifier "TFL3". */
function tfliteBytes(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x1c, 0, 0, 0], 0);
  b.set(new TextEncoder().encode('TFL3'), 4);
  return b;
}

describe('model file checks', () => {
  it('refuses a FIFO at once instead of blocking on it', () => {
    const fifo = path.join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadModel(fifo)).toThrow(`${fifo}: is a named pipe (FIFO), not a model file`);
    expect(() => readModelProto(fifo)).toThrow(/named pipe/);
  });

  it('refuses a character device (/dev/zero) and a directory', () => {
    expect(() => loadModel('/dev/zero')).toThrow('/dev/zero: is a character device, not a model file');
    expect(() => loadModel(dir)).toThrow(`${dir}: is a directory, not a model file`);
  });

  it('refuses a file over the size cap without reading it', () => {
    const big = path.join(dir, 'big.onnx');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, MAX_MODEL_BYTES + 1); // sparse: no disk space used
    expect(() => loadModel(big)).toThrow(`${big}: the file is 2.00 GiB, more than the 2 GiB a model file may have`);
  });

  it('reads a TensorFlow Lite file as one, and names a broken one', () => {
    const msg = 'not a valid TFLite model (no subgraph)';
    expect(() => loadModelBytes(tfliteBytes(), 'm.tflite')).toThrow(`m.tflite: ${msg}`);
    const f = path.join(dir, 'model.tflite');
    fs.writeFileSync(f, tfliteBytes());
    expect(() => loadModel(f)).toThrow(`${f}: ${msg}`);
    expect(() => readModelProto(f)).toThrow(`${f}: ${msg}`);
  });

  it('a missing file still says so', () => {
    expect(() => loadModel(path.join(dir, 'nope.onnx'))).toThrow(/nope\.onnx: cannot read model file \(ENOENT\)/);
  });

  it('CLI inspect on a FIFO ends at once with one error line', () => {
    const fifo = path.join(dir, 'cli-pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    const r = runCli(['inspect', '--model', fifo], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^easyquant: error: .*cli-pipe\.onnx: is a named pipe \(FIFO\), not a model file$/);
  });
});
