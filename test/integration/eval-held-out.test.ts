/**
 * Held-out evaluation (the app's default): skipping the first n images gives exactly the
 * held-out figures the CLI's --held-out-from n reports on the same images.
 */
import { expect, it } from 'vitest';
import { runEvaluation } from '../../src-main/pipeline/quantize.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

describeShared('held-out evaluation', () => {
  it('skip n, limit m = the held-out part of the first n+m images', async () => {
    const base = { model: modelPath('mnist'), card: cardPath('mnist'), data: MNIST_DIR, engine: 'fp32' as const };
    const held = await runEvaluation({ ...base, limit: 30, skip: 20 });
    const cli = await runEvaluation({ ...base, limit: 50, heldOutFrom: 20 });
    expect(held.images).toBe(30);
    expect(cli.held_out!.images).toBe(30);
    expect(held.top1).toBe(cli.held_out!.top1);
    expect(held.top5).toBe(cli.held_out!.top5);
    expect(held.predictions).toEqual(cli.predictions.slice(20));
  });

  it('nothing left after the calibration images is a clear error', async () => {
    await expect(runEvaluation({ model: modelPath('mnist'), card: cardPath('mnist'), data: MNIST_DIR, engine: 'fp32', limit: 5, skip: 10000 })).rejects.toThrow(
      /no images left to evaluate \(the dataset has 10000; the first 10000 are calibration images\)/,
    );
  });
});
