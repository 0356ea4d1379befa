/**
 * Engine status without the native addon (EQ_NATIVE_ADDON pointing at a missing file): the
 * banner says calibration will be much slower and offers the build. The build command is a
 * fake (EQ_NATIVE_BUILD_CMD): first one that fails, then one that puts the prebuilt addon where
 * EQ_NATIVE_ADDON points, after which the status shows the native engine and its ISA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, screenshot, startE2e, type E2eContext } from './harness.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-engine-'));
const target = path.join(tmp, 'eqm_native.node');
const prebuilt = path.join(PROJECT_ROOT, 'native', 'build', 'Release', 'eqm_native.node');
process.env['EQ_NATIVE_ADDON'] = target; // before anything loads the addon in this process

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] engine-status e2e: no Chromium at ${CHROMIUM}`);

describe('engine status without the native addon', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
  });
  afterAll(async () => {
    await c?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.skipIf(!HAVE_CHROMIUM)('shows the banner and the TypeScript engine', async () => {
    const { page } = c;
    const banner = page.locator('[data-testid=engine-banner]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('EQ calibration will be ~50× slower');
    expect(await page.textContent('[data-testid=engine-status]')).toBe('TypeScript engine (native addon not loaded)');
    await screenshot(page, 'engine-01-missing');
  });

  it.skipIf(!HAVE_CHROMIUM)('a failed build says why and keeps the banner', async () => {
    const { page } = c;
    process.env['EQ_NATIVE_BUILD_CMD'] = JSON.stringify([process.execPath, '-e', 'console.log("configuring"); console.error("c++: command not found"); process.exit(2)']);
    await page.click('[data-testid=engine-build]');
    const msg = page.locator('[data-testid=engine-build-message]');
    await msg.filter({ hasText: 'failed' }).waitFor({ timeout: 60_000 });
    expect(await msg.textContent()).toBe('the build failed (exit code 2): c++: command not found');
    await page.waitForSelector('[data-testid=engine-build]:not([disabled])');
    expect(await page.textContent('[data-testid=engine-status]')).toBe('TypeScript engine (native addon not loaded)');
  });

  it.skipIf(!HAVE_CHROMIUM || !fs.existsSync(prebuilt))('a successful build switches the status to the native engine with its ISA', async () => {
    const { page, app } = c;
    const copy = `require('fs').copyFileSync(${JSON.stringify(prebuilt)}, ${JSON.stringify(target)})`;
    process.env['EQ_NATIVE_BUILD_CMD'] = JSON.stringify([process.execPath, '-e', copy]);
    await page.click('[data-testid=engine-build]');
    const status = page.locator('[data-testid=engine-status]');
    await status.filter({ hasText: 'native engine' }).waitFor({ timeout: 60_000 });
    const s = app.service.engineStatus();
    expect(s.native).toBe(true);
    expect(s.isa).toMatch(/^(scalar|avx2|avx512vnni|amx|neon|dotprod)$/);
    expect(await status.textContent()).toBe(`native engine · ${s.isa} · ${s.threads} threads`);
    expect(await page.textContent('[data-testid=engine-build-message]')).toBe(`native engine built (${s.isa})`);
    expect(await page.locator('[data-testid=engine-build]').count()).toBe(0);
    await screenshot(page, 'engine-02-built');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
