/**
 * Per-tensor storage of calibration activations, image by image, spilled to a temporary
 * folder so that memory holds at most one tensor's images at a time (ORT's own calibrator
 * keeps every activation of every image in memory; this does not).
 */
import type { ActivationSource } from '../core/calib/activation-source.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class ActivationStore implements ActivationSource {
  private readonly dir: string;
  private readonly files = new Map<string, { fd: number; path: string; count: number; len: number }>();

  constructor(parent?: string) {
    this.dir = fs.mkdtempSync(path.join(parent ?? os.tmpdir(), 'eq-acts-'));
  }

  append(name: string, data: Float32Array): void {
    let f = this.files.get(name);
    if (!f) {
      const p = path.join(this.dir, `${this.files.size}.f32`);
      f = { fd: fs.openSync(p, 'w+'), path: p, count: 0, len: data.length };
      this.files.set(name, f);
    }
    if (data.length !== f.len) throw new Error(`activation '${name}': size changed from ${f.len} to ${data.length}`);
    fs.writeSync(f.fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 0, data.byteLength, f.count * data.byteLength);
    f.count++;
  }

  count(name: string): number {
    return this.files.get(name)?.count ?? 0;
  }

  /** One image's copy of the tensor. */
  read(name: string, index: number): Float32Array {
    const f = this.files.get(name);
    if (!f || index >= f.count) throw new Error(`activation '${name}' image ${index} was not captured`);
    const out = new Float32Array(f.len);
    fs.readSync(f.fd, new Uint8Array(out.buffer), 0, out.byteLength, index * out.byteLength);
    return out;
  }

  readAll(name: string): Float32Array[] {
    const n = this.count(name);
    const out: Float32Array[] = [];
    for (let i = 0; i < n; i++) out.push(this.read(name, i));
    return out;
  }

  dispose(): void {
    for (const f of this.files.values()) fs.closeSync(f.fd);
    this.files.clear();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
