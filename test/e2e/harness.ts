/**
 * E2E harness: Debian's Chromium through playwright-core, and the app in web mode started by
 * the test itself (random port, fresh data folder). Screenshots go to
 * test-results/screenshots/<name>.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveApp, type RunningApp } from '../../src-main/server/serve.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

export const CHROMIUM = process.env['EQ_CHROMIUM'] ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-results', 'screenshots');

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface E2eContext {
  app: RunningApp;
  browser: Browser;
  page: Page;
  dataDir: string;
  /** browser console errors and page errors seen so far */
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function startE2e(): Promise<E2eContext> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-e2e-'));
  // deploy state (known_hosts, push cache) lives in <dataDir>/deploy: a fresh one per run
  const app = await serveApp({ dataDir, build: false });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(app.server.openUrl);
  return {
    app,
    browser,
    page,
    dataDir,
    consoleErrors,
    close: async () => {
      await browser.close();
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Creates a project from a ../shared model (its card beside it) and sets its data folder; ends on the Data page. */
export async function openProject(page: Page, opts: { name: string; model: string; data: string; samples: string }): Promise<void> {
  await page.click('[data-testid=nav-start]');
  await page.fill('[data-testid=new-name]', opts.name);
  await page.fill('[data-testid=new-model]', opts.model);
  await page.click('[data-testid=create-project]');
  await page.waitForSelector('[data-testid=layer-table]');
  await page.click('[data-testid=nav-data]');
  await page.fill('[data-testid=data-dir]', opts.data);
  await page.click('[data-testid=save-data]');
  await page.locator('[data-testid=dataset-samples]', { hasText: new RegExp(`^${opts.samples}$`) }).waitFor({ timeout: 120_000 });
}
