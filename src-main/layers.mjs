// The layers of src-main, lowest first. A file may import its own layer and the layers listed
// before it, never one after it (eslint.config.js turns this into no-restricted-imports rules;
// test/unit/architecture.test.ts also checks it on the real import graph, with zero cycles).
//   contract  zod schemas and the types the main process, workers and the renderer share
//   core      pure computation: bytes and arrays in and out (no fs, no addon, no onnxruntime)
//   io        files: datasets, cards, model files, scale tables, checkpoints, atomic writes
//   engines   onnxruntime reference, the native addon, evaluation engines, FP32 capture
//   store     SQLite: one repository module per table
//   pipeline  file-level operations: prepare model and data, calibrate, evaluate, compile, export
//   deploy    boards: transports, sessions, push, profile
//   demo      the embedded demo
//   app       services per concern, jobs and workers (one typed API for every adapter)
//   server, electron, cli   thin adapters
export const LAYERS = ['contract', 'core', 'io', 'engines', 'store', 'pipeline', 'deploy', 'demo', 'app', 'server', 'electron', 'cli'];

/** Adapters reach the app, the file-level operations and the contracts, never storage or computation directly. */
export const ADAPTERS = ['server', 'electron', 'cli'];
const ADAPTER_FORBIDDEN = ['core', 'io', 'engines', 'store'];

/** Modules core may not import: it must run anywhere, on bytes and arrays. */
export const CORE_FORBIDDEN_MODULES = [
  'node:fs',
  'node:fs/promises',
  'fs',
  'node:os',
  'node:path',
  'node:child_process',
  'node:worker_threads',
  'node:net',
  'onnxruntime-node',
  'sharp',
  'better-sqlite3',
  'ssh2',
  'serialport',
  'ws',
  'electron',
];

/** The layers `layer` may not import. */
export function forbiddenFor(layer) {
  const rank = LAYERS.indexOf(layer);
  const higher = LAYERS.filter((l, i) => i > rank);
  const out = new Set(higher);
  if (ADAPTERS.includes(layer)) {
    for (const l of ADAPTER_FORBIDDEN) out.add(l);
    // adapters do not import each other, except the CLI starting the web server (`easyquant serve`)
    for (const a of ADAPTERS) if (a !== layer && !(layer === 'cli' && a === 'server')) out.add(a);
  }
  out.delete(layer);
  return [...out];
}
