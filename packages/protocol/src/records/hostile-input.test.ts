import { describe, expect, it } from 'vitest';
import { compressSync } from '../compression/codecs.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { Writer } from '../primitives/writer.js';
import { BatchLayout, CompressionType, RecordBatchView, batchViews } from './batch-header.js';
import { decodeRecordBatch, decodeRecordBatchSync } from './decode-record-batch.js';
import { decodeRecordBatches } from './decode-record-batches.js';
import { encodeRecordBatch } from './encode-record-batch.js';
import { batchAround, fixBatch, legacyMessage, rawRecord } from './testing/batch-bytes.test.helper.js';

async function kindOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ProtocolError) return err.kind;
    throw err;
  }
  return 'no error';
}

const decodeKind = (buf: Buffer, opts?: { maxDecompressedBytes?: number }) => kindOf(() => decodeRecordBatch(buf, opts));

/** A valid record: no key, value "v", no headers. */
const goodRecord = () => rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(1).raw(Buffer.from('v')).varint(0));

describe('batch framing', () => {
  it('refuses buffers too short for a header', async () => {
    const valid = await encodeRecordBatch({ records: [{ value: Buffer.from('v') }] });
    for (const n of [0, 1, 16, 17, 40, 60]) expect(await decodeKind(valid.subarray(0, n))).toBe('TRUNCATED');
  });

  it('refuses a batch cut short or declaring more than is there', async () => {
    const valid = await encodeRecordBatch({ records: [{ value: Buffer.from('value') }] });
    expect(await decodeKind(valid.subarray(0, valid.length - 1))).toBe('TRUNCATED');
    const longer = Buffer.from(valid);
    longer.writeInt32BE(0x7fffffff, BatchLayout.BATCH_LENGTH);
    expect(await decodeKind(longer)).toBe('TRUNCATED');
  });

  it('refuses batch lengths below the header size, including negative ones', async () => {
    const valid = await encodeRecordBatch({ records: [] });
    for (const len of [48, 0, -1, -0x80000000]) {
      const b = Buffer.from(valid);
      b.writeInt32BE(len, BatchLayout.BATCH_LENGTH);
      expect(await decodeKind(b)).toBe('INVALID_LENGTH');
      expect(await kindOf(() => [...batchViews(b)])).toBe('INVALID_LENGTH');
    }
  });

  it('refuses bytes after a single batch', async () => {
    const valid = await encodeRecordBatch({ records: [] });
    expect(await decodeKind(Buffer.concat([valid, Buffer.from([0])]))).toBe('TRAILING_BYTES');
  });

  it('refuses a bad CRC', async () => {
    const valid = await encodeRecordBatch({ records: [{ value: Buffer.from('value') }] });
    const flipped = Buffer.from(valid);
    flipped[valid.length - 2] ^= 0x01;
    expect(await decodeKind(flipped)).toBe('CORRUPT_CRC');
    const badCrc = Buffer.from(valid);
    badCrc.writeUInt32BE((valid.readUInt32BE(BatchLayout.CRC) ^ 1) >>> 0, BatchLayout.CRC);
    expect(await decodeKind(badCrc)).toBe('CORRUPT_CRC');
  });

  it('refuses unknown codecs 5..7', async () => {
    for (const codec of [5, 6, 7]) expect(await decodeKind(batchAround(Buffer.alloc(0), 0, codec))).toBe('UNKNOWN_CODEC');
  });

  it('refuses legacy message sets (magic 0 and 1) by name, and unknown magics', async () => {
    for (const magic of [0, 1] as const) {
      const legacy = legacyMessage(magic);
      expect(await decodeKind(legacy)).toBe('LEGACY_MESSAGE_FORMAT');
      expect(await kindOf(() => decodeRecordBatches(legacy))).toBe('LEGACY_MESSAGE_FORMAT');
      expect(await kindOf(() => new RecordBatchView(legacy).validate())).toBe('LEGACY_MESSAGE_FORMAT');
      await expect(decodeRecordBatch(legacy)).rejects.toThrow(/magic .*not supported/);
    }
    const v3 = await encodeRecordBatch({ records: [] });
    v3[BatchLayout.MAGIC] = 3;
    expect(await decodeKind(v3)).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses negative lastOffsetDelta and record counts', async () => {
    const negCount = batchAround(Buffer.alloc(0), 0);
    negCount.writeInt32BE(-1, BatchLayout.RECORDS_COUNT);
    expect(await decodeKind(fixBatch(negCount))).toBe('INVALID_VALUE');
    const negDelta = batchAround(Buffer.alloc(0), 0);
    negDelta.writeInt32BE(-5, BatchLayout.LAST_OFFSET_DELTA);
    expect(await decodeKind(fixBatch(negDelta))).toBe('INVALID_VALUE');
  });

  it('refuses a hand-made view over too few bytes instead of reading out of range', async () => {
    expect(await kindOf(() => new RecordBatchView(Buffer.alloc(10)).validate())).toBe('TRUNCATED');
    const valid = await encodeRecordBatch({ records: [] });
    expect(await kindOf(() => new RecordBatchView(valid.subarray(0, 40)).validate())).toBe('TRUNCATED');
    const shifted = Buffer.concat([Buffer.alloc(5), valid]);
    expect(await kindOf(() => new RecordBatchView(shifted.subarray(0, 5 + 40), 5).validate())).toBe('TRUNCATED');
    expect(await kindOf(() => new RecordBatchView(shifted.subarray(0, shifted.length - 1), 5).validate())).toBe('TRUNCATED');
    expect(() => new RecordBatchView(shifted, 5).validate()).not.toThrow();
  });
});

describe('record counts', () => {
  it('checks a huge count against the bytes available before allocating', async () => {
    const huge = batchAround(goodRecord(), 0x7fffffff);
    expect(await decodeKind(huge)).toBe('INVALID_LENGTH');
    // The same inside a compressed payload: checked against the decompressed size.
    const gz = batchAround(compressSync(CompressionType.Gzip, goodRecord()), 0x7fffffff, CompressionType.Gzip);
    expect(await decodeKind(gz)).toBe('INVALID_LENGTH');
  });

  it('refuses a count above or below the records present', async () => {
    const two = Buffer.concat([goodRecord(), goodRecord()]);
    expect((await decodeRecordBatch(batchAround(two, 2))).records).toHaveLength(2);
    expect(await decodeKind(batchAround(two, 1))).toBe('TRAILING_BYTES');
    expect(await decodeKind(batchAround(Buffer.concat([two, Buffer.alloc(8)]), 2))).toBe('TRAILING_BYTES');
    // Three declared, two present and padding: the third record's fields do not match its length.
    expect(await decodeKind(batchAround(Buffer.concat([two, Buffer.alloc(7)]), 3))).toBe('INVALID_LENGTH');
    expect(await decodeKind(batchAround(two, 3))).toBe('INVALID_LENGTH');
  });

  it('refuses a compressed batch whose records do not fill the payload exactly', async () => {
    const payload = compressSync(CompressionType.Snappy, Buffer.concat([goodRecord(), Buffer.from([1, 2, 3])]));
    expect(await decodeKind(batchAround(payload, 1, CompressionType.Snappy))).toBe('TRAILING_BYTES');
  });
});

describe('record fields', () => {
  const cases: [string, Buffer, string][] = [
    ['negative record length', Buffer.from(new Writer().varint(-3).finish()), 'INVALID_LENGTH'],
    ['record length past the section', rawRecord((w) => w.int8(0).raw(Buffer.alloc(10)), 50), 'INVALID_LENGTH'],
    [
      'record length shorter than its fields',
      rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(1).raw(Buffer.from('v')).varint(0), 5),
      'INVALID_LENGTH',
    ],
    [
      'record length longer than its fields',
      rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(0).raw(Buffer.alloc(3)), undefined),
      'INVALID_LENGTH',
    ],
    ['over-long record length varint', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 0]), 'VARINT_TOO_LONG'],
    [
      'over-long timestamp varlong',
      rawRecord((w) => w.int8(0).raw(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).varint(0).varint(-1).varint(-1).varint(0)),
      'VARINT_TOO_LONG',
    ],
    ['key length -2', rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-2).varint(-1).varint(0)), 'INVALID_LENGTH'],
    ['key longer than the record', rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(40).varint(-1).varint(0)), 'INVALID_LENGTH'],
    ['value length -7', rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-7).varint(0)), 'INVALID_LENGTH'],
    ['negative header count', rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(-1)), 'INVALID_LENGTH'],
    ['huge header count', rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(0x3fffffff)), 'INVALID_LENGTH'],
    [
      'negative header key length',
      rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(1).varint(-1).varint(-1)),
      'INVALID_LENGTH',
    ],
    [
      'header value past the record',
      rawRecord((w) => w.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(1).varint(1).raw(Buffer.from('k')).varint(9)),
      'INVALID_LENGTH',
    ],
  ];
  for (const [name, section, kind] of cases) {
    it(`refuses ${name}`, async () => {
      expect(await decodeKind(batchAround(section, 1))).toBe(kind);
      // Inside a compressed payload the record checks are the same.
      const lz4 = batchAround(compressSync(CompressionType.Lz4, section), 1, CompressionType.Lz4);
      expect(await kindOf(() => decodeRecordBatchSync(lz4))).toBe(kind);
    });
  }

  it('accepts the hand-written valid record the cases above distort', async () => {
    const d = await decodeRecordBatch(batchAround(goodRecord(), 1));
    expect(d.records[0]!.value!.toString()).toBe('v');
  });
});

describe('compressed payloads', () => {
  it('refuses corrupt compressed data behind a valid CRC', async () => {
    for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      expect(await decodeKind(batchAround(Buffer.from('this is not compressed at all'), 1, codec))).toBe('COMPRESSION_ERROR');
    }
  });

  it('refuses a batch that would decompress beyond the limit', async () => {
    const records = Array.from({ length: 50 }, () => ({ value: Buffer.alloc(100_000) }));
    for (const compression of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const bomb = await encodeRecordBatch({ compression, records });
      expect(bomb.length).toBeLessThan(500_000);
      expect(await decodeKind(bomb, { maxDecompressedBytes: 1_000_000 })).toBe('FRAME_TOO_LARGE');
      expect((await decodeRecordBatch(bomb)).records).toHaveLength(50);
    }
  });
});
