import { gzipSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../primitives/protocol-error.js';
import { CompressionType } from '../records/batch-header.js';
import { compress, compressSync, decompress, decompressSync } from './codecs.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './limits.js';
import { isXerialFramed } from './snappy.js';
import { zstdCompress, zstdDecompressedBound } from './zstd.js';
import {
  lz4HeaderChecksum,
  lz4jsDecode,
  lz4jsEncode,
  snappyjsCompress,
  snappyjsDecompress,
  zstdCodec,
} from './testing/independent-codecs.test.helper.js';

const CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd] as const;

/** Text-like data that compresses, of a given size. */
function compressible(size: number, seed = 1): Buffer {
  const words = ['kafka', 'record', 'batch', 'offset', 'topic', 'partition', 'leader', 'epoch'];
  const parts: string[] = [];
  let x = seed;
  let n = 0;
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[x % words.length]!;
    parts.push(w);
    n += w.length + 1;
  }
  return Buffer.from(parts.join(' ')).subarray(0, size);
}

/** Xerial (snappy-java) stream: magic, version 1, compatible version 1, length-prefixed raw blocks. */
function xerialFrame(blocks: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  return Buffer.concat([header, ...blocks.flatMap((b) => [Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b])]);
}

async function expectProtocolError(run: () => unknown, kind: string): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).kind).toBe(kind);
}

describe('compression round trip', () => {
  it('restores any input with every codec', async () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.record({ size: fc.nat({ max: 200_000 }), seed: fc.nat() }).map(({ size, seed }) => compressible(size, seed)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CODECS), data, async (codec, input) => {
        const packed = await compress(codec, input);
        expect((await decompress(codec, packed)).equals(input)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('passes data through for codec none', async () => {
    const b = Buffer.from('plain');
    expect(compressSync(CompressionType.None, b)).toBe(b);
    expect(await decompress(CompressionType.None, b)).toBe(b);
  });

  it('refuses unknown codec ids', async () => {
    for (const codec of [5, 6, 7, -1]) {
      await expectProtocolError(() => compress(codec, Buffer.alloc(1)), 'UNKNOWN_CODEC');
      await expectProtocolError(() => decompress(codec, Buffer.alloc(1)), 'UNKNOWN_CODEC');
      await expectProtocolError(() => decompressSync(codec, Buffer.alloc(1)), 'UNKNOWN_CODEC');
    }
  });
});

describe('gzip', () => {
  it('reads concatenated gzip members, as Java does', () => {
    const two = Buffer.concat([gzipSync('first '), gzipSync('second')]);
    expect(decompressSync(CompressionType.Gzip, two).toString()).toBe('first second');
  });
});

describe('snappy interop', () => {
  it('writes raw blocks that snappyjs reads, and reads raw blocks snappyjs writes', async () => {
    const data = compressible(50_000);
    const ours = compressSync(CompressionType.Snappy, data);
    expect(isXerialFramed(ours)).toBe(false);
    expect((await snappyjsDecompress(ours)).equals(data)).toBe(true);
    expect(decompressSync(CompressionType.Snappy, await snappyjsCompress(data)).equals(data)).toBe(true);
  });

  it('reads xerial-framed streams of several chunks (Java, kafka-python)', async () => {
    const chunks = [compressible(32 * 1024, 1), compressible(32 * 1024, 2), compressible(1000, 3)];
    const framed = xerialFrame(await Promise.all(chunks.map(snappyjsCompress)));
    expect(isXerialFramed(framed)).toBe(true);
    expect(decompressSync(CompressionType.Snappy, framed).equals(Buffer.concat(chunks))).toBe(true);
    // The independent reader agrees on the framing.
    expect((await snappyjsDecompress(framed)).equals(Buffer.concat(chunks))).toBe(true);
    // A header with no chunks is an empty stream.
    expect(decompressSync(CompressionType.Snappy, xerialFrame([]))).toHaveLength(0);
  });

  it('refuses broken xerial chunking', async () => {
    const block = await snappyjsCompress(compressible(1000));
    const framed = xerialFrame([block]);
    await expectProtocolError(() => decompressSync(CompressionType.Snappy, framed.subarray(0, framed.length - 1)), 'COMPRESSION_ERROR');
    await expectProtocolError(() => decompressSync(CompressionType.Snappy, framed.subarray(0, 18)), 'COMPRESSION_ERROR');
    const negative = Buffer.from(framed);
    negative.writeInt32BE(-5, 16);
    await expectProtocolError(() => decompressSync(CompressionType.Snappy, negative), 'COMPRESSION_ERROR');
  });
});

describe('lz4 interop', () => {
  const data = compressible(300_000);

  it('reads frames from the lz4 library (kafkajs-lz4): 4 MiB blocks, content checksum, linked blocks', () => {
    for (const options of [{}, { blockIndependence: false }, { blockMaxSize: 64 * 1024, streamChecksum: false }]) {
      expect(decompressSync(CompressionType.Lz4, lz4jsEncode(data, options)).equals(data)).toBe(true);
    }
  });

  it('writes frames the lz4 library reads: version 01, independent blocks, no dictionary', () => {
    for (const input of [Buffer.from('small'), data]) {
      const ours = compressSync(CompressionType.Lz4, input);
      expect(ours.readUInt32LE(0)).toBe(0x184d2204);
      expect(ours[4]! & 0xe1).toBe(0x60); // version 01, block independence, no dict id
      expect([0x40, 0x50, 0x60, 0x70]).toContain(ours[5]); // a block max size every reader accepts
      expect(lz4jsDecode(ours).equals(input)).toBe(true);
    }
  });

  it('reads block checksums, stored blocks, concatenated and skippable frames', () => {
    const checked = compressFrameSync(data, { blockChecksums: true, contentChecksum: true });
    expect(decompressSync(CompressionType.Lz4, checked).equals(data)).toBe(true);
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24));
    const stored = lz4jsEncode(random);
    expect(decompressSync(CompressionType.Lz4, stored).equals(random)).toBe(true);
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const joined = Buffer.concat([compressFrameSync(Buffer.from('one ')), skippable, lz4jsEncode(Buffer.from('two'))]);
    expect(decompressSync(CompressionType.Lz4, joined).toString()).toBe('one two');
  });

  it('reads frames that declare their content size (an optional LZ4F header field)', async () => {
    const plain = compressFrameSync(data);
    const withSize = (size: number) => {
      const descriptor = Buffer.alloc(10);
      descriptor[0] = plain[4]! | 0x08;
      descriptor[1] = plain[5]!;
      descriptor.writeBigUInt64LE(BigInt(size), 2);
      return Buffer.concat([plain.subarray(0, 4), descriptor, Buffer.from([lz4HeaderChecksum(descriptor)]), plain.subarray(7)]);
    };
    expect(decompressSync(CompressionType.Lz4, withSize(data.length)).equals(data)).toBe(true);
    await expectProtocolError(() => decompressSync(CompressionType.Lz4, withSize(data.length + 1)), 'COMPRESSION_ERROR');
  });

  it('refuses malformed frames', async () => {
    const good = compressFrameSync(data);
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('not lz4 at all'),
      good.subarray(0, 6),
      good.subarray(0, good.length - 2),
      Buffer.concat([good, Buffer.from([1, 2, 3])]),
    ];
    const badVersion = Buffer.from(good);
    badVersion[4] = 0xa0;
    const badBlockSize = Buffer.from(good);
    badBlockSize[5] = 0x10;
    // Without checksums a flipped literal decodes silently (as in every lz4 reader); with the
    // content checksum it must be caught.
    const flipped = compressFrameSync(data, { contentChecksum: true });
    flipped[40] = flipped[40]! ^ 0xff;
    cases.push(badVersion, badBlockSize, flipped);
    for (const c of cases) await expectProtocolError(() => decompressSync(CompressionType.Lz4, c), 'COMPRESSION_ERROR');
  });
});

describe('zstd interop', () => {
  it('reads frames zstd-codec writes and writes frames it reads', async () => {
    const zstd = await zstdCodec();
    const data = compressible(400_000);
    expect((await decompress(CompressionType.Zstd, zstd.compress(data))).equals(data)).toBe(true);
    expect(zstd.decompress(await compress(CompressionType.Zstd, data)).equals(data)).toBe(true);
  });

  it('reads concatenated and skippable frames', async () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    const joined = Buffer.concat([await zstdCompress(Buffer.from('one ')), skippable, await zstdCompress(Buffer.from('two'))]);
    expect((await decompress(CompressionType.Zstd, joined)).toString()).toBe('one two');
  });

  it('bounds the output from block headers at or above the real size', async () => {
    const zstd = await zstdCodec();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 600_000 }), fc.nat(), fc.boolean(), async (size, seed, viaCodec) => {
        const data = seed % 3 === 0 ? Buffer.alloc(size, seed & 0xff) : compressible(size, seed);
        const packed = viaCodec ? zstd.compress(data) : await zstdCompress(data);
        expect(zstdDecompressedBound(packed, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(data.length);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses malformed frames', async () => {
    const good = await zstdCompress(compressible(100_000));
    const reservedBlock = Buffer.from(good);
    // First block header follows magic(4) + descriptor(1) + window(1): set block type 3 (reserved).
    reservedBlock[6] = reservedBlock[6]! | 0x06;
    const cases = [Buffer.alloc(0), Buffer.from('not zstd'), good.subarray(0, 5), good.subarray(0, good.length - 3), reservedBlock];
    for (const c of cases) await expectProtocolError(() => decompress(CompressionType.Zstd, c), 'COMPRESSION_ERROR');
    const flipped = Buffer.from(good);
    for (let i = 20; i < flipped.length; i += 97) flipped[i] = flipped[i]! ^ 0x5a;
    await expectProtocolError(() => decompress(CompressionType.Zstd, flipped), 'COMPRESSION_ERROR');
  });
});

describe('decompression bombs', () => {
  const zeros = Buffer.alloc(20 * 1024 * 1024);
  const limit = 1024 * 1024;

  it('refuses each codec before it inflates past the limit', async () => {
    const zstd = await zstdCodec();
    const bombs: [CompressionType, Buffer][] = [
      [CompressionType.Gzip, compressSync(CompressionType.Gzip, zeros)],
      [CompressionType.Snappy, compressSync(CompressionType.Snappy, zeros)],
      [CompressionType.Snappy, xerialFrame([compressSync(CompressionType.Snappy, zeros.subarray(0, 600_000)), compressSync(CompressionType.Snappy, zeros.subarray(0, 600_000))])],
      [CompressionType.Lz4, compressSync(CompressionType.Lz4, zeros)],
      [CompressionType.Lz4, lz4jsEncode(zeros)],
      [CompressionType.Zstd, await compress(CompressionType.Zstd, zeros)],
      // zstd-codec runs out of its asm.js heap on 20 MiB; 4 MiB is bomb enough for a 1 MiB limit.
      [CompressionType.Zstd, zstd.compress(zeros.subarray(0, 4 * 1024 * 1024))],
    ];
    for (const [codec, bomb] of bombs) {
      expect(bomb.length).toBeLessThan(limit);
      await expectProtocolError(() => decompress(codec, bomb, { maxDecompressedBytes: limit }), 'FRAME_TOO_LARGE');
      // And the same payload is fine under the default limit.
      expect((await decompress(codec, bomb)).length).toBeGreaterThan(limit);
    }
  });

  it('refuses a zstd frame whose declared content size is above the limit', async () => {
    const zstd = await zstdCodec();
    const frame = zstd.compress(Buffer.alloc(5000, 1));
    // zstd-codec declares the content size; the descriptor's top bits say how wide the field is.
    expect(frame[4]! >> 6).toBeGreaterThan(0);
    await expectProtocolError(() => decompress(CompressionType.Zstd, frame, { maxDecompressedBytes: 4999 }), 'FRAME_TOO_LARGE');
    expect((await decompress(CompressionType.Zstd, frame, { maxDecompressedBytes: 5000 })).length).toBe(5000);
  });

  it('applies the limit to the real size: at the limit passes, one byte under fails', async () => {
    const data = compressible(10_000);
    for (const codec of [CompressionType.Gzip, CompressionType.Snappy]) {
      const packed = compressSync(codec, data);
      expect(decompressSync(codec, packed, { maxDecompressedBytes: 10_000 }).length).toBe(10_000);
      await expectProtocolError(() => decompressSync(codec, packed, { maxDecompressedBytes: 9_999 }), 'FRAME_TOO_LARGE');
    }
    expect(DEFAULT_MAX_DECOMPRESSED_BYTES).toBe(256 * 1024 * 1024);
    await expectProtocolError(() => decompressSync(CompressionType.Gzip, Buffer.alloc(1), { maxDecompressedBytes: -1 }), 'INVALID_VALUE');
  });
});

describe('corrupt payloads', () => {
  it('raise COMPRESSION_ERROR (or a size refusal), never a library error, for random and mutated input', async () => {
    const samples = await Promise.all(CODECS.map(async (codec) => [codec, await compress(codec, compressible(5000))] as const));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...samples),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((a) => () => Buffer.from(a)),
          fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => (b: Buffer) => {
            const c = Buffer.from(b);
            c[at % c.length] = c[at % c.length]! ^ xor;
            return c;
          }),
          fc.nat().map((n) => (b: Buffer) => b.subarray(0, n % b.length)),
        ),
        async ([codec, packed], mutate) => {
          const input = mutate(packed);
          try {
            await decompress(codec, input, { maxDecompressedBytes: 1 << 20 });
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
            expect(['COMPRESSION_ERROR', 'FRAME_TOO_LARGE']).toContain((err as ProtocolError).kind);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
