/**
 * Acceptance 1 (serial): as e2e-ssh, over a socat pty pair with `eqrun agent` under
 * qemu-aarch64-static on the board end; cortex-a53 (NEON) and cortex-a76 (dotprod).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import type { EvalSet, Variant } from '../../src-main/deploy/prepare.js';
import { DeviceSession } from '../../src-main/deploy/session.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { describeShared } from '../helpers/shared.js';
import { deployBenchAndCheck } from './helpers/e2e.js';
import { ensureRunner } from './helpers/runners.js';
import { startSerialBoard, type SerialBoard } from './helpers/serial-board.js';
import { scaled } from './helpers/timeouts.js';
import { DEVICE_IMAGES, squeezenetImages, squeezenetInt7 } from './helpers/squeezenet.js';

describeShared('end to end over serial: SqueezeNet INT7 on simulated aarch64 boards', () => {
  let variant: Variant;
  let images: EvalSet;
  let home: string;
  let runner: string;
  beforeAll(async () => {
    runner = ensureRunner('linux-aarch64');
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
      let board: SerialBoard | undefined;
      try {
        board = await startSerialBoard({ cpu, runner });
        const s = await DeviceSession.open({ transport: 'serial', name: `sq-${cpu}`, path: board.hostPath, baud: 115200, dir: 'eq', timeoutMs: scaled(20_000) }, { home });
        const root = board.root;
        try {
          await deployBenchAndCheck(s, { variant, images, isa, boardFile: (r) => path.join(root, r), tag: `e2e-serial ${cpu}` });
        } finally {
          await s.close();
        }
      } finally {
        await board?.stop();
      }
    });
  }
});
