/**
 * "Open demo project" in the GUI: runs the embedded demo (PP-OCRv4 detector on rendered text)
 * and shows its measured table (FP32 vs EQ INT8 vs INT7) and the exports, as `easyquant demo`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HAVE_CHROMIUM, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] demo e2e: no Chromium at ${CHROMIUM}`);

describe.skipIf(!HAVE_CHROMIUM)('Open demo project', () => {
  beforeAll(async () => {
    c = await startE2e();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('runs the demo and shows the measured table with FP32, EQ INT8 and EQ INT7', async () => {
    const { page } = c;
    await page.click('[data-testid=open-demo]');
    const rows = page.locator('[data-testid=demo-table] tbody tr');
    await rows.first().waitFor({ timeout: 1_800_000 });
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(['FP32', 'EQ INT8', 'EQ INT7']);
    // F-scores are measured figures in (0, 100] %
    for (const f of await rows.locator('td:nth-child(5)').allTextContents()) {
      const x = Number(f.replace('%', '').trim());
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThanOrEqual(100);
    }
    const detail = c.app.service.project(c.app.service.listProjects()[0]!.id);
    expect(detail.demo!.rows.map((r) => r.config)).toEqual(['FP32', 'EQ INT8', 'EQ INT7']);
    expect(detail.runs.map((r) => r.label)).toEqual(['EQ INT8', 'EQ INT7']);
    // the EQ runs carry their per-layer cosines (from scales.json) for the chart
    for (const r of detail.runs) {
      expect(r.layers.length).toBeGreaterThan(10);
      for (const l of r.layers) expect(l.cosAfter).toBeGreaterThan(0.5);
    }
    await page.waitForSelector('[data-testid=cosine-chart] canvas');
    for (const x of detail.exports) expect(fs.existsSync(x.path), x.path).toBe(true);
    expect(detail.exports.map((x) => path.basename(x.path))).toContain('model.eqm');
    await screenshot(page, '09-demo-results');
  });
});
