/**
 * Mixed-precision search in the GUI (issue 14 item 2): with a finished INT8 and INT7 run of
 * SqueezeNet, the Graph page's search draws every evaluated configuration; the chart's points
 * are the API's numbers (the job's pareto.json, which precision.search returns), and "apply"
 * writes the chosen configuration into the project's per-layer precision table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let projectId = '';
if (!HAVE_CHROMIUM) console.warn(`[skip] mixed-search e2e: no Chromium at ${CHROMIUM}`);

describeShared('mixed-precision search (SqueezeNet 1.1)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    await openProject(c.page, { name: 'mixed', model: modelPath('squeezenet1.1'), data: IMAGENET_DIR, samples: '1000' });
    projectId = c.app.service.listProjects()[0]!.id;
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('chart points equal the API result; apply sets the table', async () => {
    const { page, app } = c;
    for (const bits of [8, 7]) {
      app.service.startCalibration(projectId, { method: 'minmax', bits, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 4, threads: 1, strategy: 'grid' });
      await app.service.idle();
    }
    const runs = app.service.store.listRuns(projectId);
    expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
    const run8 = runs.find((r) => r.bits === 8)!;

    await page.click('[data-testid=nav-graph]');
    await page.locator('[data-testid=search-run]').waitFor({ timeout: 120_000 });
    await page.fill('[data-testid=search-budget]', 'agreement>=0.9');
    await page.fill('[data-testid=search-images]', '24');
    await page.click('[data-testid=search-run]');
    const chart = page.locator('[data-testid=search-chart]');
    await chart.waitFor({ timeout: 15 * 60_000 });

    const api = JSON.parse(fs.readFileSync(path.join(run8.artifactDir, 'mixed-search', 'pareto.json'), 'utf8')) as {
      points: { latencyMs: number; accuracy: number; layerBits: Record<string, string> }[];
      front: number[];
      chosen: number | null;
    };
    const drawn = JSON.parse((await chart.getAttribute('data-points'))!) as { all: number[][]; front: number[][]; chosen: number[][] };
    expect(drawn.all).toEqual(api.points.map((p, i) => [p.latencyMs, p.accuracy * 100, i]));
    expect(drawn.front.map((p) => p[2])).toEqual(api.front);
    expect(api.chosen).not.toBeNull();
    expect(drawn.chosen).toEqual([[api.points[api.chosen!]!.latencyMs, api.points[api.chosen!]!.accuracy * 100, api.chosen]]);
    expect(api.points[api.chosen!]!.accuracy).toBeGreaterThanOrEqual(0.9);
    // a point is hoverable: the tooltip names its step
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await screenshot(page, 'mixed-search');

    await page.click('[data-testid=search-apply]');
    await page.waitForSelector('[data-testid=search-applied]');
    const chosen = api.points[api.chosen!]!.layerBits;
    await expect.poll(() => app.service.store.getLayerPrecision(projectId)).toEqual(chosen);
    const [layer, prec] = Object.entries(chosen).find(([, v]) => v === 'int7') ?? Object.entries(chosen)[0]!;
    await expect.poll(() => page.inputValue(`[data-testid="precision-${layer}"]`)).toBe(prec);
  }, 30 * 60_000);
});
