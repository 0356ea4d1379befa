/**
 * Pages on SqueezeNet 1.1 (a BGR card, 227 px, pixel means 103.94/116.78/123.68) and the
 * ImageNet sample: the preprocessing form starts from the card's values.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] squeezenet-pages e2e: no Chromium at ${CHROMIUM}`);

describeShared('SqueezeNet pages', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    await openProject(c.page, { name: 'squeezenet', model: modelPath('squeezenet1.1'), data: IMAGENET_DIR, samples: '1000' });
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('unticking "use the card" fills the form with the card\'s preprocessing, numbers readable', async () => {
    const { page } = c;
    await page.uncheck('[data-testid=use-card]');
    await page.waitForSelector('[data-testid=preprocess-form]');
    const v = (id: string) => page.inputValue(`[data-testid=${id}]`);
    expect(await v('pre-resize')).toBe('shorter');
    expect(await v('pre-size')).toBe('227');
    expect(await v('pre-crop')).toBe('227');
    expect(await v('pre-channels')).toBe('BGR');
    expect(await v('pre-scale')).toBe('1');
    expect(await v('pre-mean')).toBe('103.94, 116.78, 123.68');
    expect(await v('pre-std')).toBe('1, 1, 1');
    expect(await v('pre-layout')).toBe('NCHW');
  });

  it.skipIf(!HAVE_CHROMIUM)('a fraction for the pixel scale is saved exactly, and shown as a fraction again', async () => {
    const { page, app } = c;
    await page.fill('[data-testid=pre-scale]', '1/255');
    await page.fill('[data-testid=pre-mean]', '0.407608, 0.457961, 0.48502');
    await page.fill('[data-testid=pre-std]', '0.0039215686274509803, 1/255, 1/255');
    await page.click('[data-testid=save-data]');
    const projectId = app.service.listProjects()[0]!.id;
    await expect.poll(() => app.service.store.getDataset(projectId)?.preprocess?.scale, { timeout: 120_000 }).toBe(1 / 255);
    expect(app.service.store.getDataset(projectId)!.preprocess!.std).toEqual([1 / 255, 1 / 255, 1 / 255]);
    await page.reload();
    await page.waitForSelector('[data-testid=preprocess-form]');
    expect(await page.inputValue('[data-testid=pre-scale]')).toBe('1/255');
    expect(await page.inputValue('[data-testid=pre-std]')).toBe('0.00392157, 0.00392157, 0.00392157');
    expect(await page.isChecked('[data-testid=use-card]')).toBe(false);
    // back to the card
    await page.check('[data-testid=use-card]');
    await page.click('[data-testid=save-data]');
    await expect.poll(() => app.service.store.getDataset(projectId)?.preprocess ?? null, { timeout: 120_000 }).toBe(null);
  });

  it.skipIf(!HAVE_CHROMIUM)('the per-layer cosine chart after evaluation has all 26 layers, none missing', async () => {
    const { page, app } = c;
    await page.click('[data-testid=nav-calibrate]');
    await page.waitForSelector('[data-testid=calib-start]:not([disabled])');
    await page.fill('[data-testid=calib-images]', '4');
    await page.fill('[data-testid=calib-steps]', '16');
    await page.click('[data-testid=calib-start]');
    await page.locator('[data-testid=runs] tbody tr').first().locator('[data-testid=run-status]', { hasText: 'done' }).waitFor({ timeout: 900_000 });
    await page.click('[data-testid=nav-results]');
    const chart = page.locator('[data-testid=cosine-chart]');
    await chart.waitFor();
    // before evaluation: the calibration's own figures, per group (SqueezeNet's expand convs share an input)
    const [run] = app.service.store.listRuns(app.service.listProjects()[0]!.id);
    expect(run!.layers.some((l) => l.name.includes('+'))).toBe(true);
    expect(await chart.getAttribute('data-points')).toBe(String(run!.layers.length));
    await page.fill('[data-testid=eval-limit]', '6');
    await page.click('[data-testid=evaluate]');
    await page.locator('[data-testid=accuracy-table] tbody tr').nth(1).waitFor({ timeout: 900_000 });
    await expect.poll(() => chart.getAttribute('data-points')).toBe('26');
    expect(await chart.getAttribute('data-missing')).toBe('0');
    const aria = await chart.evaluate((el) => el.getAttribute('aria-label') ?? el.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '');
    expect(aria).not.toContain('+');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
