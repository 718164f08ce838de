import {
  ApiKey,
  CompressionType,
  decodeRecordBatches,
  ErrorCode,
  RecordBatchView,
  TimestampType,
} from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, batchOfAsync, DataPlaneBroker, fetchBody, largeBatch, produceBody } from '../replica/test-kit.js';

let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'message.max.bytes': 100_000 });
});
afterAll(async () => {
  await b.stop();
});

const produce = (topic: string, records: Buffer | null, opts: { acks?: number; version?: number; partition?: number } = {}) =>
  b.request(ApiKey.Produce, opts.version ?? 8, produceBody(topic, opts.partition ?? 0, records, opts.acks ?? -1));
const partitionOf = (r: Awaited<ReturnType<typeof produce>>) => r.responses[0]!.partitionResponses[0]!;

async function fetchAll(topic: string, partition = 0) {
  const r = await b.request(ApiKey.Fetch, 11, fetchBody(topic, [{ partition, fetchOffset: 0 }]));
  const p = r.responses[0]!.partitions[0]!;
  expect(p.errorCode).toBe(ErrorCode.NONE);
  return { partition: p, batches: await decodeRecordBatches(p.records!) };
}

describe('Produce', () => {
  it('appends batches at consecutive offsets, stamps the leader epoch, and reports base offset and log start', async () => {
    await b.createTopic('p-basic');
    const first = partitionOf(await produce('p-basic', batchOf(['a', 'b', 'c'])));
    expect(first).toMatchObject({ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null });
    const second = partitionOf(await produce('p-basic', batchOf(['d', 'e']), { acks: 1 }));
    expect(second.baseOffset).toBe(3n);
    const { partition, batches } = await fetchAll('p-basic');
    expect(partition.highWatermark).toBe(5n);
    expect(batches.map((x) => x.baseOffset)).toEqual([0n, 3n]);
    expect(batches.flatMap((x) => x.records.map((r) => r.value!.toString()))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batches.every((x) => x.partitionLeaderEpoch === 0)).toBe(true);
  });

  it('stores every codec exactly as sent', async () => {
    await b.createTopic('p-codecs');
    const sent = await Promise.all(
      [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd].map((compression) =>
        batchOfAsync(['x'.repeat(200), 'y'.repeat(200)], { compression }),
      ),
    );
    for (const batch of sent) expect(partitionOf(await produce('p-codecs', Buffer.from(batch))).errorCode).toBe(0);
    const { partition } = await fetchAll('p-codecs');
    // Same bytes back except the offset and leader epoch the broker patched into the header.
    let pos = 0;
    for (const [i, batch] of sent.entries()) {
      const stored = partition.records!.subarray(pos, pos + batch.length);
      const view = new RecordBatchView(stored, 0);
      expect(view.compression).toBe([1, 2, 3, 4][i]);
      expect(stored.subarray(16)).toEqual(batch.subarray(16));
      expect(view.baseOffsetNum).toBe(i * 2);
      pos += batch.length;
    }
    expect(pos).toBe(partition.records!.length);
  });

  it('acks=0 appends and sends no response; the next request is answered with its own correlation id', async () => {
    await b.createTopic('p-acks0');
    b.send(ApiKey.Produce, 8, produceBody('p-acks0', 0, batchOf(['silent']), 0));
    const list = await b.request(ApiKey.ListOffsets, 5, {
      replicaId: -1,
      topics: [{ name: 'p-acks0', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
    });
    expect(list.topics[0]!.partitions[0]!.offset).toBe(1n);
    expect(b.client.buffered).toBe(0);
  });

  it('acks=0 to a partition that fails closes the connection, as Kafka does', async () => {
    const kit = await DataPlaneBroker.start();
    try {
      kit.send(ApiKey.Produce, 8, produceBody('p-acks0-missing', 0, batchOf(['lost']), 0));
      const closed = await Promise.race([kit.client.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
      expect(closed).toBe(true);
    } finally {
      await kit.stop();
    }
  });

  it('answers INVALID_REQUIRED_ACKS for acks other than 0, 1 and -1', async () => {
    await b.createTopic('p-badacks');
    expect(partitionOf(await produce('p-badacks', batchOf(['x']), { acks: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect((await fetchAll('p-badacks')).batches).toEqual([]);
  });

  it('answers UNSUPPORTED_VERSION per partition for v0-2 (advertised for librdkafka only)', async () => {
    const r = await b.request(ApiKey.Produce, 2, produceBody('p-basic', 0, Buffer.alloc(0), 1));
    expect(partitionOf(r).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('reports per-partition errors without failing the other partitions of the request', async () => {
    await b.createTopic('p-mixed', 2);
    const r = await b.request(ApiKey.Produce, 8, {
      acks: 1,
      timeoutMs: 1000,
      transactionalId: null,
      topicData: [
        { name: 'p-mixed', partitionData: [{ index: 0, records: batchOf(['ok']) }, { index: 5, records: batchOf(['no such partition']) }] },
        { name: 'p-missing-topic', partitionData: [{ index: 0, records: batchOf(['no such topic']) }] },
      ],
    });
    expect(r.responses.map((t) => t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset]))).toEqual([
      [
        [0, 0, 0n],
        [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ],
      [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
    ]);
  });

  it('refuses a batch above max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    await b.createTopic('p-large');
    const r = partitionOf(await produce('p-large', largeBatch(150_000)));
    expect(r.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(r.errorMessage).toMatch(/max\.message\.bytes/);
    expect(partitionOf(await produce('p-large', largeBatch(90_000))).errorCode).toBe(0);
  });

  it('refuses a corrupt batch (bad CRC) with CORRUPT_MESSAGE and writes nothing', async () => {
    await b.createTopic('p-corrupt');
    const batch = batchOf(['hello']);
    batch[batch.length - 1] ^= 0xff;
    expect(partitionOf(await produce('p-corrupt', batch)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await fetchAll('p-corrupt')).partition.highWatermark).toBe(0n);
  });

  it("applies Kafka's request checks: one batch per partition, magic 2, zstd from v7, no empty records", async () => {
    await b.createTopic('p-shape');
    const two = Buffer.concat([batchOf(['a']), batchOf(['b'])]);
    expect(partitionOf(await produce('p-shape', two)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const legacy = batchOf(['a']);
    legacy[16] = 1;
    expect(partitionOf(await produce('p-shape', legacy)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    const zstd = await batchOfAsync(['z'], { compression: CompressionType.Zstd });
    expect(partitionOf(await produce('p-shape', zstd, { version: 6 })).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(partitionOf(await produce('p-shape', Buffer.from(zstd), { version: 7 })).errorCode).toBe(0);
    expect(partitionOf(await produce('p-shape', null)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(partitionOf(await produce('p-shape', Buffer.alloc(0))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await fetchAll('p-shape')).partition.highWatermark).toBe(1n);
  });

  it('refuses keyless records on a compacted topic with INVALID_RECORD and record errors (v8)', async () => {
    await b.createTopic('p-compacted', 1, { 'cleanup.policy': 'compact' });
    const r = partitionOf(await produce('p-compacted', batchOf(['a', 'b', 'c'], { keys: ['k', null, null], compression: CompressionType.Gzip })));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect(r.recordErrors[0]!.batchIndexErrorMessage).toMatch(/Compacted topic cannot accept message without key/);
    expect(r.errorMessage).toMatch(/2 record errors/);
    expect(partitionOf(await produce('p-compacted', batchOf(['a'], { keys: ['k'] }))).errorCode).toBe(0);
    // A non-compacted topic takes keyless records.
    expect(partitionOf(await produce('p-basic', batchOf(['no key']))).errorCode).toBe(0);
  });

  it('refuses client writes to internal topics', async () => {
    await b.services.metadata.createTopic({ name: '__consumer_offsets', assignments: [[1]] });
    expect(partitionOf(await produce('__consumer_offsets', batchOf(['x']))).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('refuses a transactional batch of a producer id no transactional id uses (INVALID_PRODUCER_ID_MAPPING)', async () => {
    // Accepting it would leave a transaction open in the log with nothing to ever end it
    // (transactions.test.ts covers batches of real transactions).
    await b.createTopic('p-txn');
    const batch = batchOf(['t'], { producerId: 42n, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    expect(partitionOf(await produce('p-txn', batch)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  it('stamps LogAppendTime when the topic asks for it', async () => {
    await b.createTopic('p-lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const r = partitionOf(await produce('p-lat', batchOf(['t'], { baseTimestamp: 1000n })));
    expect(Number(r.logAppendTimeMs)).toBeGreaterThanOrEqual(before);
    const { batches } = await fetchAll('p-lat');
    expect(batches[0]!.timestampType).toBe(TimestampType.LogAppendTime);
    expect(batches[0]!.maxTimestamp).toBe(r.logAppendTimeMs);
  });

  it('refuses timestamps outside message.timestamp.before/after.max.ms with INVALID_TIMESTAMP', async () => {
    await b.createTopic('p-ts', 1, { 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '60000' });
    const at = (t: number) => batchOf(['t'], { baseTimestamp: BigInt(t) });
    expect(partitionOf(await produce('p-ts', at(Date.now() - 3_600_000))).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(partitionOf(await produce('p-ts', at(Date.now() + 3_600_000))).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(partitionOf(await produce('p-ts', at(Date.now()))).errorCode).toBe(0);
  });

  it('answers NOT_ENOUGH_REPLICAS for acks=-1 when min.insync.replicas exceeds the ISR, and accepts acks=1', async () => {
    await b.createTopic('p-minisr', 1, { 'min.insync.replicas': '2' });
    expect(partitionOf(await produce('p-minisr', batchOf(['x']), { acks: -1 })).errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(partitionOf(await produce('p-minisr', batchOf(['x']), { acks: 1 })).errorCode).toBe(0);
  });

  describe('idempotence', () => {
    const idem = (values: string[], producerId: bigint, producerEpoch: number, baseSequence: number) =>
      batchOf(values, { producerId, producerEpoch, baseSequence });

    it('answers a retried batch with its original offset and does not write it twice', async () => {
      await b.createTopic('p-idem');
      expect(partitionOf(await produce('p-idem', idem(['a', 'b'], 7n, 0, 0))).baseOffset).toBe(0n);
      expect(partitionOf(await produce('p-idem', idem(['c'], 7n, 0, 2))).baseOffset).toBe(2n);
      const retry = partitionOf(await produce('p-idem', idem(['a', 'b'], 7n, 0, 0)));
      expect(retry).toMatchObject({ errorCode: 0, baseOffset: 0n });
      const { partition, batches } = await fetchAll('p-idem');
      expect(partition.highWatermark).toBe(3n);
      expect(batches).toHaveLength(2);
    });

    it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
      await b.createTopic('p-ooo');
      expect(partitionOf(await produce('p-ooo', idem(['a'], 8n, 0, 0))).errorCode).toBe(0);
      expect(partitionOf(await produce('p-ooo', idem(['c'], 8n, 0, 5))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      expect((await fetchAll('p-ooo')).partition.highWatermark).toBe(1n);
    });

    it('refuses an older producer epoch with INVALID_PRODUCER_EPOCH', async () => {
      await b.createTopic('p-fenced');
      expect(partitionOf(await produce('p-fenced', idem(['a'], 9n, 3, 0))).errorCode).toBe(0);
      expect(partitionOf(await produce('p-fenced', idem(['b'], 9n, 2, 1))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      // A newer epoch starts again at sequence 0.
      expect(partitionOf(await produce('p-fenced', idem(['c'], 9n, 4, 0))).errorCode).toBe(0);
    });
  });
});

describe('Produce: producer state across a restart', () => {
  it('still recognises a retried batch and the next sequence after the broker restarts', async () => {
    const first = await DataPlaneBroker.start();
    const dir = first.dir;
    const idem = (values: string[], seq: number) => batchOf(values, { producerId: 77n, producerEpoch: 0, baseSequence: seq });
    try {
      await first.createTopic('restart');
      const send = (d: DataPlaneBroker, batch: Buffer) =>
        d.request(ApiKey.Produce, 8, produceBody('restart', 0, batch)).then((r) => r.responses[0]!.partitionResponses[0]!);
      expect((await send(first, idem(['a', 'b'], 0))).baseOffset).toBe(0n);
      expect((await send(first, idem(['c'], 2))).baseOffset).toBe(2n);
      await first.stop(false);

      const second = await DataPlaneBroker.start({}, dir);
      try {
        expect(await send(second, idem(['c'], 2))).toMatchObject({ errorCode: 0, baseOffset: 2n });
        expect((await send(second, idem(['e'], 9))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        expect(await send(second, idem(['d'], 3))).toMatchObject({ errorCode: 0, baseOffset: 3n });
      } finally {
        await second.stop(false);
      }
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
