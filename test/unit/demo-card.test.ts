/**
 * The card the demo writes for "Open demo project": it parses with the project's card reader,
 * its preprocessing reproduces the detector input the demo computes itself (BGR, /255,
 * ImageNet mean/std), and its model file, input name and shape load the dynamic-shaped detector.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { preprocessImage } from '../../src-main/io/data/preprocess.js';
import { DEMO_CARD_FILE, demoCard } from '../../src-main/demo/demo-card.js';
import { detectorInput, findDetectorModel } from '../../src-main/demo/ppocr-det.js';
import { imageToPng, renderTextSet } from '../../src-main/demo/render-text.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { decodeModelProto, modelToGraph } from '../../src-main/core/onnx/import.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-demo-card-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const W = 192;
const H = 96;

const modelFile = findDetectorModel();
const g = modelToGraph(decodeModelProto(fs.readFileSync(modelFile), modelFile), modelFile);
const inputName = g.inputs[0]!.name;
const outputName = g.outputs[0]!.name;

function writeCard(): string {
  const f = path.join(tmp, DEMO_CARD_FILE);
  fs.writeFileSync(f, JSON.stringify(demoCard({ modelFile, inputName, outputName, width: W, height: H })));
  return f;
}

describe('demo card.json', () => {
  it('parses with readCard and cardToSpec', () => {
    const card = readCard(writeCard());
    expect(card.task).toBe('text-detection');
    expect(card.modelFile).toBe(modelFile);
    expect(card.input).toEqual({ name: inputName, shape: [1, 3, H, W], layout: 'NCHW' });
    expect(card.output).toMatchObject({ kind: 'logits', name: outputName, classes: 1, labelOffset: 0 });
    const spec = cardToSpec(card);
    expect(spec).toMatchObject({ resize: { mode: 'stretch', width: W, height: H }, channelOrder: 'BGR', layout: 'NCHW' });
    expect(spec.scale).toBeCloseTo(1 / 255, 12);
  });

  it("its preprocessing gives the demo's own detector input for a rendered image", async () => {
    const spec = cardToSpec(readCard(writeCard()));
    for (const img of await renderTextSet(5, 2, W, H)) {
      const want = detectorInput(img);
      const got = await preprocessImage(await imageToPng(img), spec, [1, 3, H, W]);
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('its model file, input name and shape load the dynamic-shaped detector', () => {
    const card = readCard(writeCard());
    expect(g.inputs[0]!.dims.some((d) => d <= 0)).toBe(true);
    const m = loadModel(card.modelFile, { inputShapes: { [card.input.name!]: card.input.shape } });
    expect(m.graph.inputs[0]!.dims).toEqual([1, 3, H, W]);
    expect(m.graph.outputs.map((o) => o.name)).toContain(card.output.name);
  });
});
