/** The serial protocol's framing (host side; the device side is exercised by the serial tests). */
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameType, MAX_PAYLOAD, nulFields } from '../../src-main/deploy/frame.js';
import { quoteCommand } from '../../src-main/deploy/shell-quote.js';

describe('serial frames', () => {
  const a = encodeFrame(FrameType.Data, 4096, Buffer.from('hello'));
  const b = encodeFrame(FrameType.Ack, 8192);

  it('round-trips frames split at every byte boundary', () => {
    const stream = Buffer.concat([a, b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got.map((f) => [f.type, f.seq, f.payload.toString()])).toEqual([
        [FrameType.Data, 4096, 'hello'],
        [FrameType.Ack, 8192, ''],
      ]);
      expect(d.badFrames).toBe(0);
    }
  });

  it('drops a frame with a bad CRC and resynchronises on the next magic', () => {
    const bad = Buffer.from(a);
    bad[13] = bad[13]! ^ 0x40;
    const d = new FrameDecoder();
    const got = d.push(Buffer.concat([Buffer.from([0xa5, 0x00, 0x51, 0xa5]), bad, b]));
    expect(got.map((f) => f.type)).toEqual([FrameType.Ack]);
    expect(d.badFrames).toBeGreaterThan(0);
  });

  it('a damaged length is recovered by the idle timeout without losing the frames behind it', () => {
    const bad = Buffer.from(a);
    bad.writeUInt32LE(60000, 8); // claims far more bytes than follow
    const d = new FrameDecoder();
    expect(d.push(Buffer.concat([bad, b]))).toEqual([]);
    expect(d.partial).toBe(true);
    expect(d.timeout().map((f) => f.type)).toEqual([FrameType.Ack]);
  });

  it('refuses oversize payloads and NUL bytes in fields; quotes shell arguments', () => {
    expect(() => encodeFrame(FrameType.Data, 0, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(/exceeds/);
    expect(() => nulFields(['a\0b'])).toThrow(/NUL/);
    expect(quoteCommand(['eqrun', 'bench', "it's here; rm -rf /", '--runs', '3'])).toBe(`eqrun bench 'it'\\''s here; rm -rf /' --runs 3`);
  });
});
