/** The end-to-end check shared by the SSH and serial tests: deploy, probe, bench, accuracy. */
import fs from 'node:fs';
import { expect } from 'vitest';
import { accuracy, bench, deployModel, probe } from '../../../src-main/deploy/operations.js';
import type { EvalSet, Variant } from '../../../src-main/deploy/prepare.js';
import type { DeviceSession } from '../../../src-main/deploy/session.js';

export async function deployBenchAndCheck(
  s: DeviceSession,
  a: { variant: Variant; images: EvalSet; isa: 'neon' | 'dotprod'; boardFile: (remote: string) => string; tag: string },
): Promise<void> {
  const t0 = Date.now();
  expect((await probe(s, { withInfo: false })).machine).toBe('aarch64');
  const dep = await deployModel(s, { eqm: a.variant.eqm, scales: a.variant.scales });
  const pushedAt = Date.now();
  expect(dep.model.sent).toBe(a.variant.eqm.length);
  expect(fs.readFileSync(a.boardFile(dep.remoteModel)).equals(a.variant.eqm)).toBe(true);
  expect(fs.readFileSync(a.boardFile(dep.scales!.remote)).equals(a.variant.scales!)).toBe(true);
  const info = (await probe(s)).info!;
  expect(info.arch).toBe('aarch64');
  expect(info.isa).toBe(a.isa);
  expect((info.features as string[]).includes('asimddp')).toBe(a.isa === 'dotprod');
  // a second deploy sends nothing: the cache and the board's sha256 agree
  const again = await deployModel(s, { eqm: a.variant.eqm, scales: a.variant.scales });
  expect([again.runner?.cached ?? true, again.model.cached, again.scales!.cached]).toEqual([true, true, true]);
  const b = await bench(s, dep.remoteModel, { warmup: 0, runs: 2, threads: 2 });
  const benchedAt = Date.now();
  expect(b.isa).toBe(a.isa);
  expect(b.latencyMs.min).toBeGreaterThan(0);
  expect(b.latencyMs.min).toBeLessThanOrEqual(b.latencyMs.median);
  expect(b.latencyMs.median).toBeLessThanOrEqual(b.latencyMs.p90);
  expect(b.latencyMs.p90).toBeLessThanOrEqual(b.latencyMs.max);
  const convs = b.layers.filter((l) => l.kind === 'qlinear');
  expect(convs.length).toBe(26); // SqueezeNet 1.1: 26 convolutions
  for (const l of convs) {
    expect(l.kernel).toMatch(/neon|dotprod/); // an ARM SIMD kernel for every convolution
    expect(l.ms).toBeGreaterThan(0);
  }
  // dispatch: dotprod kernels only where the CPU has them (the autotuner may still pick a NEON
  // Winograd kernel for some layers of a dotprod CPU)
  expect(convs.some((l) => l.kernel?.includes('dotprod'))).toBe(a.isa === 'dotprod');
  const acc = await accuracy(s, {
    eqm: a.variant.eqm,
    remoteModel: dep.remoteModel,
    samples: a.images.samples,
    dims: a.images.dims,
    labels: a.images.labels,
    outputIndex: a.images.outputIndex,
    labelOffset: a.images.labelOffset,
  });
  const n = a.images.samples.length;
  console.log(
    `[${a.tag}] ${acc.images} images: bit-exact ${acc.bitExact}/${n}, agreement ${acc.agreement}, top-1 ${acc.top1}; ` +
      `push ${((pushedAt - t0) / 1000).toFixed(1)} s, bench ${((benchedAt - pushedAt) / 1000).toFixed(1)} s (median ${b.latencyMs.median.toFixed(0)} ms under qemu), ` +
      `accuracy run ${((Date.now() - benchedAt) / 1000).toFixed(1)} s`,
  );
  expect(acc.images).toBe(n);
  expect(acc.firstMismatch).toBeNull();
  expect(acc.bitExact).toBe(n);
  expect(acc.agreement).toBe(1);
  expect(acc.top1).not.toBeNull();
}
