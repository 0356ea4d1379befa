/**
 * The Playwright walkthrough against web mode, on MNIST: create a project, calibrate
 * EQ INT8 and INT7 (plus MinMax and KL for the comparison), see the cosine chart and the
 * accuracy table, export, add a device, deploy & profile. Screenshots of every page go to
 * test-results/screenshots/.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';
import { ensureRunner } from '../device/helpers/runners.js';
import { startSshBoard, type SshBoard } from '../device/helpers/ssh-board.js';
import { HAVE_CHROMIUM, CHROMIUM, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let board: SshBoard | undefined;

/** Why the simulated SSH board (test/device/helpers) cannot run here, or '' when it can. */
async function boardUnavailable(): Promise<string> {
  for (const bin of ['/usr/sbin/sshd', '/usr/bin/qemu-aarch64-static', '/usr/bin/unshare']) if (!fs.existsSync(bin)) return `${bin} is missing`;
  try {
    ensureRunner('linux-aarch64');
  } catch (e) {
    return `the aarch64 eqrun runner could not be built: ${(e as Error).message.split('\n')[0]}`;
  }
  return '';
}
if (!HAVE_CHROMIUM) console.warn(`[skip] e2e: no Chromium at ${CHROMIUM} (set EQ_CHROMIUM)`);

async function nav(page: Page, testid: string): Promise<void> {
  await page.click(`[data-testid=${testid}]`);
}

async function calibrate(page: Page, method: string, bits: number, images: number): Promise<void> {
  await page.selectOption('[data-testid=calib-method]', method);
  await page.selectOption('[data-testid=calib-bits]', String(bits));
  await page.fill('[data-testid=calib-images]', String(images));
  const before = await page
    .locator('[data-testid=runs] tbody tr')
    .count()
    .catch(() => 0);
  await page.click('[data-testid=calib-start]');
  await page.locator('[data-testid=runs] tbody tr').nth(before).waitFor();
  // the newest run is listed first; wait until it is done
  await page.locator('[data-testid=runs] tbody tr').first().locator('[data-testid=run-status]', { hasText: 'done' }).waitFor({ timeout: 600_000 });
}

describeShared('web mode walkthrough (MNIST)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
  });
  afterAll(async () => {
    await board?.stop();
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('1. creates a project from ../shared/models/mnist and the MNIST data', async () => {
    const { page } = c;
    await page.waitForSelector('[data-testid=projects-empty]');
    await screenshot(page, '01-start-empty');
    await page.fill('[data-testid=new-name]', 'MNIST digits');
    await page.fill('[data-testid=new-model]', modelPath('mnist'));
    await page.click('[data-testid=create-project]');
    await page.waitForSelector('[data-testid=layer-table]');
    await expect.poll(() => page.textContent('[data-testid=model-macs]')).toBe('786.6 k');
    const rows = await page.locator('[data-testid=layer-table] tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(6);
    expect(await page.locator('[data-testid=layer-table] .badge', { hasText: 'INT8/INT7' }).count()).toBe(3);
    await screenshot(page, '02-model');

    await nav(page, 'nav-data');
    await page.waitForSelector('[data-testid=data-empty]');
    await page.fill('[data-testid=data-dir]', MNIST_DIR);
    await page.click('[data-testid=save-data]');
    await expect.poll(() => page.textContent('[data-testid=dataset-samples]').catch(() => null), { timeout: 120_000 }).toBe('10000');
    await page.waitForSelector('[data-testid=preview-img]');
    expect(await page.textContent('[data-testid=preview-label]')).toBe('7'); // the first MNIST test digit is a 7
    await screenshot(page, '03-data');
  });

  it.skipIf(!HAVE_CHROMIUM)('2. calibrates EQ INT8 and INT7 (and MinMax, KL INT8 for comparison), watching layers', async () => {
    const { page } = c;
    await nav(page, 'nav-calibrate');
    await page.waitForSelector('[data-testid=calib-start]:not([disabled])');
    await calibrate(page, 'eq', 8, 20);
    const layers = page.locator('[data-testid=layer-progress] tbody tr');
    await expect.poll(() => layers.count()).toBe(3);
    const cos = await layers.first().locator('td').nth(3).textContent();
    expect(Number(cos)).toBeGreaterThan(0.99);
    await calibrate(page, 'eq', 7, 20);
    await calibrate(page, 'minmax', 8, 20);
    await calibrate(page, 'kl', 8, 20);
    expect(await page.locator('[data-testid=runs] tbody tr').count()).toBe(4);
    // select EQ INT7 to show its per-layer cosines before/after the search
    await page.click('[data-testid="run-EQ INT7"]');
    await expect.poll(() => page.locator('[data-testid=live-progress] h2').textContent()).toBe('EQ INT7 — done');
    for (const row of await layers.all()) {
      const [before, after] = [Number(await row.locator('td').nth(2).textContent()), Number(await row.locator('td').nth(3).textContent())];
      expect(after).toBeGreaterThanOrEqual(before);
    }
    await screenshot(page, '04-calibrate');
  });

  it.skipIf(!HAVE_CHROMIUM)('3. shows the per-layer cosine chart (one line per method) and the accuracy table', async () => {
    const { page } = c;
    await nav(page, 'nav-results');
    await page.waitForSelector('[data-testid=cosine-chart] canvas');
    await page.fill('[data-testid=eval-limit]', '300');
    await page.click('[data-testid=evaluate]');
    const table = page.locator('[data-testid=accuracy-table] tbody tr');
    await expect.poll(() => table.count(), { timeout: 600_000 }).toBe(5);
    const labels = await table.locator('td:first-child').allTextContents();
    expect(labels).toEqual(['FP32', 'EQ INT8', 'EQ INT7', 'MinMax INT8', 'KL INT8']);
    // real figures: FP32 top-1 on the first 300 digits is well above 95 %
    const fp32Top1 = Number((await table.first().locator('td').nth(3).textContent())!.replace('%', '').trim());
    expect(fp32Top1).toBeGreaterThan(95);
    // the chart's accessible description lists one series per method
    const aria = await page
      .locator('[data-testid=cosine-chart]')
      .evaluate((el) => el.getAttribute('aria-label') ?? el.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '');
    for (const m of ['EQ INT8', 'EQ INT7', 'MinMax INT8', 'KL INT8']) expect(aria).toContain(m);
    await page.waitForSelector('[data-testid=hist-chart] canvas');
    await screenshot(page, '05-results');
  });

  it.skipIf(!HAVE_CHROMIUM)('4. exports every format', async () => {
    const { page } = c;
    await page.click('[data-testid=export]');
    const files = page.locator('[data-testid=export-files] tbody tr');
    await expect.poll(() => files.count(), { timeout: 120_000 }).toBe(5);
    for (const f of await files.locator('td.mono').allTextContents()) expect(fs.statSync(f.trim()).size).toBeGreaterThan(0);
    await screenshot(page, '06-export');
  });

  it.skipIf(!HAVE_CHROMIUM)('5-7. adds the simulated SSH board, deploys and profiles, shows the latency chart', async () => {
    const { page, app } = c;
    const info = await app.service.info();
    const why = !info.deployAvailable ? info.deployNote : await boardUnavailable();
    if (why) console.warn(`[skip] steps 5-7 with a real board (deploy & profile, latency chart): ${why}`);
    if (!why) board = await startSshBoard({ cpu: 'cortex-a53' });

    await nav(page, 'nav-devices');
    await page.waitForSelector('[data-testid=devices-empty]');
    await page.fill('[data-testid=dev-name]', 'sim-board');
    await page.fill('[data-testid=dev-host]', '127.0.0.1');
    // without the simulator: a port nobody listens on (the page must say so)
    await page.fill('[data-testid=dev-port]', String(board?.port ?? 1));
    await page.fill('[data-testid=dev-user]', 'root');
    if (board) {
      await page.fill('[data-testid=dev-key]', board.keyPath);
      await page.fill('[data-testid=dev-dir]', board.dir);
    }
    await page.click('[data-testid=dev-add]');
    await page.click('[data-testid=device-sim-board] [data-testid=dev-test]');
    const message = page.locator('[data-testid=device-sim-board] [data-testid=dev-test-message]');
    if (!board) {
      await expect.poll(() => message.textContent().catch(() => null)).toBe('connection refused by 127.0.0.1:1 (no SSH server listening on that port)');
      await screenshot(page, '07-devices');
      await page.click('[data-testid=nav-deploy]');
      await page.waitForSelector('[data-testid=page-deploy]');
      await screenshot(page, '08-deploy');
      return;
    }
    await expect.poll(() => message.textContent().catch(() => null), { timeout: 300_000 }).toBe('connected: aarch64');
    await screenshot(page, '07-devices');

    await page.click('[data-testid=nav-deploy]');
    await page.check('[data-testid=deploy-dev-sim-board]');
    await page.click('[data-testid=deploy-run-btn]');
    const status = page.locator('[data-testid=profile-history] tbody tr').first().locator('.badge');
    await expect.poll(() => status.textContent().catch(() => null), { timeout: 1_800_000 }).toMatch(/done|failed/);
    const err = await page.locator('[data-testid=profile-history] tbody tr').first().locator('td').nth(3).textContent();
    expect(await status.textContent(), err ?? '').toBe('done');
    await page.waitForSelector('[data-testid=latency-chart] canvas');
    const rows = page.locator('[data-testid=profile-compare] tbody tr');
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(['EQ INT8', 'EQ INT7', 'FP32']);
    // on-device outputs are bit-exact with the host's native engine for the int variants
    const bitExact = await rows.locator('td:nth-child(6)').allTextContents();
    expect(bitExact[0]).toMatch(/^(\d+)\/\1$/);
    await screenshot(page, '08-deploy');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
