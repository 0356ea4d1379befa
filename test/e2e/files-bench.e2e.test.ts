/**
 * Files in web mode and the host benchmark, in the browser: upload squeezenet1.1's model and
 * card through the file input, pick a model on the Model page and the ImageNet folder on the
 * Data page with the server-side picker, calibrate
 * (MinMax, via the API), download the scales.json export and compare its bytes with the file on
 * disk, then run the host benchmark and check one per-layer row per quantized layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CalibSettingsForm } from '../../src-main/contract/app-types.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath, SHARED_DIR } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let projectId = '';
const savedRoots = process.env['EQ_FILE_ROOTS'];
if (!HAVE_CHROMIUM) console.warn(`[skip] files-bench e2e: no Chromium at ${CHROMIUM}`);

describeShared('files in web mode and the host benchmark (squeezenet1.1)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    // ../shared is outside home and the data folder: offer it to the picker
    process.env['EQ_FILE_ROOTS'] = SHARED_DIR;
    c = await startE2e();
  });
  afterAll(async () => {
    await c?.close();
    if (savedRoots === undefined) delete process.env['EQ_FILE_ROOTS'];
    else process.env['EQ_FILE_ROOTS'] = savedRoots;
  });

  it.skipIf(!HAVE_CHROMIUM)('uploads the model and card through the file input and creates the project from them', async () => {
    const { page, dataDir } = c;
    await page.waitForSelector('[data-testid=upload-model]');
    await page.setInputFiles('[data-testid=upload-model-input]', [modelPath('squeezenet1.1'), cardPath('squeezenet1.1')]);
    await page.waitForSelector('[data-testid=upload-model-done]', { timeout: 120_000 });
    const model = await page.inputValue('[data-testid=new-model]');
    const card = await page.inputValue('[data-testid=new-card]');
    expect(path.dirname(path.dirname(model))).toBe(path.join(dataDir, 'uploads'));
    expect(path.basename(model)).toBe('model.onnx');
    expect(card).toBe(path.join(path.dirname(model), 'card.json'));
    expect(fs.readFileSync(model).equals(fs.readFileSync(modelPath('squeezenet1.1')))).toBe(true);
    await page.fill('[data-testid=new-name]', 'sq files');
    await screenshot(page, '13-upload');
    await page.click('[data-testid=create-project]');
    await page.waitForSelector('[data-testid=layer-table]', { timeout: 120_000 });
    projectId = /\/p\/([^/]+)\/model/.exec(page.url())![1]!;
    expect(c.app.service.store.getProject(projectId).modelPath).toBe(model);
  });

  it.skipIf(!HAVE_CHROMIUM)('picks a model with the picker on the Model page (the card beside it comes along)', async () => {
    const { page, app } = c;
    await page.click('[data-testid=replace-browse-model]');
    await page.waitForSelector('[data-testid=file-picker]');
    await page.locator('[data-testid=file-picker] button', { hasText: path.basename(SHARED_DIR) }).click();
    await page.click('[data-testid=picker-entry-models]');
    await page.click('[data-testid=picker-entry-squeezenet1\\.1]');
    await page.click('[data-testid=picker-entry-model\\.onnx]');
    const picked = fs.realpathSync(modelPath('squeezenet1.1'));
    expect(await page.inputValue('[data-testid=replace-model-path]')).toBe(picked);
    await page.click('[data-testid=replace-model-go]');
    await expect.poll(() => app.service.store.getProject(projectId).modelPath, { timeout: 120_000 }).toBe(picked);
    expect(app.service.store.getProject(projectId).cardPath).toBe(path.join(path.dirname(picked), 'card.json'));
    await page.waitForSelector('[data-testid=layer-table]');
  });

  it.skipIf(!HAVE_CHROMIUM)('picks the ImageNet folder with the server-side picker', async () => {
    const { page } = c;
    await page.click('[data-testid=nav-data]');
    await page.click('[data-testid=browse-data]');
    await page.waitForSelector('[data-testid=file-picker]');
    await page.locator('[data-testid=file-picker] button', { hasText: path.basename(SHARED_DIR) }).click();
    await page.click('[data-testid=picker-entry-data]');
    await page.click('[data-testid=picker-entry-imagenet-sample]');
    await page.locator('[data-testid=picker-path]', { hasText: 'imagenet-sample' }).waitFor();
    await page.click('[data-testid=picker-choose]');
    expect(await page.inputValue('[data-testid=data-dir]')).toBe(fs.realpathSync(IMAGENET_DIR));
    await page.click('[data-testid=save-data]');
    await page.locator('[data-testid=dataset-samples]', { hasText: /^1000$/ }).waitFor({ timeout: 180_000 });
  });

  it.skipIf(!HAVE_CHROMIUM)('downloads the scales.json export with the same bytes as on disk', async () => {
    const { page, app } = c;
    const settings: CalibSettingsForm = {
      method: 'minmax',
      bits: 8,
      alpha: 0.5,
      beta: 2,
      steps: 10,
      rounds: 1,
      samplePositions: 0,
      percentile: 99.99,
      calibImages: 4,
      threads: 1,
      strategy: 'grid',
    };
    const run = app.service.startCalibration(projectId, settings);
    await app.service.idle();
    expect(app.service.store.getRun(run.id).status).toBe('done');
    const [x] = await app.service.exportRun(projectId, run.id, ['scales']);
    await page.click('[data-testid=nav-results]');
    await page.click('[data-testid=nav-model]');
    await page.click('[data-testid=nav-results]');
    const link = page.locator('[data-testid=download-scales]');
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('scales.json');
    const got = fs.readFileSync((await download.path())!);
    expect(got.equals(fs.readFileSync(x!.path))).toBe(true);
  });

  it.skipIf(!HAVE_CHROMIUM)('runs the host benchmark: one per-layer row per quantized layer, FP32 and INT8 timed', async () => {
    const { page, app } = c;
    await page.click('[data-testid=nav-bench]');
    await page.waitForSelector('[data-testid=bench-start]');
    await page.fill('[data-testid=bench-runs]', '3');
    await page.fill('[data-testid=bench-warmup]', '1');
    await page.click('[data-testid=bench-start]');
    await page.waitForSelector('[data-testid=bench-layers]', { timeout: 300_000 });
    const summary = await app.service.inspect(projectId);
    const quantized = summary.layers.filter((l) => l.quantized).map((l) => l.name);
    const rows = await page.locator('[data-testid=bench-layers] tbody tr td:first-child').allTextContents();
    expect(rows.length).toBe(summary.quantizedLayers);
    expect([...rows].sort()).toEqual([...quantized].sort());
    const engines = await page.locator('[data-testid=bench-engines] tbody tr td:first-child').allTextContents();
    expect(engines).toEqual(['MinMax INT8 (native)', 'FP32 (onnxruntime)']);
    await page.waitForSelector('[data-testid=bench-chart] canvas');
    await screenshot(page, '14-bench');
    expect(c.consoleErrors).toEqual([]);
  });
});
