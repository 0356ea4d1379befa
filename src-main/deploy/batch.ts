/**
 * Batch files exchanged with `eqrun infer` (layout in native/tools/eqrun/batch.h):
 * EQB1 input batches (float32, or int8 already quantized with the model's input scale, which is
 * 4x smaller to send) and EQO1 output files.
 */
import { quantizeArray } from '../core/quant/rounding.js';

const HEADER = 24;

/** q = clip(rne(fround(x * scale)), -qmax, qmax): exactly the runtime's QuantizeF32ToS8. */
export function quantizeInput(x: Float32Array, scale: number, qmax: number): Int8Array {
  return quantizeArray(x, scale, qmax);
}

export function encodeBatch(samples: Float32Array[], quant: { scale: number; qmax: number } | null): Buffer {
  if (samples.length === 0) throw new Error('an input batch needs at least one sample');
  const numel = samples[0]!.length;
  for (const s of samples) if (s.length !== numel) throw new Error(`batch samples differ in size (${s.length} vs ${numel})`);
  const elem = quant ? 1 : 4;
  const b = Buffer.alloc(HEADER + samples.length * numel * elem);
  b.write('EQB1', 0, 'latin1');
  b.writeUInt32LE(quant ? 2 : 1, 4);
  b.writeUInt32LE(samples.length, 8);
  b.writeUInt32LE(numel, 12);
  b.writeFloatLE(quant ? quant.scale : 0, 16);
  samples.forEach((s, i) => {
    const off = HEADER + i * numel * elem;
    if (quant) Buffer.from(quantizeInput(s, quant.scale, quant.qmax).buffer).copy(b, off);
    else Buffer.from(s.buffer, s.byteOffset, s.byteLength).copy(b, off);
  });
  return b;
}

/** outputs[sample][output] */
export function decodeOutputs(b: Buffer): Float32Array[][] {
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'EQO1') throw new Error(`not an EQO1 output file (${b.length} bytes)`);
  const count = b.readUInt32LE(4);
  const nout = b.readUInt32LE(8);
  const sizes = Array.from({ length: nout }, (_, i) => b.readUInt32LE(12 + 4 * i));
  const per = sizes.reduce((a, v) => a + v, 0);
  const start = 12 + 4 * nout;
  if (b.length !== start + count * per * 4) throw new Error(`EQO1 output file has ${b.length} bytes, its header needs ${start + count * per * 4}`);
  const aligned = new Float32Array(count * per);
  Buffer.from(b.buffer, b.byteOffset + start, count * per * 4).copy(Buffer.from(aligned.buffer));
  const out: Float32Array[][] = [];
  for (let s = 0; s < count; s++) {
    let off = s * per;
    out.push(
      sizes.map((n) => {
        const v = aligned.subarray(off, off + n);
        off += n;
        return v;
      }),
    );
  }
  return out;
}
