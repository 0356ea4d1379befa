/**
 * Mixed-precision search in the GUI (issue 14 item 2): with a finished INT8 and INT7 run of
 * SqueezeNet, the Graph page's search draws every evaluated configuration; the chart's points
 * are the API's numbers (the job's pareto.json, which precision.search returns), and "apply"
 * writes the chosen configuration into the project's per-layer precision table. With a budget no
 * configuration meets, the card names the closest quantized point, marks it on the chart, and
 * there is nothing to apply.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunInfo } from '../../src-main/contract/app-types.js';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let projectId = '';
if (!HAVE_CHROMIUM) console.warn(`[skip] mixed-search e2e: no Chromium at ${CHROMIUM}`);

interface ParetoJson {
  metric: string;
  budget: { kind: string; min?: number; spec?: string };
  searchImages: number;
  fp32Top1: number | null;
  points: { latencyMs: number; accuracy: number; layerBits: Record<string, string> }[];
  front: number[];
  chosen: number | null;
  closest: number | null;
  files: { pareto: string; layerBits: string | null };
}
type Drawn = { all: number[][]; front: number[][]; chosen: number[][]; closest: number[][] };

/** The MinMax INT8 and INT7 runs the searches combine: calibrated by whichever test runs first. */
async function ensureRuns(): Promise<RunInfo[]> {
  const { app } = c;
  for (const bits of [8, 7]) {
    if (app.service.store.listRuns(projectId).some((r) => r.bits === bits && r.status === 'done')) continue;
    app.service.startCalibration(projectId, {
      method: 'minmax',
      bits,
      alpha: 0.5,
      beta: 2,
      steps: 100,
      rounds: 1,
      samplePositions: 64,
      percentile: 99.99,
      calibImages: 4,
      threads: 1,
      strategy: 'grid',
    });
    await app.service.idle();
  }
  return app.service.store.listRuns(projectId);
}

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

  it.skipIf(!HAVE_CHROMIUM)(
    'chart points equal the API result; apply sets the table',
    async () => {
      const { page, app } = c;
      const runs = await ensureRuns();
      expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
      const run8 = runs.find((r) => r.bits === 8)!;

      await page.click('[data-testid=nav-graph]');
      await page.locator('[data-testid=search-run]').waitFor({ timeout: 120_000 });
      await page.fill('[data-testid=search-budget]', 'agreement>=0.9');
      await page.fill('[data-testid=search-images]', '24');
      await page.click('[data-testid=search-run]');
      const chart = page.locator('[data-testid=search-chart]');
      await chart.waitFor({ timeout: 15 * 60_000 });

      const api = JSON.parse(fs.readFileSync(path.join(run8.artifactDir, 'mixed-search', 'pareto.json'), 'utf8')) as ParetoJson;
      const drawn = JSON.parse((await chart.getAttribute('data-points'))!) as Drawn;
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
    },
    30 * 60_000,
  );

  it.skipIf(!HAVE_CHROMIUM)(
    'a budget nothing meets: the card names the closest quantized point and marks it; nothing to apply',
    async () => {
      const { page, app } = c;
      const runs = await ensureRuns();
      // the run the app's search writes into (precision-search.ts: the latest finished INT8 run)
      const run8 = runs.filter((r) => r.bits === 8 && r.status === 'done').pop()!;
      const outDir = path.join(run8.artifactDir, 'mixed-search');
      // a search that chose a point (the first test's) left its layer-bits.json here; one that chooses
      // none removes it (it would contradict pareto.json's layerBits: null)
      const precisionBefore = app.service.store.getLayerPrecision(projectId);

      // a fresh card: leaving the Graph page drops the previous result and its "applied" badge
      await page.click('[data-testid=nav-data]');
      await page.locator('[data-testid=mixed-search]').waitFor({ state: 'detached' });
      await page.click('[data-testid=nav-graph]');
      await page.locator('[data-testid=search-run]').waitFor({ timeout: 120_000 });
      expect(await page.locator('[data-testid=search-chart]').count()).toBe(0);

      // top-1 of every one of the 24 search images: FP32 SqueezeNet itself gets well under that
      const budget = 'top1>=1';
      await page.fill('[data-testid=search-budget]', budget);
      await page.fill('[data-testid=search-images]', '24');
      await page.click('[data-testid=search-run]');
      const outcome = page.locator('[data-testid=search-outcome]');
      await outcome.waitFor({ timeout: 20 * 60_000 });
      expect(await page.locator('[data-testid=search-error]').count()).toBe(0);

      const api = JSON.parse(fs.readFileSync(path.join(outDir, 'pareto.json'), 'utf8')) as ParetoJson;
      expect(api.budget).toEqual({ kind: 'accuracy', min: 1, spec: budget });
      expect(api.metric).toBe('top1');
      expect(api.searchImages).toBe(24);
      expect(api.fp32Top1).not.toBeNull();
      expect(api.fp32Top1!).toBeLessThan(1);
      expect(api.chosen).toBeNull();
      expect(api.files.layerBits).toBeNull();
      expect(fs.existsSync(path.join(outDir, 'layer-bits.json'))).toBe(false);
      // closest: the most accurate point without an FP32 group (ties: the faster), short of the budget
      const quantized = api.points.map((p, i) => ({ ...p, i })).filter((p) => !Object.values(p.layerBits).includes('fp32'));
      expect(quantized.length).toBeGreaterThan(0);
      const best = quantized.reduce((b, p) => (p.accuracy > b.accuracy || (p.accuracy === b.accuracy && p.latencyMs < b.latencyMs) ? p : b));
      expect(api.closest).toBe(best.i);
      const closest = api.points[api.closest!]!;
      expect(closest.accuracy).toBeLessThan(1);

      // the card says so and names the closest point: precision mix, metric, latency
      const bits = Object.values(closest.layerBits);
      const count = (v: string) => bits.filter((b) => b === v).length;
      const mix = count('int8') === bits.length ? 'all INT8' : count('int7') === bits.length ? 'all INT7' : `${count('int7')} INT7, ${count('int8')} INT8`;
      expect(await outcome.textContent()).toBe(
        `No configuration meets the budget; closest: ${mix}, top1 ${(closest.accuracy * 100).toFixed(2)} %, latency ${closest.latencyMs.toFixed(3)} ms.`,
      );
      expect(await page.textContent('[data-testid=search-summary]')).toContain(`${api.points.length} configurations on 24 images`);

      // the chart's lists are the API's, with the closest point marked and no chosen one
      const chart = page.locator('[data-testid=search-chart]');
      const drawn = JSON.parse((await chart.getAttribute('data-points'))!) as Drawn;
      const pt = (i: number) => [api.points[i]!.latencyMs, api.points[i]!.accuracy * 100, i];
      expect(drawn.all).toEqual(api.points.map((_, i) => pt(i)));
      expect(drawn.front.map((p) => p[2])).toEqual(api.front);
      expect(drawn.chosen).toEqual([]);
      expect(drawn.closest).toEqual([pt(api.closest!)]);

      // nothing to apply: the button stays disabled and the precision table is untouched
      expect(await page.isDisabled('[data-testid=search-apply]')).toBe(true);
      expect(await page.locator('[data-testid=search-applied]').count()).toBe(0);
      expect(app.service.store.getLayerPrecision(projectId)).toEqual(precisionBefore);

      // ECharts draws it: its accessible description lists a "closest" series holding exactly that point
      const aria = () => chart.evaluate((el) => el.getAttribute('aria-label') ?? el.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '');
      await expect.poll(aria).toContain(`representing closest.The data is as follows: ${pt(api.closest!).join(', ')}. `);
      await screenshot(page, 'mixed-search-unmet');
    },
    30 * 60_000,
  );
});
