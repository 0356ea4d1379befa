/**
 * Bad input in the GUI: a non-ONNX file, an unsupported model, an empty folder and an
 * unreachable device each show a specific, human-readable message in the page, and the
 * project stays usable afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let tmp: string;
if (!HAVE_CHROMIUM) console.warn(`[skip] bad-input e2e: no Chromium at ${CHROMIUM}`);

describeShared('bad input in the GUI', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    tmp = fs.mkdtempSync(path.join(c.dataDir, 'inputs-'));
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('a non-ONNX file says so', async () => {
    const { page } = c;
    const f = path.join(tmp, 'photo.onnx');
    fs.writeFileSync(f, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46])); // a JPEG header
    await page.fill('[data-testid=new-model]', f);
    await page.click('[data-testid=create-project]');
    await expect
      .poll(() => page.textContent('[data-testid=create-error]').catch(() => null))
      .toBe('Error: photo.onnx is not an ONNX model (the file could not be decoded as ONNX protobuf)');
    await screenshot(page, 'bad-01-not-onnx');
  });

  it.skipIf(!HAVE_CHROMIUM)('an unsupported model names the unsupported op', async () => {
    const { page } = c;
    const r = rng(1);
    const f = path.join(tmp, 'lstm.onnx');
    fs.writeFileSync(
      f,
      buildModel({
        // an op neither EasyQuant nor onnxruntime knows (ops only onnxruntime knows run in FP32 through it)
        nodes: [{ op: 'FrobnicateLSTM', inputs: ['x', 'W'], outputs: ['y'] }],
        inputs: [{ name: 'x', dims: [1, 1, 4] }],
        outputs: [{ name: 'y' }],
        initializers: { W: randomTensor([1, 8, 4], r) },
      }),
    );
    await page.fill('[data-testid=new-model]', f);
    await page.click('[data-testid=create-project]');
    await expect
      .poll(() => page.textContent('[data-testid=create-error]').catch(() => null))
      .toMatch(/^Error: lstm\.onnx uses something EasyQuant Studio does not support: node 'FrobnicateLSTM_0': op FrobnicateLSTM \(opset 13\) is not supported/);
    expect(c.app.service.listProjects()).toEqual([]); // nothing half-created
  });

  it.skipIf(!HAVE_CHROMIUM)('an empty data folder says so, and the project keeps its good data', async () => {
    const { page } = c;
    await page.fill('[data-testid=new-model]', modelPath('mnist'));
    await page.click('[data-testid=create-project]');
    await page.waitForSelector('[data-testid=layer-table]');
    await page.click('[data-testid=nav-data]');
    const empty = path.join(tmp, 'empty-folder');
    fs.mkdirSync(empty);
    await page.fill('[data-testid=data-dir]', empty);
    await page.click('[data-testid=save-data]');
    await expect
      .poll(() => page.textContent('[data-testid=data-error]').catch(() => null), { timeout: 120_000 })
      .toBe(`Error: no images (.jpg, .jpeg, .png, .webp) or MNIST idx files found in ${empty}`);
    await screenshot(page, 'bad-02-empty-folder');
    // still usable: point it at the real data
    await page.fill('[data-testid=data-dir]', MNIST_DIR);
    await page.click('[data-testid=save-data]');
    await expect.poll(() => page.textContent('[data-testid=dataset-samples]').catch(() => null), { timeout: 120_000 }).toBe('10000');
    expect(await page.locator('[data-testid=data-error]').count()).toBe(0);
  });

  it.skipIf(!HAVE_CHROMIUM)('an unreachable device gets a specific reason', async () => {
    const { page } = c;
    await page.click('[data-testid=nav-devices]');
    await page.fill('[data-testid=dev-name]', 'nowhere');
    await page.fill('[data-testid=dev-host]', 'no-such-board.invalid');
    await page.fill('[data-testid=dev-port]', '22');
    await page.click('[data-testid=dev-add]');
    await page.click('[data-testid=device-nowhere] [data-testid=dev-test]');
    await expect.poll(() => page.textContent('[data-testid=dev-test-message]').catch(() => null), { timeout: 60_000 }).toBe("host name 'no-such-board.invalid' not found");
    await screenshot(page, 'bad-03-unreachable-device');
    // the project is still there and opens
    await page.click('[data-testid=nav-start]');
    await page.click('[data-testid=projects] a >> nth=0');
    await page.waitForSelector('[data-testid=layer-table]');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
