/**
 * Comparing runs on the Results page, on SqueezeNet 1.1 and the ImageNet sample: two quick
 * MinMax runs (INT8, INT7) evaluated on 20 held-out images. The comparison shows the API's
 * figures with the right deltas, the flip gallery lists exactly the images whose stored
 * predictions differ, and a toast says when a run has finished.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EvalResultInfo } from '../../src-main/contract/app-types.js';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
if (!HAVE_CHROMIUM) console.warn(`[skip] compare-page e2e: no Chromium at ${CHROMIUM}`);

describeShared('Results page: compare runs, flip gallery, job toasts (SqueezeNet)', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    // a recording Notification (permission granted) and a switchable window focus
    await c.page.addInitScript(() => {
      const w = window as unknown as { __notes: { title: string; body?: string }[]; __focused: boolean };
      w.__notes = [];
      w.__focused = true;
      class FakeNotification {
        static permission = 'granted';
        static requestPermission = () => Promise.resolve('granted');
        constructor(title: string, opts?: { body?: string }) {
          w.__notes.push({ title, body: opts?.body });
        }
      }
      (window as unknown as { Notification: unknown }).Notification = FakeNotification;
      document.hasFocus = () => w.__focused;
    });
    await c.page.reload();
    await openProject(c.page, { name: 'compare', model: modelPath('squeezenet1.1'), data: IMAGENET_DIR, samples: '1000' });
  });
  afterAll(async () => {
    await c?.close();
  });

  const projectId = () => c.app.service.listProjects()[0]!.id;

  const notes = () => c.page.evaluate(() => (window as unknown as { __notes: { title: string; body?: string }[] }).__notes);
  const setFocused = (f: boolean) => c.page.evaluate((v) => ((window as unknown as { __focused: boolean }).__focused = v), f);

  async function calibrate(bits: 8 | 7): Promise<void> {
    const { page } = c;
    await page.waitForSelector('[data-testid=calib-start]:not([disabled])', { timeout: 600_000 });
    await page.selectOption('[data-testid=calib-method]', 'minmax');
    await page.selectOption('[data-testid=calib-bits]', String(bits));
    await page.fill('[data-testid=calib-images]', '6');
    await page.click('[data-testid=calib-start]');
    // the toast of the finished run, with its summary
    const toast = page.locator('[data-testid=toast][data-job=calibration]', { hasText: `MinMax INT${bits} calibrated` });
    await toast.waitFor({ timeout: 600_000 });
    expect(await toast.getAttribute('data-kind')).toBe('ok');
    // MinMax measures no per-layer cosine while calibrating (EQ adds its lowest one)
    expect(await toast.locator('[data-testid=toast-body]').textContent()).toMatch(/^6 images in \d+\.\d s$/);
  }

  it.skipIf(!HAVE_CHROMIUM)('a toast appears when each run finishes; a desktop notification only while the window is unfocused', async () => {
    await c.page.click('[data-testid=nav-calibrate]');
    await setFocused(false);
    await calibrate(8);
    const body = await c.page.locator('[data-testid=toast][data-job=calibration] [data-testid=toast-body]').first().textContent();
    expect(await notes()).toEqual([{ title: 'EasyQuant: MinMax INT8 calibrated', body }]);
    await setFocused(true);
    await calibrate(7);
    expect((await notes()).map((n) => n.title)).toEqual(['EasyQuant: MinMax INT8 calibrated']);
    expect(c.app.service.store.listRuns(projectId()).map((r) => [r.label, r.status])).toEqual([
      ['MinMax INT8', 'done'],
      ['MinMax INT7', 'done'],
    ]);
  });

  it.skipIf(!HAVE_CHROMIUM)("the comparison shows FP32 and both runs with the API's figures and the right deltas", async () => {
    const { page, app } = c;
    await page.click('[data-testid=nav-results]');
    await page.waitForSelector('[data-testid=evaluate]');
    const engine = app.service.engineStatus().native ? 'native' : 'int-ref';
    await page.selectOption('[data-testid=eval-engine]', engine);
    await page.fill('[data-testid=eval-limit]', '20');
    await page.click('[data-testid=evaluate]');
    await page.locator('[data-testid=toast][data-job=evaluation]', { hasText: 'Evaluation finished' }).waitFor({ timeout: 900_000 });
    await page.locator('[data-testid=compare-table]').waitFor();

    const runs = app.service.store.listRuns(projectId());
    const results = app.service.store.listResults(projectId());
    const byRun = (id: string | null) => results.find((r) => r.runId === id)!;
    const cols: EvalResultInfo[] = [byRun(null), byRun(runs[0]!.id), byRun(runs[1]!.id)];
    expect(cols.map((r) => [r.engine, r.images, r.heldOutFrom])).toEqual([
      ['fp32', 20, 6],
      [engine, 20, 6],
      [engine, 20, 6],
    ]);
    expect(await page.locator('[data-testid^=compare-col-]').allTextContents()).toEqual(['FP32baseline', 'MinMax INT8', 'MinMax INT7']);

    const cell = (key: string, i: number) => page.locator(`[data-testid="cmp-${key}-${i}"]`);
    const num = async (key: string, i: number, attr: 'data-value' | 'data-delta') => {
      const v = await cell(key, i).getAttribute(attr);
      return v === '' || v === null ? null : Number(v);
    };
    // what each column shows: the API's figure (FP32 is 1 against itself for agreement and cosine)
    const figure = (r: EvalResultInfo, key: 'top1' | 'top5' | 'agreement' | 'meanCosine') => (r.runId === null && (key === 'agreement' || key === 'meanCosine') ? 1 : r[key]);
    const check = async (baseline: number) => {
      for (const key of ['top1', 'top5', 'agreement', 'meanCosine'] as const) {
        for (let i = 0; i < 3; i++) {
          const v = figure(cols[i]!, key);
          expect(await num(key, i, 'data-value'), `${key} column ${i}`).toBe(v);
          const b = figure(cols[baseline]!, key);
          expect(await num(key, i, 'data-delta'), `${key} delta column ${i}`).toBe(i === baseline || v === null || b === null ? null : v - b);
        }
      }
      const sqnr = (i: number) => cols[i]!.outputs?.prob?.sqnrDb ?? null;
      for (const i of [1, 2]) expect(await num('out:prob:sqnr', i, 'data-value')).toBe(sqnr(i));
      if (baseline !== 0) expect(await num('out:prob:sqnr', 3 - baseline, 'data-delta')).toBe(sqnr(3 - baseline)! - sqnr(baseline)!);
      for (const i of [1, 2]) expect(await num('seconds', i, 'data-value')).toBe(runs[i - 1]!.seconds);
    };
    await check(0);
    // the settings that differ (bits) are marked, the others are not
    await expect.poll(() => page.locator('[data-testid="cmp-row-set:bits"]').getAttribute('class')).toContain('differs');
    expect(await page.locator('[data-testid="cmp-row-set:method"]').getAttribute('class')).not.toContain('differs');
    // INT8 as the baseline
    await page.selectOption('[data-testid=compare-baseline]', runs[0]!.id);
    await check(1);
    const chart = page.locator('[data-testid=compare-chart]');
    expect(await chart.getAttribute('data-points')).toBe('26');
    expect(await chart.getAttribute('data-diffs')).toBe('2');
    await page.locator('[data-testid=compare]').scrollIntoViewIfNeeded();
    await screenshot(page, '11-compare');
  });

  it.skipIf(!HAVE_CHROMIUM)('the flip gallery lists exactly the images whose stored predictions differ, most confident FP32 first', async () => {
    const { page, app } = c;
    const runs = app.service.store.listRuns(projectId());
    // INT7 last: the screenshot shows its flips
    for (const run of runs) {
      await page.selectOption('[data-testid=flips-run]', run.id);
      const result = app.service.store.listResults(projectId()).find((r) => r.runId === run.id)!;
      const stored = app.service.store.resultImages(result.id);
      expect(stored).toHaveLength(20);
      const flipped = stored.filter((p) => p.refClass !== p.qClass).sort((a, b) => b.refProb! - a.refProb! || a.index - b.index);
      // agreement is exactly the share of images that did not flip
      expect(result.agreement).toBeCloseTo(1 - flipped.length / 20, 12);
      const summary = page.locator('[data-testid=flips-summary]');
      await expect.poll(() => summary.textContent()).toContain(`under ${run.label}`);
      expect(await summary.textContent()).toContain(`${flipped.length} of 20 images change their top-1 class under ${run.label}`);
      const items = page.locator('[data-testid=flip-item]');
      expect(await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(flipped.map((p) => p.index));
      if (flipped.length === 0) {
        await page.locator('[data-testid=flips-none]').waitFor();
        continue;
      }
      // class names from labels.tsv (<synset>_<name>.JPEG), probabilities as stored
      const first = flipped[0]!;
      // innerText: the rendered text (a block's leading/trailing template whitespace is not shown)
      const fp = await items.first().locator('[data-testid=flip-fp32]').innerText();
      expect(fp).toBe(`FP32: ${await className(first.refClass!)} ${(first.refProb! * 100).toFixed(1)} %`);
      expect(await items.first().locator('[data-testid=flip-quant]').innerText()).toBe(`${run.label}: ${await className(first.qClass)} ${(first.qProb! * 100).toFixed(1)} %`);
      await items.first().locator('img').waitFor({ timeout: 120_000 });
    }
    await page.locator('[data-testid=flips]').scrollIntoViewIfNeeded();
    await screenshot(page, '12-flips');
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});

/** The readable class name the gallery shows: from ../shared's labels.tsv file names. */
async function className(cls: number): Promise<string> {
  const { readLabels } = await import('../../src-main/io/data/labels.js');
  const row = readLabels(`${IMAGENET_DIR}/labels.tsv`).rows.find((r) => r.classIndex === cls)!;
  return row.file
    .replace(/\.[^.]+$/, '')
    .slice(row.synset!.length + 1)
    .replace(/_/g, ' ');
}
