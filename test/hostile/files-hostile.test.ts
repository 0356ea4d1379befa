/**
 * Hostile traffic at the file routes of a real `easyquant serve` child (EQ_UPLOAD_MAX_MB=1):
 * path traversal in the picker, upload names and download ids; uploads over the limit; uploads
 * cut off mid-body; wrong tokens. After each the server still answers, and nothing was written
 * outside <data>/uploads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortedUpload, batchId, json, req } from '../helpers/http-files.js';
import { call, request, startServe, type Reply, type ServeChild } from './serve-child.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-files-'));
const data = path.join(root, 'data');
let srv: ServeChild;

beforeAll(async () => {
  process.env['EQ_UPLOAD_MAX_MB'] = '1'; // the child inherits it
  srv = await startServe(data);
  delete process.env['EQ_UPLOAD_MAX_MB'];
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function expectAlive(): Promise<void> {
  expect(srv.exitCode(), `server died; stderr:\n${srv.stderr()}`).toBeNull();
  expect(await request(srv, '/api/ping')).toMatchObject({ status: 200 });
}

/** Every file under the temp root that is not inside the data folder's own areas. */
function strayFiles(): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => !f.startsWith('data'));
}

describe('path traversal', () => {
  it('the picker refuses paths outside home, the data folder and EQ_FILE_ROOTS', async () => {
    for (const p of [path.join(data, '..'), `${data}/../../../etc`, '/proc/self', '../', '/etc/passwd']) {
      const r = (await call(srv, 'files.list', { path: p })) as Reply;
      expect(r.status, p).toBe(422);
      expect(JSON.parse(r.body).error.message).toMatch(/outside the folders|not an absolute path/);
    }
    await expectAlive();
  });

  it('upload names and batch ids with .. or absolute paths are refused; nothing lands outside uploads/', async () => {
    const names = ['../../escape.onnx', '/tmp/escape.onnx', 'a/../../../escape', '..', 'a\\..\\..\\x'];
    for (const n of names) {
      const r = await req(srv, `/api/upload?batch=${batchId()}&path=${encodeURIComponent(n)}`, { method: 'POST', body: 'x' });
      expect([422], n).toContain(r.status);
    }
    for (const b of ['../../..', '..%2f..', 'short']) {
      const r = await req(srv, `/api/upload?batch=${encodeURIComponent(b)}&path=x.onnx`, { method: 'POST', body: 'x' });
      expect(r.status, b).toBe(422);
    }
    expect(strayFiles()).toEqual([]);
    await expectAlive();
  });

  it('downloads take ids, not paths: traversal in the query is an unknown id', async () => {
    for (const q of ['runId=../../../../etc/passwd', 'runId=%2e%2e%2f']) {
      expect((await req(srv, `/api/download/run?${q}`)).status, q).toBe(404);
    }
    expect((await req(srv, `/api/download/export?projectId=../..&exportId=../../etc/passwd`)).status).toBe(404);
    await expectAlive();
  });
});

describe('oversized and aborted uploads', () => {
  it('over 1 MiB by content-length and while streaming: 413 with the limit; the server keeps serving', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    for (const chunked of [false, true]) {
      const r = await req(srv, `/api/upload?batch=${batchId()}&path=big.onnx`, { method: 'POST', body: big, chunked });
      expect(r.status).toBe(413);
      expect(json(r).error!.message).toBe('upload is over the 1 MiB limit (EQ_UPLOAD_MAX_MB)');
    }
    await expectAlive();
  });

  it('twenty uploads cut off mid-body leave no file behind and no committable batch', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const b = batchId();
      ids.push(b);
      await abortedUpload(srv, `/api/upload?batch=${b}&path=m${i}.onnx`, 900_000, Buffer.alloc(100_000 + i * 1000, i));
    }
    await expectAlive();
    const incoming = path.join(data, 'uploads', '.incoming');
    const leftover = () =>
      fs.existsSync(incoming) ? (fs.readdirSync(incoming, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((f) => f.name) : [];
    // the server removes a cut-off upload's partial file when it sees the socket close, which on a
    // loaded machine can come a little after the client gave up: wait for it (bounded)
    for (let i = 0; i < 300 && leftover().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftover()).toEqual([]);
    for (const b of ids.slice(0, 3)) expect((await req(srv, `/api/upload/commit?batch=${b}`, { method: 'POST' })).status).toBe(422);
  });
});

describe('wrong token', () => {
  it('uploads, commits, downloads and listings without the right token are 401', async () => {
    const b = batchId();
    for (const token of ['wrong', '', null]) {
      expect((await req(srv, `/api/upload?batch=${b}&path=x.onnx`, { method: 'POST', body: 'x', token })).status).toBe(401);
      expect((await req(srv, `/api/upload/commit?batch=${b}`, { method: 'POST', token })).status).toBe(401);
      expect((await req(srv, `/api/download/run?runId=x`, { token })).status).toBe(401);
      const r = await request({ port: srv.port, token: token ?? '' }, '/api/call', { method: 'POST', body: JSON.stringify({ method: 'files.list', params: {} }) });
      expect(r).toMatchObject({ status: 401 });
    }
    expect(fs.existsSync(path.join(data, 'uploads', '.incoming', b))).toBe(false);
    await expectAlive();
  });
});
