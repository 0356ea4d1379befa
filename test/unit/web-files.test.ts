/**
 * Web mode's files: the picker's listing (roots, `..`, symlinks out), uploads (batches, archives,
 * the size limit, aborted requests, the token) and downloads (an export's bytes, a run folder as
 * a zip, Content-Disposition) through a real server on a fresh data folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { writeZip } from '../../src-main/app/zip-folder.js';
import { uploadLimitBytes } from '../../src-main/app/uploads.js';
import type { CalibSettingsForm, FileListing, UploadResult } from '../../src-main/contract/app-types.js';
import { serveApp, type RunningApp } from '../../src-main/server/serve.js';
import { abortedUpload, batchId, json, req, type Target } from '../helpers/http-files.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-files-'));
const dataDir = path.join(tmp, 'data');
const extra = path.join(tmp, 'extra');
const outside = path.join(tmp, 'outside');
let app: RunningApp;
let t: Target;
const saved = { roots: process.env['EQ_FILE_ROOTS'], max: process.env['EQ_UPLOAD_MAX_MB'] };

beforeAll(async () => {
  fs.mkdirSync(path.join(extra, 'models', 'net'), { recursive: true });
  fs.mkdirSync(path.join(extra, 'images'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(extra, 'models', 'net', 'model.onnx'), 'x');
  fs.writeFileSync(path.join(extra, 'models', 'net', 'card.json'), '{}');
  fs.writeFileSync(path.join(extra, 'models', 'net', 'notes.txt'), 'n');
  fs.writeFileSync(path.join(extra, 'images', 'a.jpg'), 'j');
  fs.writeFileSync(path.join(outside, 'secret.onnx'), 's');
  fs.symlinkSync(outside, path.join(extra, 'link-out'));
  process.env['EQ_FILE_ROOTS'] = extra;
  process.env['EQ_UPLOAD_MAX_MB'] = '1';
  app = await serveApp({ dataDir, build: false });
  t = { port: app.server.port, token: app.server.token };
});
afterAll(async () => {
  await app?.close();
  for (const [k, v] of [
    ['EQ_FILE_ROOTS', saved.roots],
    ['EQ_UPLOAD_MAX_MB', saved.max],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const call = async (method: string, params: unknown) =>
  json(await req(t, '/api/call', { method: 'POST', body: JSON.stringify({ method, params }), headers: { 'content-type': 'application/json' } }));
const list = async (p?: string) => (await call('files.list', p === undefined ? {} : { path: p })) as { result?: FileListing; error?: { message: string } };
const incoming = () => path.join(dataDir, 'uploads', '.incoming');
const leftovers = () => (fs.existsSync(incoming()) ? fs.readdirSync(incoming(), { recursive: true }).map(String) : []);

async function upload(files: Record<string, Buffer | string>): Promise<{ status: number; result?: UploadResult; message?: string }> {
  const b = batchId();
  for (const [rel, body] of Object.entries(files)) {
    const r = await req(t, `/api/upload?batch=${b}&path=${encodeURIComponent(rel)}`, { method: 'POST', body });
    if (r.status !== 200) return { status: r.status, message: json(r).error?.message };
  }
  const c = await req(t, `/api/upload/commit?batch=${b}`, { method: 'POST' });
  return { status: c.status, result: json(c).result as UploadResult | undefined, message: json(c).error?.message };
}

describe('file picker listing', () => {
  it('offers home, the data folder and EQ_FILE_ROOTS, and lists models, cards and data folders only', async () => {
    const root = fs.realpathSync(extra);
    const top = (await list(root)).result!;
    expect(top.roots.map((r) => r.path)).toEqual([fs.realpathSync(os.homedir()), fs.realpathSync(dataDir), root]);
    expect(top.parent).toBeNull();
    expect(top.entries.map((e) => [e.name, e.kind, e.dataFolder])).toEqual([
      ['images', 'dir', true],
      ['models', 'dir', false],
    ]); // link-out points outside the roots: not shown
    const net = (await list(path.join(root, 'models', 'net'))).result!;
    expect(net.entries.map((e) => [e.name, e.kind])).toEqual([
      ['card.json', 'card'],
      ['model.onnx', 'model'],
    ]);
    expect(net.parent).toBe(path.join(root, 'models'));
  });

  it('refuses .. out of a root, a symlink pointing outside, relative paths and NUL', async () => {
    const root = fs.realpathSync(extra);
    for (const p of [
      path.join(root, '..', 'outside'),
      `${root}/models/../../outside`,
      path.join(root, 'link-out'),
      path.join(root, 'link-out', 'secret.onnx'),
      'models',
      `${root}/\0`,
      '/etc',
    ]) {
      const r = await list(p);
      expect(r.result, p).toBeUndefined();
      expect(r.error!.message).toMatch(/outside the folders the file picker may show|not an absolute path|NUL/);
    }
  });
});

describe('uploads', () => {
  it('a model and its card arrive whole in uploads/ and the commit names them', async () => {
    const model = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const r = await upload({ 'model.onnx': model, 'card.json': '{"a":1}' });
    expect(r.status, r.message).toBe(200);
    expect(path.dirname(r.result!.dir)).toBe(path.join(dataDir, 'uploads'));
    expect(fs.readFileSync(r.result!.model!).equals(model)).toBe(true);
    expect(r.result!.card).toBe(path.join(r.result!.dir, 'card.json'));
    expect(r.result!.files).toBe(2);
    expect(leftovers()).toEqual([]);
    // the data folder's uploads are browsable with the picker
    const l = (await list(r.result!.dir)).result!;
    expect(l.entries.map((e) => e.kind).sort()).toEqual(['card', 'model']);
  });

  it('a data folder as several files keeps its sub-folders; a .tar and a .zip are unpacked', async () => {
    const many = await upload({ 'imgs/a.jpg': 'a', 'imgs/b.png': 'b', 'imgs/labels.tsv': 'a.jpg\t1\n' });
    expect(many.result!.dataDir).toBe(path.join(many.result!.dir, 'imgs'));

    const src = path.join(tmp, 'tar-src');
    fs.mkdirSync(path.join(src, 'set'), { recursive: true });
    fs.writeFileSync(path.join(src, 'set', 'x.jpg'), 'x');
    const tarFile = path.join(tmp, 'set.tar.gz');
    await tar.c({ file: tarFile, cwd: src, gzip: true }, ['set']);
    const fromTar = await upload({ 'set.tar.gz': fs.readFileSync(tarFile) });
    expect(fromTar.status, fromTar.message).toBe(200);
    expect(fromTar.result!.dataDir).toBe(path.join(fromTar.result!.dir, 'set'));
    expect(fs.readFileSync(path.join(fromTar.result!.dir, 'set', 'x.jpg'), 'utf8')).toBe('x');

    const zipped = await zipOf([{ dir: path.join(src, 'set'), prefix: 'zset' }]);
    const fromZip = await upload({ 'set.zip': zipped });
    expect(fromZip.status, fromZip.message).toBe(200);
    expect(fs.readFileSync(path.join(fromZip.result!.dir, 'zset', 'x.jpg'), 'utf8')).toBe('x');
  });

  it('archive entries that climb out (..) or are links are refused and nothing is written outside', async () => {
    const src = path.join(tmp, 'evil-src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'f.jpg'), 'f');
    const zip = await zipOf([{ dir: src, prefix: '../../escaped' }]);
    const r = await upload({ 'evil.zip': zip });
    expect(r.status).toBe(422);
    expect(r.message).toMatch(/evil\.zip.*(outside|invalid relative path)/);

    fs.symlinkSync('/etc/passwd', path.join(src, 'pw'));
    const tarFile = path.join(tmp, 'evil.tar');
    await tar.c({ file: tarFile, cwd: src }, ['f.jpg', 'pw']);
    const r2 = await upload({ 'evil.tar': fs.readFileSync(tarFile) });
    expect(r2.status).toBe(422);
    expect(r2.message).toMatch(/evil\.tar: entry 'pw' is a SymbolicLink/);
    expect(fs.existsSync(path.join(dataDir, 'escaped'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'uploads', '..', '..', 'escaped'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('file names with .., absolute paths or backslashes are refused', async () => {
    for (const p of ['../x.onnx', '/abs.onnx', 'a/../../x', 'a\\b', '', 'a//b']) {
      const r = await req(t, `/api/upload?batch=${batchId()}&path=${encodeURIComponent(p)}`, { method: 'POST', body: 'x' });
      expect(r.status, p).toBe(422);
      expect(json(r).error!.message).toMatch(/not an acceptable file name/);
    }
    const r = await req(t, `/api/upload?batch=../../x&path=a`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(422);
    expect(fs.existsSync(path.join(dataDir, 'x'))).toBe(false);
  });

  it('over the limit: 413 naming the limit, by content-length or while streaming; nothing kept', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 7);
    const a = await req(t, `/api/upload?batch=${batchId()}&path=big.onnx`, { method: 'POST', body: big });
    expect(a.status).toBe(413);
    expect(json(a).error!.message).toBe('upload is over the 1 MiB limit (EQ_UPLOAD_MAX_MB)');
    const b = await req(t, `/api/upload?batch=${batchId()}&path=big.onnx`, { method: 'POST', body: big, chunked: true });
    expect(b.status).toBe(413);
    expect(json(b).error!.message).toMatch(/1 MiB limit/);
    expect(leftovers().filter((f) => !fs.statSync(path.join(incoming(), f)).isDirectory())).toEqual([]);
  });

  it('an aborted upload leaves no file, and its batch cannot be committed', async () => {
    const b = batchId();
    await abortedUpload(t, `/api/upload?batch=${b}&path=model.onnx`, 500_000, Buffer.alloc(200_000, 1));
    for (let i = 0; i < 50 && leftovers().some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(leftovers().filter((f) => f.includes('model.onnx'))).toEqual([]);
    const c = await req(t, `/api/upload/commit?batch=${b}`, { method: 'POST' });
    expect(c.status).toBe(422);
    expect(fs.readdirSync(path.join(dataDir, 'uploads')).filter((n) => n.includes(b))).toEqual([]);
  });

  it('a wrong or missing token gets 401 and writes nothing', async () => {
    const b = batchId();
    for (const token of ['wrong', null]) {
      const r = await req(t, `/api/upload?batch=${b}&path=m.onnx`, { method: 'POST', body: 'x', token });
      expect(r.status).toBe(401);
    }
    expect(fs.existsSync(path.join(incoming(), b))).toBe(false);
    expect((await req(t, `/api/download/run?runId=x`, { token: 'nope' })).status).toBe(401);
  });
});

describe('upload limit setting', () => {
  it('EQ_UPLOAD_MAX_MB: default 2048 MiB, fractions allowed, nonsense refused with the value', () => {
    expect(uploadLimitBytes({})).toBe(2048 * 2 ** 20);
    expect(uploadLimitBytes({ EQ_UPLOAD_MAX_MB: '0.5' })).toBe(2 ** 19);
    for (const v of ['0', '-1', 'lots']) expect(() => uploadLimitBytes({ EQ_UPLOAD_MAX_MB: v })).toThrow(`EQ_UPLOAD_MAX_MB must be a positive number of MiB (got '${v}')`);
  });
});

describe('downloads', () => {
  const settings: CalibSettingsForm = { method: 'minmax', bits: 8, alpha: 0.5, beta: 2, steps: 10, rounds: 1, samplePositions: 0, percentile: 99.99, calibImages: 1, threads: 1 };
  let projectId = '';
  let runId = '';

  beforeAll(() => {
    const store = app.service.store;
    const p = store.createProject('dl test');
    projectId = p.id;
    const runDir = path.join(p.folder, 'runs', 'imported');
    fs.mkdirSync(path.join(runDir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(runDir, 'scales.json'), '{"bits":8}');
    fs.writeFileSync(path.join(runDir, 'sub', 'log.txt'), 'hello '.repeat(1000));
    runId = store.importRun(projectId, settings, runDir, 1).id;
    const ex = store.exportDir(projectId, runId);
    fs.mkdirSync(ex, { recursive: true });
    fs.writeFileSync(path.join(ex, 'scales.json'), '{"bits":8,"x":1}');
    fs.writeFileSync(path.join(ex, 'model.eqm'), Buffer.from([0, 1, 2, 255]));
    store.saveExports(projectId, runId, { scales: path.join(ex, 'scales.json'), eqm: path.join(ex, 'model.eqm') });
  });

  it('an export comes back byte for byte with its file name', async () => {
    for (const x of app.service.store.listExports(projectId)) {
      const r = await req(t, `/api/download/export?projectId=${projectId}&exportId=${x.id}`);
      expect(r.status).toBe(200);
      expect(r.body.equals(fs.readFileSync(x.path))).toBe(true);
      expect(r.headers['content-disposition']).toBe(`attachment; filename="${path.basename(x.path)}"; filename*=UTF-8''${path.basename(x.path)}`);
    }
  });

  it('a run folder comes back as a zip with the run files and its exports', async () => {
    const r = await req(t, `/api/download/run?runId=${runId}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="dl_test-MinMax[^"]*\.zip"/);
    const files = await unzipToMap(r.body);
    expect(Object.keys(files).sort()).toEqual(['exports/model.eqm', 'exports/scales.json', 'run/scales.json', 'run/sub/log.txt']);
    expect(files['run/sub/log.txt']!.toString()).toBe('hello '.repeat(1000));
    expect(files['exports/model.eqm']!.equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
  });

  it('unknown ids are 404; an export recorded outside the data folder is refused', async () => {
    expect((await req(t, `/api/download/export?projectId=${projectId}&exportId=nope`)).status).toBe(404);
    expect((await req(t, `/api/download/run?runId=../../etc`)).status).toBe(404);
    const store = app.service.store;
    fs.writeFileSync(path.join(outside, 'scales.json'), 'secret');
    const [x] = store.saveExports(projectId, runId, { scales: path.join(outside, 'scales.json') });
    const r = await req(t, `/api/download/export?projectId=${projectId}&exportId=${x!.id}`);
    expect(r.status).toBe(422);
    expect(json(r).error!.message).toMatch(/outside the data folder/);
  });
});

async function zipOf(sources: { dir: string; prefix: string }[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const { Writable } = await import('node:stream');
  const w = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
  await writeZip(sources, w);
  return Buffer.concat(chunks);
}

function unzipToMap(buf: Buffer): Promise<Record<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (e, zip) => {
      if (e) return reject(e);
      const out: Record<string, Buffer> = {};
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (err, rs) => {
          if (err) return reject(err);
          const parts: Buffer[] = [];
          (rs as Readable)
            .on('data', (d: Buffer) => parts.push(d))
            .on('end', () => {
              out[entry.fileName] = Buffer.concat(parts);
              zip.readEntry();
            });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}
