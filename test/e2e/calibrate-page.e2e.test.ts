/**
 * The Calibrate page on MNIST: the settings chosen in the form (threads, bits, strategy) reach
 * the run, and "Start calibration" is disabled, with the reason shown, while a run is going.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] calibrate-page e2e: no Chromium at ${CHROMIUM}`);

describeShared('Calibrate page (MNIST)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    await openProject(c.page, { name: 'calib', model: modelPath('mnist'), data: MNIST_DIR, samples: '10000' });
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('runs with the threads, bits and strategy chosen in the form; Start is disabled meanwhile', async () => {
    const { page, app } = c;
    await page.click('[data-testid=nav-calibrate]');
    await page.waitForSelector('[data-testid=calib-start]:not([disabled])');
    await page.selectOption('[data-testid=calib-method]', 'eq');
    await page.selectOption('[data-testid=calib-bits]', '7');
    await page.selectOption('[data-testid=calib-strategy]', 'coarse-fine');
    await page.fill('[data-testid=calib-threads]', '2');
    await page.fill('[data-testid=calib-images]', '200');
    await page.click('[data-testid=calib-start]');

    // while it runs: disabled, and the page says why
    const why = page.locator('[data-testid=calib-start-why]');
    await why.waitFor();
    expect(await why.textContent()).toBe('EQ INT7 is running: wait for it to finish or cancel it to start another run.');
    expect(await page.locator('[data-testid=calib-start]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=calib-start]').getAttribute('title')).toBe(await why.textContent());
    expect(await page.textContent('[data-testid=calib-eta]')).toMatch(/^elapsed \d+ s · ETA (estimating…|\d+ s|\d+ min \d+ s)$/);

    await page.locator('[data-testid=runs] tbody tr').first().locator('[data-testid=run-status]', { hasText: 'done' }).waitFor({ timeout: 600_000 });
    await page.waitForSelector('[data-testid=calib-start]:not([disabled])');
    expect(await why.count()).toBe(0);

    const [run] = app.service.store.listRuns(app.service.listProjects()[0]!.id);
    expect(run!.settings).toMatchObject({ method: 'eq', bits: 7, threads: 2, strategy: 'coarse-fine', calibImages: 200 });
    // what the calibrator actually used (threads is an execution setting, not written to scales.json)
    const scales = JSON.parse(fs.readFileSync(path.join(run!.artifactDir, 'scales.json'), 'utf8')) as { bits: number; settings: Record<string, unknown> };
    expect(scales.bits).toBe(7);
    expect(scales.settings).toMatchObject({ strategy: 'coarse-fine', calibrationImages: 200 });
  });

  it.skipIf(!HAVE_CHROMIUM)('shows the native engine with the ISA it runs at', async () => {
    const s = c.app.service.engineStatus();
    if (!s.native) console.warn(`[skip] native engine status: ${s.reason}`);
    const text = await c.page.textContent('[data-testid=engine-status]');
    if (s.native) expect(text).toBe(`native engine · ${s.isa} · ${s.threads} threads`);
    else expect(text).toBe('TypeScript engine (native addon not loaded)');
    expect(s.isa ?? 'none').toBe(s.native ? (process.env['EQ_ISA'] ?? Runtime.version().detectedIsa) : 'none');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
