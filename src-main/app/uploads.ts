/**
 * Uploads into <data>/uploads. A batch is one model, card or data folder sent as several
 * requests (one per file); each file is streamed to a temporary name under
 * uploads/.incoming/<batch>/ with a size limit and renamed when it arrived whole, so an aborted
 * request leaves nothing behind. Committing the batch unpacks a lone .zip/.tar and renames the
 * folder into uploads/ in one step: a half-sent batch never shows up as an upload.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { UploadResult } from '../contract/app-types.js';
import { ARCHIVE_RE, extractArchive } from './archive-extract.js';
import { UserError } from './user-error.js';

export const DEFAULT_UPLOAD_MAX_MB = 2048;

/** EQ_UPLOAD_MAX_MB: the largest file one upload request may carry (default 2048 MiB). */
export function uploadLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = env['EQ_UPLOAD_MAX_MB'];
  const mb = v === undefined || v.trim() === '' ? DEFAULT_UPLOAD_MAX_MB : Number(v);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error(`EQ_UPLOAD_MAX_MB must be a positive number of MiB (got '${v}')`);
  return Math.floor(mb * 2 ** 20);
}

export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`upload is over the ${fmtMiB(limit)} limit (EQ_UPLOAD_MAX_MB)`);
    this.name = 'UploadTooLarge';
  }
}

export class UploadAborted extends Error {
  constructor() {
    super('the upload was interrupted before all bytes arrived');
    this.name = 'UploadAborted';
  }
}

const fmtMiB = (b: number) => `${Number((b / 2 ** 20).toFixed(2))} MiB`;
const BATCH_RE = /^[A-Za-z0-9_-]{8,64}$/;

/** A file's path inside its batch: relative, '/'-separated, no '.'/'..'/empty segment, no NUL or backslash. */
export function checkRelPath(rel: string): string[] {
  const parts = rel.split('/');
  const bad = rel.length === 0 || rel.length > 1024 || parts.length > 32 || /[\0\\]/.test(rel) || parts.some((p) => p === '' || p === '.' || p === '..' || p.length > 255);
  if (bad) throw new UserError(`'${rel.slice(0, 200)}' is not an acceptable file name for an upload (a relative path without '..', empty parts or backslashes)`);
  return parts;
}

function checkBatch(batch: string): void {
  if (!BATCH_RE.test(batch)) throw new UserError('an upload batch id is 8 to 64 letters, digits, - or _');
}

const MODEL_RE = /\.(onnx|tflite)$/i;
const IMAGE_RE = /\.(jpe?g|png|webp)$/i;

/** The first model, card.json and folder holding images/MNIST files below `dir` (breadth-first). */
function notable(dir: string): Pick<UploadResult, 'model' | 'card' | 'dataDir'> & { files: number; bytes: number } {
  const r = { model: null as string | null, card: null as string | null, dataDir: null as string | null, files: 0, bytes: 0 };
  const queue = [dir];
  while (queue.length) {
    const d = queue.shift()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) queue.push(full);
      else if (e.isFile()) {
        r.files++;
        r.bytes += fs.statSync(full).size;
        if (!r.model && MODEL_RE.test(e.name)) r.model = full;
        if (!r.card && e.name === 'card.json') r.card = full;
        if (!r.dataDir && (IMAGE_RE.test(e.name) || /-idx\d-ubyte$/.test(e.name))) r.dataDir = d;
      }
    }
  }
  return r;
}

export class Uploads {
  readonly root: string;
  private readonly incoming: string;

  constructor(
    dataRoot: string,
    readonly limit: number = uploadLimitBytes(),
  ) {
    this.root = path.join(dataRoot, 'uploads');
    this.incoming = path.join(this.root, '.incoming');
    // batches never committed (the server stopped, the page was closed) are dropped at start
    fs.rmSync(this.incoming, { recursive: true, force: true });
  }

  /**
   * Streams one request body to <batch>/<rel>. Over the limit: UploadTooLarge, at once when the
   * declared length says so; the rest of the body is drained so the client reads the answer.
   */
  receive(batch: string, rel: string, body: Readable & { complete?: boolean }, declared?: number): Promise<number> {
    let parts: string[];
    try {
      checkBatch(batch);
      parts = checkRelPath(rel);
    } catch (e) {
      body.resume();
      return Promise.reject(e as Error);
    }
    if (declared !== undefined && declared > this.limit) {
      body.resume();
      return Promise.reject(new UploadTooLarge(this.limit));
    }
    const target = path.join(this.incoming, batch, ...parts);
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
    } catch (e) {
      body.resume();
      return Promise.reject(
        new UserError(`cannot store '${rel}' in upload ${batch}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (a file and a folder of the same name?)`),
      );
    }
    const tmp = `${target}.${randomBytes(6).toString('hex')}.part`;
    const out = fs.createWriteStream(tmp, { flags: 'wx' });
    return new Promise<number>((resolve, reject) => {
      let size = 0;
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        body.off('data', onData);
        body.resume();
        out.destroy();
        fs.rm(tmp, { force: true }, () => reject(e));
      };
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > this.limit) return fail(new UploadTooLarge(this.limit));
        if (!out.write(c)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
      };
      body.on('data', onData);
      body.on('error', () => fail(new UploadAborted()));
      out.on('error', fail);
      body.on('close', () => {
        if (body.complete === false) fail(new UploadAborted());
      });
      body.on('end', () => {
        if (settled) return;
        out.end(() => {
          if (settled) return;
          try {
            fs.renameSync(tmp, target);
          } catch (e) {
            return fail(e as Error);
          }
          settled = true;
          resolve(size);
        });
      });
    });
  }

  /** Moves a received batch into uploads/ (unpacking a lone archive) and says what it holds. */
  async commit(batch: string): Promise<UploadResult> {
    checkBatch(batch);
    const staged = path.join(this.incoming, batch);
    if (!fs.existsSync(staged) || fs.readdirSync(staged, { recursive: true, withFileTypes: true }).every((e) => !e.isFile())) {
      fs.rmSync(staged, { recursive: true, force: true });
      throw new UserError(`no complete file was received for upload ${batch}`);
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const final = path.join(this.root, `${stamp}-${batch}`);
    if (fs.existsSync(final)) throw new UserError(`upload ${batch} was already committed`);
    const top = fs.readdirSync(staged);
    let ready = staged;
    if (top.length === 1 && ARCHIVE_RE.test(top[0]!) && fs.statSync(path.join(staged, top[0]!)).isFile()) {
      ready = `${staged}.unpacked`;
      try {
        await extractArchive(path.join(staged, top[0]!), ready, this.limit * 4);
      } catch (e) {
        fs.rmSync(ready, { recursive: true, force: true });
        fs.rmSync(staged, { recursive: true, force: true });
        throw e;
      }
      fs.rmSync(staged, { recursive: true, force: true });
    }
    fs.renameSync(ready, final);
    return { dir: final, ...notable(final) };
  }

  /** Drops a batch (the client gave up). */
  discard(batch: string): void {
    checkBatch(batch);
    fs.rmSync(path.join(this.incoming, batch), { recursive: true, force: true });
  }
}
