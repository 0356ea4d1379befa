/**
 * Cancelling an EQ calibration in the middle of a layer (the service call the CLI's Ctrl-C
 * and the GUI use): the run stops inside the running native search instead of finishing
 * the layer, rejects with "calibration cancelled", and leaves no output directory and no
 * temporary sibling. The stop latency is printed (the 1 s
 * figure is measured by `npm run bench:calib`; tests carry no wall-clock limits).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src-main/core/calib/progress.js';
import { synthModel } from '../../src-main/core/synth/index.js';
import { runCalibration } from '../../src-main/pipeline/quantize.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { describeShared, IMAGENET_DIR } from '../helpers/shared.js';

let tmp = '';
beforeAll(() => {
  ensureNativeAddon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cancel-'));
}, 20 * 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describeShared('EQ calibration: cancel during a layer', () => {
  it(
    'stops inside the layer, rejects, leaves no partial output',
    async () => {
      const model = path.join(tmp, 'resnet18-64.onnx');
      fs.writeFileSync(model, synthModel({ arch: 'resnet18', size: 64, seed: 3 }));
      const out = path.join(tmp, 'out');
      const events: ProgressEvent[] = [];
      let stopAt = 0;
      let eventsAfterStop = 0;
      const run = runCalibration(
        {
          model,
          data: IMAGENET_DIR,
          preprocess: {
            resize: { mode: 'stretch', width: 64, height: 64 },
            channelOrder: 'RGB',
            scale: 1 / 255,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
            layout: 'NCHW',
          },
          settings: { method: 'eq', bits: 8, accel: 'native', threads: 2, checkpoint: `${out}.eq-checkpoint.json` },
          calibImages: 8,
          out,
        },
        (e) => {
          events.push(e);
          if (stopAt) eventsAfterStop++;
          // the third group has finished its weight search: its activation search starts now
          else if (e.stage === 'search' && e.phase === 'weights' && e.index === 3) stopAt = performance.now();
        },
        () => stopAt > 0,
      );
      await expect(run).rejects.toThrow('calibration cancelled');
      const latencyMs = performance.now() - stopAt;
      console.log(`cancel latency: ${latencyMs.toFixed(0)} ms (machine load ${os.loadavg()[0]!.toFixed(1)})`);
      expect(stopAt).toBeGreaterThan(0);
      // the run stopped inside group 3: nothing after it was reported (an event of group 3 itself
      // may already be on its way when the flag is set), and group 3 never reached the checkpoint
      console.log(`events after the cancel request: ${eventsAfterStop}`);
      expect(events.some((e) => e.stage === 'search' && (e.index ?? 0) > 3)).toBe(false);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(tmp).filter((n) => n.startsWith('.out.tmp-'))).toEqual([]);
      // the finished groups stay in the checkpoint, ready for --resume
      const c = JSON.parse(fs.readFileSync(`${out}.eq-checkpoint.json`, 'utf8')) as { groups: unknown[] };
      expect(c.groups.length).toBe(2);
    },
    30 * 60_000,
  );
});

describeShared('EQ calibration: cancel during a layer of the TypeScript search', () => {
  it(
    'the TypeScript search yields and stops inside the activation search instead of finishing the layer',
    async () => {
      const model = path.join(tmp, 'resnet18-64-ts.onnx');
      fs.writeFileSync(model, synthModel({ arch: 'resnet18', size: 64, seed: 3 }));
      const out = path.join(tmp, 'out-ts');
      const events: ProgressEvent[] = [];
      let stopAt = 0;
      const run = runCalibration(
        {
          model,
          data: IMAGENET_DIR,
          preprocess: {
            resize: { mode: 'stretch', width: 64, height: 64 },
            channelOrder: 'RGB',
            scale: 1 / 255,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
            layout: 'NCHW',
          },
          settings: { method: 'eq', bits: 8, accel: 'ts', steps: 40 },
          calibImages: 4,
          out,
        },
        (e) => {
          events.push(e);
          // group 2's weight search is done: cancel while its activation search runs
          if (!stopAt && e.stage === 'search' && e.phase === 'weights' && e.index === 2) stopAt = performance.now();
        },
        () => stopAt > 0,
      );
      await expect(run).rejects.toThrow('calibration cancelled');
      console.log(`TypeScript search cancel latency: ${(performance.now() - stopAt).toFixed(0)} ms (machine load ${os.loadavg()[0]!.toFixed(1)})`);
      expect(stopAt).toBeGreaterThan(0);
      // before, the TypeScript search ran the whole activation search of group 2 (and reported it)
      expect(events.some((e) => e.stage === 'search' && e.index === 2 && e.phase === 'activations')).toBe(false);
      expect(fs.existsSync(out)).toBe(false);
    },
    30 * 60_000,
  );
});
