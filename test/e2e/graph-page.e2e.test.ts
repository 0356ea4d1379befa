/**
 * The Graph page on SqueezeNet 1.1: one drawn node per graph node, FP32 ops grey with their
 * reason, quantized layers coloured after a (quick MinMax) run, and a click on a layer shows its
 * activation and weight histograms with the run's clip ranges and scales. Also the Model page's
 * size card.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readScalesJson } from '../../src-main/io/scales-json.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { CHROMIUM, HAVE_CHROMIUM, openProject, screenshot, startE2e, type E2eContext } from './harness.js';

let c: E2eContext;
let projectId = '';
if (!HAVE_CHROMIUM) console.warn(`[skip] graph-page e2e: no Chromium at ${CHROMIUM}`);

describeShared('Graph page (SqueezeNet 1.1)', () => {
  const graph = loadModel(modelPath('squeezenet1.1')).graph;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    c = await startE2e();
    await openProject(c.page, { name: 'graph', model: modelPath('squeezenet1.1'), data: IMAGENET_DIR, samples: '1000' });
    projectId = c.app.service.listProjects()[0]!.id;
  });
  afterAll(async () => {
    await c?.close();
  });

  it.skipIf(!HAVE_CHROMIUM)('draws every node of the imported graph, FP32 ops grey with their reason', async () => {
    const { page } = c;
    await page.click('[data-testid=nav-graph]');
    const nodes = page.locator('[data-testid=graph-node]');
    await expect.poll(() => nodes.count(), { timeout: 120_000 }).toBe(graph.nodes.length);
    expect(await page.textContent('[data-testid=graph-count]')).toBe(`${graph.nodes.length} nodes`);
    // before any run: no colour source, quantized layers white, FP32 ops grey
    const softmax = graph.nodes.find((n) => n.op === 'Softmax')!.name;
    expect(await page.getAttribute(`[data-testid=graph-node][data-id="${softmax}"]`, 'data-fill')).toBe('#e4e7ec');
    expect(await page.getAttribute(`[data-testid=graph-node][data-id="${graph.nodes[0]!.name}"]`, 'data-fill')).toBe('#ffffff');
    // a click on a node shows why it is (not) quantized
    await page.click(`[data-testid=graph-node][data-id="${graph.nodes[0]!.name}"]`);
    await expect.poll(() => page.textContent('[data-testid=panel-reason]')).toMatch(/^int8 3x3 stride 2; per-channel weights \(64\)/);
    // the last node is far below the first screen: finding it selects it and pans to it
    await page.fill('[data-testid=graph-find]', softmax);
    await page.press('[data-testid=graph-find]', 'Enter');
    await expect.poll(() => page.textContent('[data-testid=panel-reason]')).toMatch(/Softmax is not quantized: runs in FP32/);
    expect(await page.locator(`[data-testid=graph-node][data-id="${softmax}"]`).isVisible()).toBe(true);
    await page.click(`[data-testid=graph-node][data-id="${softmax}"]`);
  });

  it.skipIf(!HAVE_CHROMIUM)('folding FP32 chains draws fewer nodes and says of how many', async () => {
    const { page } = c;
    await page.check('[data-testid=graph-collapse]');
    await expect.poll(() => page.textContent('[data-testid=graph-count]'), { timeout: 120_000 }).toMatch(new RegExp(`nodes \\(of ${graph.nodes.length}\\)$`));
    const folded = await page.locator('[data-testid=graph-node]').count();
    expect(folded).toBeLessThan(graph.nodes.length);
    expect(folded).toBeGreaterThanOrEqual(26);
    await page.uncheck('[data-testid=graph-collapse]');
    await expect.poll(() => page.locator('[data-testid=graph-node]').count(), { timeout: 120_000 }).toBe(graph.nodes.length);
  });

  it.skipIf(!HAVE_CHROMIUM)('after a MinMax run and its evaluation: layers coloured by cosine or SQNR; a click shows histograms and scales', async () => {
    const { page, app } = c;
    app.service.startCalibration(projectId, {
      method: 'minmax',
      bits: 8,
      alpha: 0.5,
      beta: 2,
      steps: 100,
      rounds: 1,
      samplePositions: 64,
      percentile: 99.99,
      calibImages: 8,
      threads: 1,
      strategy: 'grid',
    });
    await app.service.idle();
    const run = app.service.store.listRuns(projectId)[0]!;
    expect(run.status).toBe('done');
    // MinMax measures no per-layer cosine: the evaluation does (8 held-out images)
    const ev = (await app.service.evaluate(projectId, 8)).find((r) => r.runId === run.id)!;
    expect(Object.keys(ev.layerCosine).length).toBe(26);
    await page.reload();
    await page.waitForSelector('[data-testid=graph-node]');
    await expect.poll(() => page.inputValue('[data-testid=graph-source]')).toBe(`eval:${ev.id}`);
    // every quantized layer has a colour from its cosine, FP32 ops stay grey
    const fills = await page.locator('[data-testid=graph-node]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-fill')]));
    const quantized = new Set(Object.keys(ev.layerCosine));
    for (const [id, fill] of fills) expect(fill, id!).toMatch(quantized.has(id!) ? /^hsl\(\d+, 65%, \d+%\)$/ : /^#e4e7ec$/);

    // the fourth layer: fire2's 3x3 expand (one calibration group with its 1x1 sibling)
    const layer = graph.nodes.map((n) => n.name).filter((n) => quantized.has(n))[3]!;
    await page.click(`[data-testid=graph-node][data-id="${layer}"]`);
    await page.waitForSelector('[data-testid=panel-act-hist]', { timeout: 300_000 });
    await page.waitForSelector('[data-testid=panel-weight-hist]');
    const cos = ev.layerCosine[layer]!;
    expect(await page.textContent('[data-testid=panel-metric]')).toBe(`cos ${cos.toFixed(5)}`);
    await page.selectOption('[data-testid=graph-metric]', 'sqnr');
    expect(await page.textContent('[data-testid=panel-metric]')).toBe(`SQNR ${(10 * Math.log10((cos * cos) / (1 - cos * cos))).toFixed(1)} dB`);
    const tables = page.locator('[data-testid=panel-scales]');
    expect(await tables.count()).toBe(1);
    expect(await tables.first().locator('th').textContent()).toBe(run.label);
    // the numbers of the run's scales.json
    const scales = readScalesJson(path.join(run.artifactDir, 'scales.json')).layers.find((l) => l.name === layer)!;
    expect(await tables.first().locator('[data-testid=scale-act]').textContent()).toBe(scales.inputScale.toPrecision(4));
    const ws = [...scales.weightScales].sort((a, b) => a - b);
    expect(await tables.first().locator('[data-testid=scale-weights]').textContent()).toMatch(
      new RegExp(`^${ws[0]!.toPrecision(4)} / [\\d.e+-]+ / ${ws[ws.length - 1]!.toPrecision(4)}$`),
    );
    await screenshot(page, '10-graph');
  });

  it.skipIf(!HAVE_CHROMIUM)('Model page: weights, EQM and peak memory per target', async () => {
    const { page } = c;
    await page.click('[data-testid=nav-model]');
    await page.waitForSelector('[data-testid=size-targets]', { timeout: 120_000 });
    // squeezenet: 1,235,496 float parameters
    expect(await page.textContent('[data-testid=size-fp32]')).toBe('4.71 MiB');
    expect(await page.locator('[data-testid=size-targets] tbody tr td:first-child').allTextContents()).toEqual(['host', 'ARM board']);
  });

  it.skipIf(!HAVE_CHROMIUM)('no uncaught errors in the page', () => {
    expect(c.consoleErrors).toEqual([]);
  });
});
