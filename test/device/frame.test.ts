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

  it('any single damaged header byte is rejected at once: the frame behind it arrives without waiting for a timeout', () => {
    // before the header check, an inflated length made the decoder wait for bytes that the quiet
    // direction (ACKs, keepalives) took minutes to deliver
    let cases = 0;
    for (let at = 2; at < 12; at++) {
      for (let x = 1; x < 256; x++) {
        const bad = Buffer.from(a);
        bad[at] = bad[at]! ^ x;
        const d = new FrameDecoder();
        const got = d.push(Buffer.concat([bad, b]));
        expect(got.map((f) => [f.type, f.seq])).toEqual([[FrameType.Ack, 8192]]);
        expect(d.badFrames).toBeGreaterThan(0);
        cases++;
      }
    }
    expect(cases).toBe(10 * 255);
  });

  it('a frame cut short (bytes lost) is dropped by the idle timeout without losing the frame behind it', () => {
    const big = encodeFrame(FrameType.Data, 0, Buffer.alloc(1000, 7));
    const d = new FrameDecoder();
    expect(d.push(Buffer.concat([big.subarray(0, 500), b]))).toEqual([]);
    expect(d.partial).toBe(true);
    expect(d.timeout().map((f) => f.type)).toEqual([FrameType.Ack]);
  });

  it('refuses oversize payloads and NUL bytes in fields; quotes shell arguments', () => {
    expect(() => encodeFrame(FrameType.Data, 0, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(/exceeds/);
    expect(() => nulFields(['a\0b'])).toThrow(/NUL/);
    expect(quoteCommand(['eqrun', 'bench', "it's here; rm -rf /", '--runs', '3'])).toBe(`eqrun bench 'it'\\''s here; rm -rf /' --runs 3`);
  });
});
