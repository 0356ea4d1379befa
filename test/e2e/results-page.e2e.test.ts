/**
 * The Results page's evaluation on MNIST: held-out by default (the calibration images are left
 * out), on the native engine when it loads (else int-ref), with a count that takes seconds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] results-page e2e: no Chromium at ${CHROMIUM}`);

describeShared('Results page evaluation (MNIST)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    const { page } = c;
    await openProject(page, { name: 'eval', model: modelPath('mnist'), data: MNIST_DIR, samples: '10000' });
    await page.click('[data-testid=nav-calibrate]');
    await page.fill('[data-testid=calib-images]', '20');
    await page.click('[data-testid=calib-start]');
    await page.locator('[data-testid=runs] tbody tr').first().locator('[data-testid=run-status]', { hasText: 'done' }).waitFor({ timeout: 600_000 });
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('defaults: held-out on, native engine when available (else int-ref), a small count', async () => {
    const { page, app } = c;
    await page.click('[data-testid=nav-results]');
    await page.waitForSelector('[data-testid=evaluate]');
    const native = app.service.engineStatus().native;
    await expect.poll(() => page.inputValue('[data-testid=eval-engine]')).toBe(native ? 'native' : 'int-ref');
    expect(await page.isChecked('[data-testid=eval-held-out]')).toBe(true);
    expect(Number(await page.inputValue('[data-testid=eval-limit]'))).toBeLessThanOrEqual(200);
  });

  it.skipIf(!HAVE_CHROMIUM)('evaluates the images after the calibration set, and says so', async () => {
    const { page, app } = c;
    await page.fill('[data-testid=eval-limit]', '40');
    await page.click('[data-testid=evaluate]');
    // the busy state draws its spinner with CSS (no emoji: it needs a colour-emoji font)
    const busy = page.locator('[data-testid=eval-busy]');
    await busy.locator('[data-testid=spinner]').waitFor();
    expect(await busy.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
    const rows = page.locator('[data-testid=accuracy-table] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 600_000 }).toBe(2);
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(['FP32', 'EQ INT8']);
    expect(await rows.nth(0).locator('td').nth(2).textContent()).toBe('40 held-out');
    const results = app.service.project(app.service.listProjects()[0]!.id).results;
    expect(results.map((r) => [r.images, r.heldOutFrom])).toEqual([
      [40, 20],
      [40, 20],
    ]);
    const engine = app.service.engineStatus().native ? 'native' : 'int-ref';
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe(engine);
  });

  it.skipIf(!HAVE_CHROMIUM)('unticked: from the first image on, no held-out badge', async () => {
    const { page, app } = c;
    await page.uncheck('[data-testid=eval-held-out]');
    await page.click('[data-testid=evaluate]');
    await expect.poll(() => app.service.project(app.service.listProjects()[0]!.id).results.map((r) => r.heldOutFrom), { timeout: 600_000 }).toEqual([null, null]);
    await expect.poll(() => page.locator('[data-testid=held-out-badge]').count()).toBe(0);
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
