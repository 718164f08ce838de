import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { FrameDecoder, frame } from './frame-decoder.js';

describe('FrameDecoder', () => {
  it('returns the same frames however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(p)));
          const dec = new FrameDecoder(1000);
          const out: Buffer[] = [];
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            out.push(...dec.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(out.map((b) => [...b])).toEqual(payloads.map((p) => [...p]));
          expect(dec.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('rejects a frame above the maximum as soon as its size arrives', () => {
    const dec = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeInt32BE(1025);
    expect(() => dec.push(head)).toThrow(ProtocolError);
    try {
      new FrameDecoder(1024).push(head);
    } catch (e) {
      expect((e as ProtocolError).kind).toBe('FRAME_TOO_LARGE');
    }
  });

  it('rejects a negative size', () => {
    const head = Buffer.alloc(4);
    head.writeInt32BE(-5);
    expect(() => new FrameDecoder().push(head)).toThrow(/negative frame size/);
  });

  it('keeps a partial frame until the rest arrives', () => {
    const dec = new FrameDecoder();
    const f = frame(Buffer.from('hello world'));
    expect(dec.push(f.subarray(0, 6))).toEqual([]);
    expect(dec.pendingBytes).toBe(2);
    expect(dec.push(f.subarray(6)).map(String)).toEqual(['hello world']);
  });
});
