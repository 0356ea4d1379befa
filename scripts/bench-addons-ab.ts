/**
 * In-process A/B of two builds of the native addon: both .node files are loaded into this one
 * process (each keeps its own copy of the runtime), and every round runs a 1-thread and a
 * 2-thread session of each build on the same EQM, in rotating order, with an optional cache
 * thrash before every run (as `npm run bench` leaves caches: other engines run in between).
 * Machine load then hits both builds alike, and the report gives per-round ratios: each
 * build's 2-thread speed-up, and B against A at 1 and 2 threads (> 1: B faster).
 *
 * On a shared VM the 2-thread speed-up of one build moves by ±20 % within minutes
 * (docs/results/runtime.md, 2026-12-06); only such interleaved A/B runs separate a change from that.
 *
 *   cp native/build/Release/eqm_native.node /tmp/a.node   # before the change
 *   npm run build:native                                   # after it
 *   node --import tsx scripts/bench-addons-ab.ts --eqm /tmp/eq-bench-runtime/resnet18-int7.eqm \
 *        --a /tmp/a.node --b native/build/Release/eqm_native.node [--rounds 300] [--thrash-mb 8] [--repeat 3]
 *
 * (`npm run bench` leaves the .eqm files in its --work directory, /tmp/eq-bench-runtime by default.)
 *
 * A/B of a run-time setting instead of two builds: `--b-env NAME=VALUE` (without --b) loads B's
 * sessions from A's addon with that environment variable set while they are created (the
 * runtime reads its EQ_* settings when a session is made), e.g. `--b-env EQ_CONV_ALGO=gemm`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NativeSession, type NativeAddon } from '../src-main/engines/native/native-runtime.js';
import { opt } from './bench-args.js';

const eqm = opt('eqm', '');
const fileA = opt('a', '');
const fileB = opt('b', '');
const bEnv = opt('b-env', '');
if (!eqm || !fileA || (!fileB && !bEnv)) throw new Error('bench-addons-ab: --eqm, --a and --b (or --b-env) are required (see the header of scripts/bench-addons-ab.ts)');
if (fileB && bEnv) throw new Error('bench-addons-ab: give --b or --b-env, not both');
const [envName, envValue] = bEnv ? [bEnv.slice(0, bEnv.indexOf('=')), bEnv.slice(bEnv.indexOf('=') + 1)] : ['', ''];
if (bEnv && !/^[A-Z0-9_]+$/.test(envName)) throw new Error(`bench-addons-ab: --b-env wants NAME=VALUE, got '${bEnv}'`);
const rounds = Number(opt('rounds', '300'));
const thrashMb = Number(opt('thrash-mb', '8'));
const repeat = Number(opt('repeat', '1'));
const warmup = 5;

const require = createRequire(import.meta.url);
const bytes = fs.readFileSync(eqm);
const addonA = require(path.resolve(fileA)) as NativeAddon;
const addonB = fileB ? (require(path.resolve(fileB)) as NativeAddon) : addonA;
if (fileB && addonA === addonB) throw new Error('bench-addons-ab: --a and --b are the same file');
const session = (addon: NativeAddon, threads: number) => new NativeSession(addon, addon.loadModel(bytes, { threads }));
const sessionB = (threads: number) => {
  if (!bEnv) return session(addonB, threads);
  const before = process.env[envName];
  process.env[envName] = envValue;
  try {
    return session(addonB, threads);
  } finally {
    if (before === undefined) delete process.env[envName];
    else process.env[envName] = before;
  }
};
const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;

for (let rep = 0; rep < repeat; rep++) {
  const sessions = { A1: session(addonA, 1), A2: session(addonA, 2), B1: sessionB(1), B2: sessionB(2) };
  type Name = keyof typeof sessions;
  const names = Object.keys(sessions) as Name[];
  const dims = sessions.A1.info.input.dims;
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 7919) % 255) / 255);
  const thrash = new Float64Array((thrashMb * (1 << 20)) / 8);
  const ms: Record<Name, number[]> = { A1: [], A2: [], B1: [], B2: [] };
  for (let r = 0; r < rounds + warmup; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length]!;
      for (let j = 0; j < thrash.length; j += 8) thrash[j]! += 1; // one write per 64-byte line
      const t0 = performance.now();
      sessions[n].run(x, dims);
      if (r >= warmup) ms[n].push(performance.now() - t0);
    }
  }
  const ratio = (base: Name, cand: Name) => median(ms[base].map((v, i) => v / ms[cand][i]!));
  console.log(
    `${path.basename(eqm)} (${rounds} rounds, ${thrashMb} MB thrash): ` +
      `A 1T ${median(ms.A1).toFixed(3)} 2T ${median(ms.A2).toFixed(3)} ms (2T/1T ${ratio('A1', 'A2').toFixed(2)}×) | ` +
      `B 1T ${median(ms.B1).toFixed(3)} 2T ${median(ms.B2).toFixed(3)} ms (2T/1T ${ratio('B1', 'B2').toFixed(2)}×) | ` +
      `B vs A: 1T ${ratio('A1', 'B1').toFixed(3)}×, 2T ${ratio('A2', 'B2').toFixed(3)}×`,
  );
}
