/**
 * Per-layer precision in the GUI (issue 12 item 3): on the Graph page, set SqueezeNet's first
 * layer to INT7 and the second to FP32; a MinMax calibration then writes those choices into
 * scales.json (Conv_0 bits 7, Conv_3 left out), and the run's EQM export runs natively.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readScalesJson } from '../../src-main/io/scales-json.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let projectId = '';
if (!HAVE_CHROMIUM) console.warn(`[skip] layer-precision e2e: no Chromium at ${CHROMIUM}`);

describeShared('per-layer precision (SqueezeNet 1.1)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    await openProject(c.page, { name: 'precision', model: modelPath('squeezenet1.1'), data: IMAGENET_DIR, samples: '1000' });
    projectId = c.app.service.listProjects()[0]!.id;
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)(
    'one layer FP32 and one INT7 reach scales.json and a natively running EQM',
    async () => {
      const { page, app } = c;
      await page.click('[data-testid=nav-graph]');
      const conv0 = page.locator('[data-testid="precision-Conv_0"]');
      await conv0.waitFor({ timeout: 120_000 });
      expect(await page.locator('[data-testid=layer-precision] tbody tr').count()).toBe(26);
      await conv0.selectOption('int7');
      await page.waitForSelector('[data-testid=layer-precision-saved]');
      await page.selectOption('[data-testid="precision-Conv_3"]', 'fp32');
      await expect.poll(() => app.service.store.getLayerPrecision(projectId)).toEqual({ Conv_0: 'int7', Conv_3: 'fp32' });
      // the choice is the project's: a reload shows it again
      await page.reload();
      await page.locator('[data-testid="precision-Conv_3"]').waitFor({ timeout: 120_000 });
      await expect.poll(() => page.inputValue('[data-testid="precision-Conv_3"]')).toBe('fp32');
      await screenshot(page, 'layer-precision');

      app.service.startCalibration(projectId, {
        method: 'minmax',
        bits: 8,
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
      const run = app.service.store.listRuns(projectId)[0]!;
      expect(run.status, run.error ?? '').toBe('done');
      const table = readScalesJson(`${run.artifactDir}/scales.json`);
      expect(table.layers.find((l) => l.name === 'Conv_0')!.bits).toBe(7);
      expect(table.layers.some((l) => l.name === 'Conv_3')).toBe(false);
      expect(table.layers.find((l) => l.name === 'Conv_5')!.bits).toBeUndefined();

      const [eqm] = await app.service.exportRun(projectId, run.id, ['eqm']);
      const session = Runtime.load(new Uint8Array(fs.readFileSync(eqm!.path)), { threads: 1 });
      expect(session.info.layers.length).toBe(25);
      const out = session.run(new Float32Array(3 * 227 * 227).fill(0.25), [1, 3, 227, 227]);
      expect(out[0]!.length).toBe(1000);
      expect(out[0]!.every((v) => Number.isFinite(v))).toBe(true);
    },
    15 * 60_000,
  );
});
