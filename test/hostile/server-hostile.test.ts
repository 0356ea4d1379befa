/**
 * Hostile traffic against a real `easyquant serve` child: WebSocket frames over the 4 MiB limit
 * (one frame, a declared length, fragments), text frames with invalid UTF-8, HTTP bodies over
 * the limit (with and without content-length), and calls on unknown runs. After each, the
 * server must still be running and answer an authenticated request; the offending WebSocket is
 * closed with the proper close code (1009 too big, 1007 invalid UTF-8), others keep working.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../src-main/app/dispatch.js';
import { AppService } from '../../src-main/app/app-service.js';
import { call, request, startServe, type Reply, type ServeChild } from './serve-child.js';

const MiB = 1024 * 1024;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-srv-'));
let srv: ServeChild;
/** requests and frames sent at the server by this file (hostile and checks) */
let sent = 0;

beforeAll(async () => {
  srv = await startServe(path.join(root, 'data'));
});
afterAll(async () => {
  const alive = await request(srv, '/api/ping');
  const crashed = srv.exitCode() !== null || !('status' in alive);
  console.log(`[hostile] server: ${sent} requests/frames sent, crashes: ${crashed ? 1 : 0}`);
  await srv?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function expectAlive(): Promise<void> {
  sent++;
  const r = await request(srv, '/api/ping');
  expect(srv.exitCode(), `server died; stderr:\n${srv.stderr()}`).toBeNull();
  expect(r).toMatchObject({ status: 200 });
  sent++;
  const c = (await call(srv, 'projects.list', {})) as Reply;
  expect(c.status).toBe(200);
}

/** A client frame (masked, as RFC 6455 requires); `declared` lies about the payload length. */
function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; declared?: number; rsv?: number; masked?: boolean } = {}): Buffer {
  const len = opts.declared ?? payload.length;
  const m = opts.masked === false ? 0 : 0x80;
  const head: number[] = [(opts.fin === false ? 0 : 0x80) | ((opts.rsv ?? 0) << 4) | opcode];
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(m | 127, ...b);
  }
  if (!m) return Buffer.concat([Buffer.from(head), payload]);
  const mask = crypto.randomBytes(4);
  const body = Buffer.from(payload.map((x, i) => x ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** Deterministic bytes for the bounded fuzz loops (mulberry32). */
function prng(seed: number): (n: number) => Buffer {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
}

/** Handshake on a bare socket, write the frames, and return the close code the server sends. */
function rawWs(frames: Buffer[], opts: { end?: boolean } = {}): Promise<{ closeCode: number | null }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    s.on('connect', () => {
      sent++;
      s.write(
        `GET /api/ws?token=${srv.token} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        for (const f of frames) {
          sent++;
          s.write(f);
        }
        if (opts.end) s.end(); // a frame may wait for bytes that never come: hang up
      }
    });
    s.on('error', () => {}); // the server may reset after closing; the close frame is what counts
    s.on('close', () => {
      // first server frame: unmasked, 0x88 = close, then a 2-byte code
      const closeCode = buf.length >= 4 && buf[0] === 0x88 ? buf.readUInt16BE(2) : null;
      resolve({ closeCode });
    });
  });
}

function openWs(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    sent++;
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/ws?token=${srv.token}`);
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

function closeCodeOf(ws: WebSocket, data: Buffer | string, binary = false): Promise<number> {
  return new Promise((resolve) => {
    ws.on('error', () => {});
    ws.on('close', (code) => resolve(code));
    sent++;
    ws.send(data, { binary });
  });
}

function wsCall(ws: WebSocket, id: number, method: string): Promise<{ id: number; ok: boolean }> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d)) as { id: number; ok: boolean };
      if (m.id === id) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
    sent++;
    ws.send(JSON.stringify({ id, method, params: {} }));
  });
}

describe('hostile WebSocket frames', () => {
  let bystander: WebSocket;
  beforeAll(async () => {
    bystander = await openWs();
  });
  afterAll(() => bystander.close());

  it('a frame declaring more than 4 MiB closes that connection with 1009; the server keeps serving', async () => {
    const r = await rawWs([frame(0x1, Buffer.from('{"id":1'), { declared: 5 * MiB })]);
    expect(r.closeCode).toBe(1009);
    await expectAlive();
  });

  it('a real 5 MiB text message from a client closes it with 1009', async () => {
    const ws = await openWs();
    expect(await closeCodeOf(ws, 'x'.repeat(5 * MiB))).toBe(1009);
    await expectAlive();
  });

  it('fragments adding up to more than 4 MiB close the connection with 1009', async () => {
    const part = Buffer.alloc(3 * MiB, 0x61);
    const r = await rawWs([frame(0x1, part, { fin: false }), frame(0x0, part)]);
    expect(r.closeCode).toBe(1009);
    await expectAlive();
  });

  it('a text frame with invalid UTF-8 closes that connection with 1007 (ws client, binary:false)', async () => {
    const ws = await openWs();
    expect(await closeCodeOf(ws, Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]), false)).toBe(1007);
    await expectAlive();
  });

  it('a raw text frame with invalid UTF-8 closes that connection with 1007', async () => {
    const r = await rawWs([frame(0x1, Buffer.from([0xed, 0xa0, 0x80]))]);
    expect(r.closeCode).toBe(1007);
    await expectAlive();
  });

  it('a client that resets mid-frame does not take the server down', async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: srv.port }, () => {
        sent++;
        s.write(
          `GET /api/ws?token=${srv.token} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        s.once('data', () => {
          sent++;
          s.write(frame(0x1, Buffer.alloc(1000, 0x61)).subarray(0, 300));
          s.resetAndDestroy();
          resolve();
        });
      });
      s.on('error', () => {});
      s.on('close', () => resolve());
    });
    await expectAlive();
  });

  const violations: [string, Buffer[], number][] = [
    ['an unmasked client frame', [frame(0x1, Buffer.from('{}'), { masked: false })], 1002],
    ['RSV1 set without an extension', [frame(0x1, Buffer.from('{}'), { rsv: 4 })], 1002],
    ['an unknown opcode', [frame(0x3, Buffer.from('x'))], 1002],
    ['a ping over 125 bytes', [frame(0x9, Buffer.alloc(126, 1))], 1002],
    ['a fragmented ping', [frame(0x9, Buffer.from('p'), { fin: false })], 1002],
    ['a continuation without a start', [frame(0x0, Buffer.from('x'))], 1002],
    ['a new message inside a fragmented one', [frame(0x1, Buffer.from('a'), { fin: false }), frame(0x1, Buffer.from('b'))], 1002],
    ['a close frame with a 1-byte payload', [frame(0x8, Buffer.from([3]))], 1002],
    ['a close frame with an invalid code', [frame(0x8, Buffer.from([0x03, 0xec]))], 1002],
    ['a close frame with an invalid UTF-8 reason', [frame(0x8, Buffer.from([0x03, 0xe8, 0xff]))], 1007],
  ];
  for (const [what, frames, code] of violations) {
    it(`${what} closes that connection with ${code}`, async () => {
      expect((await rawWs(frames)).closeCode).toBe(code);
      await expectAlive();
    });
  }

  it('40 connections of random bytes after the handshake (bounded, seeded) leave the server serving', async () => {
    const rand = prng(20261204);
    for (let i = 0; i < 40; i++) await rawWs([rand(1 + (rand(1)[0]! % 200))], { end: true });
    await expectAlive();
  });

  it('a connection opened before the hostile frames still gets answers', async () => {
    expect(bystander.readyState).toBe(WebSocket.OPEN);
    expect(await wsCall(bystander, 7, 'app.ping')).toMatchObject({ id: 7, ok: true });
  });
});

describe('hostile HTTP bodies', () => {
  it('a body over 4 MiB (content-length) gets 413 with a JSON error; the server keeps serving', async () => {
    sent++;
    const r = await request(srv, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(5 * MiB, 0x20) });
    expect(r).toMatchObject({ status: 413 });
    expect(JSON.parse((r as Reply).body)).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/request body is over the 4 MiB limit/) } });
    await expectAlive();
  });

  it('a chunked body that grows over 4 MiB gets 413 too', async () => {
    sent++;
    const r = await new Promise<Reply | { error: string }>((resolve) => {
      const req = (async () =>
        (await import('node:http')).request({
          host: '127.0.0.1',
          port: srv.port,
          path: '/api/call',
          method: 'POST',
          headers: { 'x-easyquant-token': srv.token, 'transfer-encoding': 'chunked' },
        }))();
      void req.then((q) => {
        q.on('response', (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: b }));
        });
        q.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
        const chunk = Buffer.alloc(MiB, 0x20);
        for (let i = 0; i < 6; i++) q.write(chunk);
        q.end();
      });
    });
    expect(r).toMatchObject({ status: 413 });
    expect(JSON.parse((r as Reply).body).error.message).toMatch(/over the 4 MiB limit/);
    await expectAlive();
  });

  it('junk bodies (random bytes, deeply nested JSON, wrong shapes) get 4xx answers, never a crash', async () => {
    const rand = prng(7);
    const bodies: (Buffer | string)[] = [
      '['.repeat(1_000_000),
      `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`,
      JSON.stringify({ method: 'projects.create', params: { name: 'x'.repeat(MiB), model: '/dev/zero' } }),
      JSON.stringify({ method: '__proto__', params: {} }),
      JSON.stringify({ method: 'projects.get', params: { projectId: { $gt: '' } } }),
      JSON.stringify([1, 2, 3]),
      'null',
      ...Array.from({ length: 20 }, (_, i) => rand(1 + i * 97)),
    ];
    for (const body of bodies) {
      sent++;
      const r = await request(srv, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(r, String(body).slice(0, 40)).toHaveProperty('status');
      expect((r as Reply).status, String(body).slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect((r as Reply).status, String(body).slice(0, 40)).toBeLessThan(500);
      expect(() => JSON.parse((r as Reply).body)).not.toThrow();
    }
    await expectAlive();
  });

  it('a body just under the limit is still read (and refused only as bad JSON)', async () => {
    sent++;
    const r = await request(srv, '/api/call', { method: 'POST', body: Buffer.alloc(4 * MiB - 10, 0x7b) });
    expect(r).toMatchObject({ status: 400 });
    expect(JSON.parse((r as Reply).body).error.message).toBe('request body is not JSON');
  });
});

describe('calls on unknown ids', () => {
  it('calib.cancel with an unknown run id is a 4xx naming the id, with no stack trace', async () => {
    sent++;
    const r = (await call(srv, 'calib.cancel', { runId: 'r_doesnotexist' })) as Reply;
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const msg = JSON.parse(r.body).error.message as string;
    expect(msg).toMatch(/no (calibration )?run with id r_doesnotexist/);
    expect(r.body).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
    expect(srv.stderr()).not.toMatch(/calib\.cancel failed/);
    await expectAlive();
  });

  it('calib.resume of an unknown run is a 422 naming the id', async () => {
    sent++;
    const r = (await call(srv, 'calib.resume', { runId: 'r_nope' })) as Reply;
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body).error.message).toMatch(/no (calibration )?run with id r_nope/);
    await expectAlive();
  });
});

describe('dispatcher error path (in process)', () => {
  it('calib.cancel on a run that exists but is not running is a user error saying so', async () => {
    const svc = new AppService({ dataRoot: path.join(root, 'inproc'), mode: 'web' });
    try {
      const p = svc.store.createProject('x');
      const run = svc.store.createRun(p.id, {
        method: 'eq',
        bits: 8,
        alpha: 0.5,
        beta: 2,
        steps: 100,
        rounds: 1,
        samplePositions: 64,
        percentile: 99.99,
        calibImages: 5,
        threads: 1,
      });
      svc.store.endRun(run.id, 'cancelled', 'cancelled by the user');
      const r = await createDispatcher(svc)('calib.cancel', { runId: run.id });
      expect(r).toEqual({ ok: false, error: { code: 'user_error', message: `run ${run.id} is not running (it is cancelled)` } });
    } finally {
      await svc.close();
    }
  });

  it('an internal error reaches the client without its stack frames', async () => {
    const boom = new Error('worker failed: bad thing\n    at secret (/home/me/src/x.ts:1:2)\n    at other (/home/me/y.js:3:4)');
    const fake = {
      listProjects: () => {
        throw boom;
      },
    } as unknown as AppService;
    const logged: string[] = [];
    const orig = console.error;
    console.error = (m: string) => logged.push(m);
    try {
      const r = await createDispatcher(fake)('projects.list', {});
      expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'worker failed: bad thing' } });
      expect(logged.join('\n')).toMatch(/projects.list failed/); // the stack stays in the server log
    } finally {
      console.error = orig;
    }
  });
});
