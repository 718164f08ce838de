import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompressionType, RecordBatchView, TimestampType } from './batch-header.js';
import { ControlRecordType, endTxnMarkerBatch } from './control-record.js';
import { decodeRecordBatch } from './decode-record-batch.js';
import { decodeRecordBatches } from './decode-record-batches.js';
import { encodeRecordBatch } from './encode-record-batch.js';
import type { RecordHeader } from './record.js';
import { ALL_CODECS, batchInputArb, int16, int32, nullableBytes } from './testing/arbitraries.test.helper.js';
import {
  type KafkajsDecodedRecord,
  type KafkajsRecordInput,
  kafkajsDecodeBatch,
  kafkajsDecodeFetchRecords,
  kafkajsEncodeBatch,
  registerKafkajsCodecs,
} from './testing/kafkajs.test.helper.js';

const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

/** kafkajs folds headers into an object; repeated keys become arrays, in order. */
function groupHeaders(headers: RecordHeader[]): { [key: string]: string | string[] } {
  const out: { [key: string]: string | string[] } = Object.create(null);
  for (const h of headers) {
    const v = h.value!.toString('hex');
    const prev = out[h.key];
    out[h.key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function kafkajsHeaders(r: KafkajsDecodedRecord): { [key: string]: string | string[] } {
  return Object.fromEntries(
    Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((b) => b.toString('hex')) : v.toString('hex')]),
  );
}

/** A kafkajs producer batch: consecutive offset deltas, non-null header values (kafkajs cannot write null ones). */
const kafkajsBatchArb = fc
  .record({
    compression: fc.constantFrom(...ALL_CODECS),
    firstOffset: fc.bigInt({ min: 0n, max: 2n ** 60n }),
    firstTimestamp: fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }),
    partitionLeaderEpoch: int32,
    transactional: fc.boolean(),
    producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
    producerEpoch: int16,
    firstSequence: fc.oneof(fc.constant(-1), fc.nat()),
    records: fc.array(
      fc.record({
        timestampDelta: fc.integer({ min: 0, max: 100_000 }),
        key: nullableBytes(24),
        value: nullableBytes(200),
        headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)), { maxKeys: 3 }),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  })
  .map((b) => {
    const records: KafkajsRecordInput[] = b.records.map((r, i) => ({ ...r, offsetDelta: i }));
    const maxTimestamp = b.firstTimestamp + Math.max(...records.map((r) => r.timestampDelta));
    return { ...b, records, maxTimestamp, lastOffsetDelta: records.length - 1 };
  });

beforeAll(async () => {
  await registerKafkajsCodecs();
});

describe('batches written by kafkajs', () => {
  it('decode in ours with every codec', async () => {
    await fc.assert(
      fc.asyncProperty(kafkajsBatchArb, async (input) => {
        const buf = await kafkajsEncodeBatch(input);
        const d = await decodeRecordBatch(buf);
        expect(d.baseOffset).toBe(input.firstOffset);
        expect(d.compression).toBe(input.compression);
        expect(d.partitionLeaderEpoch).toBe(input.partitionLeaderEpoch);
        expect(d.isTransactional).toBe(input.transactional);
        expect(d.isControl).toBe(false);
        expect(d.timestampType).toBe(TimestampType.CreateTime);
        expect(d.baseTimestamp).toBe(BigInt(input.firstTimestamp));
        expect(d.maxTimestamp).toBe(BigInt(input.maxTimestamp));
        expect(d.producerId).toBe(input.producerId);
        expect(d.producerEpoch).toBe(input.producerEpoch);
        expect(d.baseSequence).toBe(input.firstSequence);
        expect(d.lastOffsetDelta).toBe(input.lastOffsetDelta);
        expect(
          d.records.map((r) => ({
            offset: r.offset,
            timestamp: r.timestamp,
            key: hex(r.key),
            value: hex(r.value),
            headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value!.toString('hex')])),
          })),
        ).toEqual(
          input.records.map((r, i) => ({
            offset: input.firstOffset + BigInt(i),
            timestamp: BigInt(input.firstTimestamp + r.timestampDelta),
            key: hex(r.key),
            value: hex(r.value),
            headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, (v as Buffer).toString('hex')])),
          })),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('batches written by us', () => {
  it('decode in kafkajs with every codec and flag', async () => {
    // kafkajs cannot write null header values, and folds headers into a plain object, so a key
    // named like an Object.prototype member ("valueOf", "__proto__") comes back mangled there.
    // Everything else is fair game.
    const kafkajsSafe = (h: RecordHeader): RecordHeader => ({
      key: h.key in Object.prototype ? `x-${h.key}` : h.key,
      value: h.value ?? Buffer.alloc(0),
    });
    const arb = batchInputArb({ maxValue: 200 }).map((b) => ({
      ...b,
      records: b.records.map((r) => ({ ...r, headers: r.headers!.map(kafkajsSafe) })),
    }));
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        const buf = await encodeRecordBatch(input);
        const ours = await decodeRecordBatch(buf);
        const theirs = await kafkajsDecodeBatch(buf);
        expect(theirs.firstOffset).toBe(String(ours.baseOffset));
        expect(theirs.firstTimestamp).toBe(String(ours.baseTimestamp));
        expect(theirs.maxTimestamp).toBe(String(ours.maxTimestamp));
        expect(theirs.partitionLeaderEpoch).toBe(ours.partitionLeaderEpoch);
        expect(theirs.inTransaction).toBe(input.isTransactional);
        expect(theirs.isControlBatch).toBe(input.isControl);
        expect(theirs.timestampType).toBe(input.timestampType);
        expect(theirs.lastOffsetDelta).toBe(ours.lastOffsetDelta);
        expect(theirs.producerId).toBe(String(input.producerId));
        expect(theirs.producerEpoch).toBe(input.producerEpoch);
        expect(theirs.firstSequence).toBe(input.baseSequence);
        expect(
          theirs.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: hex(r.key), value: hex(r.value), headers: kafkajsHeaders(r) })),
        ).toEqual(
          input.records.map((r, i) => ({
            offset: String(ours.records[i]!.offset),
            timestamp: String(ours.records[i]!.timestamp),
            key: hex(r.key ?? null),
            value: hex(r.value ?? null),
            headers: groupHeaders(r.headers!),
          })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('decode in kafkajs through its Fetch path, which drops the partial tail as ours does', async () => {
    const batches = await Promise.all(
      ALL_CODECS.map((compression, i) =>
        encodeRecordBatch({
          compression,
          baseOffset: BigInt(i * 3),
          records: [0, 1, 2].map((j) => ({ key: Buffer.from(`k${i}.${j}`), value: Buffer.from(`value ${i}.${j}`), timestamp: 1_700_000_000_000n })),
        }),
      ),
    );
    const records = Buffer.concat(batches);
    const partial = records.subarray(0, records.length - 7);
    const theirs = await kafkajsDecodeFetchRecords(partial);
    const ours = (await decodeRecordBatches(partial, { allowPartialTail: true })).flatMap((b) => b.records);
    expect(theirs).toHaveLength(12);
    expect(theirs.map((r) => [r.offset, r.key!.toString(), r.value!.toString()])).toEqual(
      ours.map((r) => [String(r.offset), r.key!.toString(), r.value!.toString()]),
    );
  });

  it('mark transaction markers as control records in kafkajs', async () => {
    const buf = await encodeRecordBatch(
      endTxnMarkerBatch({ commit: true, producerId: 42n, producerEpoch: 3, coordinatorEpoch: 9, timestamp: 1_700_000_000_000n, baseOffset: 77n }),
    );
    const theirs = await kafkajsDecodeBatch(buf);
    expect(theirs.isControlBatch).toBe(true);
    expect(theirs.inTransaction).toBe(true);
    expect(theirs.records).toHaveLength(1);
    expect(theirs.records[0]!.isControlRecord).toBe(true);
    expect(theirs.records[0]!.key!.readInt16BE(2)).toBe(ControlRecordType.Commit);
    expect(theirs.records[0]!.value!.readInt32BE(2)).toBe(9);
    expect(theirs.records[0]!.offset).toBe('77');
  });
});

describe('RecordBatchView over a kafkajs batch', () => {
  it('reads every header field as kafkajs wrote it, with number twins', async () => {
    const buf = await kafkajsEncodeBatch({
      compression: CompressionType.Gzip,
      firstOffset: 123_456_789_012n,
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_050,
      partitionLeaderEpoch: 7,
      transactional: true,
      producerId: 9_007_199_254_740_000n,
      producerEpoch: 12,
      firstSequence: 2_147_483_646,
      lastOffsetDelta: 2,
      records: [0, 1, 2].map((i) => ({ offsetDelta: i, timestampDelta: i * 25, key: null, value: Buffer.from(`v${i}`), headers: {} })),
    });
    const v = new RecordBatchView(buf);
    expect(v.baseOffset).toBe(123_456_789_012n);
    expect(v.baseOffsetNum).toBe(123_456_789_012);
    expect(v.batchLength).toBe(buf.length - 12);
    expect(v.sizeInBytes).toBe(buf.length);
    expect(v.partitionLeaderEpoch).toBe(7);
    expect(v.magic).toBe(2);
    expect(v.crc).toBe(v.computeCrc());
    expect(v.isCrcValid()).toBe(true);
    expect(v.attributes).toBe(0x11);
    expect(v.compression).toBe(CompressionType.Gzip);
    expect(v.timestampType).toBe(TimestampType.CreateTime);
    expect(v.isTransactional).toBe(true);
    expect(v.isControl).toBe(false);
    expect(v.hasDeleteHorizon).toBe(false);
    expect(v.lastOffsetDelta).toBe(2);
    expect(v.lastOffset).toBe(123_456_789_014n);
    expect(v.lastOffsetNum).toBe(123_456_789_014);
    expect(v.baseTimestamp).toBe(1_700_000_000_000n);
    expect(v.baseTimestampNum).toBe(1_700_000_000_000);
    expect(v.maxTimestamp).toBe(1_700_000_000_050n);
    expect(v.maxTimestampNum).toBe(1_700_000_000_050);
    expect(v.producerId).toBe(9_007_199_254_740_000n);
    expect(v.producerIdNum).toBe(9_007_199_254_740_000);
    expect(v.producerEpoch).toBe(12);
    expect(v.baseSequence).toBe(2_147_483_646);
    // Sequences wrap at int32 max: 2147483646 + 2 -> 0.
    expect(v.lastSequence).toBe(0);
    expect(v.recordCount).toBe(3);
    expect(v.bytes().equals(buf)).toBe(true);
    expect(() => v.validate()).not.toThrow();
  });
});
