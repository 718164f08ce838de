import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cImplementation, loadNativeCrc32c } from './crc32c.js';

const native = loadNativeCrc32c();

/** Every implementation reachable here: the one in use, and both paths of the addon when it is built. */
const implementations: Array<[string, (b: Uint8Array) => number]> = [[`crc32c (${crc32cImplementation})`, crc32c]];
if (native) {
  implementations.push(['addon calculate', (b) => native.calculate(b)]);
  implementations.push(['addon calculateSse42', (b) => native.calculateSse42(b)]);
  implementations.push(['addon calculateSoftware', (b) => native.calculateSoftware(b)]);
}

const reference = (b: Uint8Array): number => nodeRsCrc32c(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) >>> 0;

/** Published CRC-32C vectors: the check value and the four 32-byte ones of RFC 3720 (iSCSI), B.4. */
const VECTORS: Array<[string, Buffer, number]> = [
  ['empty', Buffer.alloc(0), 0],
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 bytes of 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['32 increasing bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['32 decreasing bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
];

describe.each(implementations)('%s', (_name, fn) => {
  it.each(VECTORS)('gives the published value for %s', (_label, input, expected) => {
    expect(fn(input) >>> 0).toBe(expected);
    // The same bytes in a plain Uint8Array (not a Buffer) at an offset of a larger buffer.
    const padded = new Uint8Array(input.length + 5);
    padded.set(input, 3);
    expect(fn(padded.subarray(3, 3 + input.length)) >>> 0).toBe(expected);
  });

  it('agrees with @node-rs/crc32 on random inputs of every length 0..4096, at every alignment', () => {
    const pool = randomBytes(4096 + 8);
    for (let length = 0; length <= 4096; length++) {
      const offset = length % 8;
      const view = pool.subarray(offset, offset + length);
      const got = fn(view) >>> 0;
      if (got !== reference(view)) expect({ length, offset, got }).toEqual({ length, offset, got: reference(view) });
    }
  });

  it('agrees with @node-rs/crc32 around the interleaved block sizes and on large random inputs', () => {
    // 768 and 12288 are three 256- and 4096-byte blocks (the addon's two interleaved loop sizes);
    // 256 is where folding starts, in 256-byte steps, then 16-byte ones, then the crc32 instruction.
    const lengths = [255, 256, 257, 271, 272, 511, 512, 513, 527, 767, 768, 769, 12_287, 12_288, 12_289, 12_288 + 768 + 7, 2 * 12_288 + 3 * 768 + 15, 16_384 - 61, 16_384, 65_536 + 3, 1_048_576 + 5];
    for (let i = 0; i < 8; i++) lengths.push(1 + Math.floor(Math.random() * 3_000_000));
    for (const length of lengths) {
      const buf = randomBytes(length + 8);
      for (const offset of [0, 1, 3, 7]) {
        const view = buf.subarray(offset, offset + length);
        expect({ length, offset, crc: fn(view) >>> 0 }).toEqual({ length, offset, crc: reference(view) });
      }
    }
  });

  it('agrees with @node-rs/crc32 on arbitrary inputs and views (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.nat(15), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(fn(view) >>> 0).toBe(reference(view));
      }),
      { numRuns: 200 },
    );
  });
});

describe('implementation choice', () => {
  it('uses the project addon whenever it is built and loads', () => {
    if (native) expect(crc32cImplementation).toMatch(/^tributary-crc32c /);
    else expect(crc32cImplementation).toBe('@node-rs/crc32');
  });

  it('reports hardware support as the CPU has it (Linux x86-64)', () => {
    if (!native || process.platform !== 'linux' || process.arch !== 'x64') return;
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    expect(native.hardware).toBe(/\bsse4_2\b/.test(flags));
    const fold = native.hardware && ['vpclmulqdq', 'avx512f', 'avx512vl', 'pclmulqdq'].every((f) => new RegExp(`\\b${f}\\b`).test(flags));
    expect(native.accelerator).toBe(fold ? 'vpclmulqdq' : native.hardware ? 'sse4.2' : 'software');
    expect(crc32cImplementation).toBe(
      fold ? 'tributary-crc32c (vpclmulqdq folding)' : native.hardware ? 'tributary-crc32c (sse4.2, 3 streams)' : 'tributary-crc32c (software tables)',
    );
  });

  it('rejects anything but a Uint8Array with a TypeError (addon)', () => {
    if (!native) return;
    expect(() => native.calculate('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => native.calculate(new Uint16Array(4) as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => (native.calculate as () => number)()).toThrow(TypeError);
  });
});
