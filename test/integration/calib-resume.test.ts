/**
 * Checkpoint / --resume of the EQ calibration, through the CLI in child processes:
 *  - a run killed with SIGKILL in the middle of layer 1, 2 and 3 and resumed with --resume
 *    ends with a scale table bitwise equal to an uninterrupted run's;
 *  - a damaged checkpoint (bad checksum, not JSON) is reported with a clear message and the
 *    run starts over (nothing of it is reused), again ending with the same scales.
 * MNIST (3 quantized layers), 20 calibration images, the paper's EQ settings. The killed runs
 * use the TypeScript scoring (slow enough to be killed mid-layer); the resumed ones use
 * the default engine (native when built): the two give identical scales.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureNativeAddon } from '../helpers/native.js';
import { cardPath, describeShared, MNIST_DIR, modelPath, PROJECT_ROOT } from '../helpers/shared.js';

const CLI = path.join(PROJECT_ROOT, 'bin', 'easyquant.mjs');
let tmp = '';

beforeAll(() => {
  ensureNativeAddon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-resume-'));
}, 20 * 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Runs `calibrate`; with killAt, sends SIGKILL when group killAt's weight phase is reported (mid-layer). */
function calibrate(out: string, extra: string[], killAt?: number): Promise<Run> {
  const args = [
    CLI,
    'calibrate',
    '--model',
    modelPath('mnist'),
    '--card',
    cardPath('mnist'),
    '--data',
    MNIST_DIR,
    '--calib',
    '20',
    '--method',
    'eq',
    '--bits',
    '8',
    '--out',
    out,
    '--progress-json',
    '--json',
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killAt === undefined) return;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const e = JSON.parse(line) as { stage: string; phase?: string; index: number };
          if (e.stage === 'search' && e.phase === 'weights' && e.index === killAt) p.kill('SIGKILL');
        } catch {
          /* partial line */
        }
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
}

/** The decided part of scales.json (everything but the creation time). */
function decided(dir: string): string {
  const t = JSON.parse(fs.readFileSync(path.join(dir, 'scales.json'), 'utf8')) as Record<string, unknown>;
  delete t['created_at'];
  return JSON.stringify(t);
}

const ckpt = (out: string) => `${path.resolve(out)}.eq-checkpoint.json`;

describeShared('EQ calibration: checkpoint and --resume', () => {
  let reference = '';

  it(
    'uninterrupted run (reference); its checkpoint is removed at the end',
    async () => {
      const out = path.join(tmp, 'ref');
      const r = await calibrate(out, []);
      expect(r.code, r.stderr).toBe(0);
      reference = decided(out);
      expect(fs.existsSync(ckpt(out))).toBe(false);
    },
    30 * 60_000,
  );

  for (const layer of [1, 2, 3]) {
    it(
      `SIGKILL in the middle of layer ${layer}, then --resume: bitwise the same scales`,
      async () => {
        expect(reference).not.toBe('');
        const out = path.join(tmp, `kill${layer}`);
        const killed = await calibrate(out, ['--accel', 'ts'], layer);
        expect(killed.signal).toBe('SIGKILL');
        expect(fs.existsSync(out)).toBe(false);
        // the layers finished before the kill are in the checkpoint (none for layer 1)
        if (layer > 1) {
          const c = JSON.parse(fs.readFileSync(ckpt(out), 'utf8')) as { groups: unknown[] };
          expect(c.groups.length).toBe(layer - 1);
        }
        const resumed = await calibrate(out, ['--resume']);
        expect(resumed.code, resumed.stderr).toBe(0);
        if (layer > 1) expect(resumed.stderr).toContain(`${layer - 1} of 3 layer groups already decided`);
        expect(decided(out)).toBe(reference);
        expect(fs.existsSync(ckpt(out))).toBe(false);
      },
      30 * 60_000,
    );
  }

  for (const damage of ['checksum', 'garbage'] as const) {
    it(
      `a damaged checkpoint (${damage}) is rejected with a clear message and the run starts over`,
      async () => {
        const out = path.join(tmp, `bad-${damage}`);
        const killed = await calibrate(out, ['--accel', 'ts'], 3);
        expect(killed.signal).toBe('SIGKILL');
        const file = ckpt(out);
        const text = fs.readFileSync(file, 'utf8');
        if (damage === 'checksum') {
          // a plausible but wrong scale: valid JSON, so only the checksum can tell
          const c = JSON.parse(text) as { groups: { aScale: number }[] };
          c.groups[0]!.aScale *= 1.5;
          fs.writeFileSync(file, JSON.stringify(c));
        } else {
          fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
        }
        const resumed = await calibrate(out, ['--resume']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stderr).toMatch(/checkpoint .* is corrupted \((content does not match its SHA-256|not valid JSON).*\); ignoring it and starting over/);
        expect(resumed.stderr).not.toContain('already decided');
        expect(decided(out)).toBe(reference);
      },
      30 * 60_000,
    );
  }
});
