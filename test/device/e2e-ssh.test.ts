/**
 * Acceptance 1 (SSH): SqueezeNet 1.1 INT7 deployed to a simulated aarch64 board over SSH,
 * benchmarked (total and per-layer times, kernel per layer), and run on ImageNet sample images;
 * the board's outputs must be bit-identical to the host's native engine, on cortex-a53 (NEON,
 * no dotprod) and cortex-a76 (dotprod). EQ_DEVICE_IMAGES images (default 50, the acceptance figure).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EvalSet, Variant } from '../../src-main/deploy/prepare.js';
import { DeviceSession } from '../../src-main/deploy/session.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { describeShared } from '../helpers/shared.js';
import { deployBenchAndCheck } from './helpers/e2e.js';
import { ensureRunner } from './helpers/runners.js';
import { DEVICE_IMAGES, squeezenetImages, squeezenetInt7 } from './helpers/squeezenet.js';
import { startSshBoard, type SshBoard } from './helpers/ssh-board.js';
import { scaled } from './helpers/timeouts.js';

describeShared('end to end over SSH: SqueezeNet INT7 on simulated aarch64 boards', () => {
  let variant: Variant;
  let images: EvalSet;
  let home: string;
  beforeAll(async () => {
    ensureRunner('linux-aarch64');
    ensureNativeAddon();
    variant = squeezenetInt7();
    images = await squeezenetImages();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-deployhome-'));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  for (const [cpu, isa] of [
    ['cortex-a53', 'neon'],
    ['cortex-a76', 'dotprod'],
  ] as const) {
    it(`${cpu}: deploy, bench and ${DEVICE_IMAGES} images bit-exact with the host (${isa} path)`, async () => {
      let board: SshBoard | undefined;
      try {
        board = await startSshBoard({ cpu });
        const fingerprints: string[] = [];
        const s = await DeviceSession.open(
          { transport: 'ssh', name: `sq-${cpu}`, host: '127.0.0.1', port: board.port, user: 'root', keyPath: board.keyPath, dir: board.dir, timeoutMs: scaled(20_000) },
          { home, onNewHostKey: (_h, fp) => fingerprints.push(fp) },
        );
        try {
          // trust on first use, with the fingerprint shown
          expect(fingerprints).toHaveLength(1);
          expect(fingerprints[0]).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
          await deployBenchAndCheck(s, { variant, images, isa, boardFile: (r) => r, tag: `e2e-ssh ${cpu}` });
        } finally {
          await s.close();
        }
      } finally {
        await board?.stop();
      }
    });
  }
});
