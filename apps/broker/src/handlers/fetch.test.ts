import { ApiKey, decodeRecordBatchesSync, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { batchOf, DataPlaneBroker, fetchBody, largeBatch, produceBody, withDefaults } from '../replica/test-kit.js';
import { advertisedVersions } from './advertised-versions.js';

let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'message.max.bytes': 1_000_000 });
});
afterAll(async () => {
  await b.stop();
});

async function produce(topic: string, records: Buffer, partition = 0): Promise<bigint> {
  const r = await b.request(ApiKey.Produce, 8, produceBody(topic, partition, records, 1));
  const p = r.responses[0]!.partitionResponses[0]!;
  expect(p.errorCode).toBe(0);
  return p.baseOffset;
}

const fetch = (topic: string, partitions: Parameters<typeof fetchBody>[1], opts: Parameters<typeof fetchBody>[2] = {}, version = 11) =>
  b.request(ApiKey.Fetch, version, fetchBody(topic, partitions, opts), 20_000);

const values = (records: Buffer | null) => decodeRecordBatchesSync(records!).flatMap((x) => x.records.map((r) => r.value!.toString()));

describe('Fetch', () => {
  it('returns the stored batches from the fetch offset with high watermark, last stable offset and log start', async () => {
    await b.createTopic('f-basic');
    await produce('f-basic', batchOf(['a', 'b']));
    await produce('f-basic', batchOf(['c']));
    const r = await fetch('f-basic', [{ partition: 0, fetchOffset: 0 }]);
    expect(r).toMatchObject({ errorCode: 0, sessionId: 0 });
    const p = r.responses[0]!.partitions[0]!;
    expect(p).toMatchObject({ partitionIndex: 0, errorCode: 0, highWatermark: 3n, lastStableOffset: 3n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1 });
    expect(values(p.records)).toEqual(['a', 'b', 'c']);
    // An offset inside a batch returns that whole batch (the client skips what it did not ask for).
    const inside = (await fetch('f-basic', [{ partition: 0, fetchOffset: 1 }])).responses[0]!.partitions[0]!;
    expect(decodeRecordBatchesSync(inside.records!).map((x) => x.baseOffset)).toEqual([0n, 2n]);
    // At the high watermark: nothing, no error.
    const end = (await fetch('f-basic', [{ partition: 0, fetchOffset: 3 }])).responses[0]!.partitions[0]!;
    expect(end.errorCode).toBe(0);
    expect(end.records!.length).toBe(0);
  });

  it('answers every advertised version (4-11) with the same data', async () => {
    await b.createTopic('f-versions');
    await produce('f-versions', batchOf(['v']));
    const range = advertisedVersions(ApiKey.Fetch);
    for (let v = range.min; v <= range.max; v++) {
      const r = await fetch('f-versions', [{ partition: 0, fetchOffset: 0 }], {}, v);
      expect(values(r.responses[0]!.partitions[0]!.records), `v${v}`).toEqual(['v']);
    }
  });

  it('reports OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION and leader epoch errors per partition with -1 offsets', async () => {
    await b.createTopic('f-errors', 2);
    await produce('f-errors', batchOf(['x']));
    const r = await fetch('f-errors', [
      { partition: 0, fetchOffset: 5 },
      { partition: 1, fetchOffset: -1 },
      { partition: 7, fetchOffset: 0 },
      { partition: 0, fetchOffset: 0, currentLeaderEpoch: 3 },
    ]);
    expect(r.responses[0]!.partitions.map((p) => [p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset])).toEqual([
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1n, -1n, -1n],
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1n, -1n, -1n],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n, -1n, -1n],
      [ErrorCode.UNKNOWN_LEADER_EPOCH, -1n, -1n, -1n],
    ]);
    const unknownTopic = await fetch('f-no-such-topic', [{ partition: 0, fetchOffset: 0 }]);
    expect(unknownTopic.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // The current epoch (0) passes.
    expect((await fetch('f-errors', [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: 0 }])).responses[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('returns the first batch whole even above the limits, but only for the first partition with data', async () => {
    await b.createTopic('f-limits', 2);
    await produce('f-limits', largeBatch(30_000), 0);
    await produce('f-limits', batchOf(['small']), 0);
    await produce('f-limits', largeBatch(30_000), 1);
    const both = [
      { partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 },
      { partition: 1, fetchOffset: 0, partitionMaxBytes: 1000 },
    ];
    const r = await fetch('f-limits', both, { maxBytes: 50_000 });
    const [p0, p1] = r.responses[0]!.partitions;
    // Partition 0: its 30 KB batch alone, although partition_max_bytes is 1000; not the batch after it.
    expect(decodeRecordBatchesSync(p0!.records!).map((x) => x.baseOffset)).toEqual([0n]);
    expect(p0!.records!.length).toBeGreaterThan(30_000);
    // Partition 1: the limits hold again, so nothing fits.
    expect(p1!.errorCode).toBe(0);
    expect(p1!.records!.length).toBe(0);
    expect(p1!.highWatermark).toBe(1n);

    // The response-level max_bytes bounds what follows the first batch too.
    const capped = await fetch('f-limits', [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1_000_000 }], { maxBytes: 10 });
    expect(decodeRecordBatchesSync(capped.responses[0]!.partitions[0]!.records!)).toHaveLength(1);
    const roomy = await fetch('f-limits', [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1_000_000 }], { maxBytes: 1_000_000 });
    expect(decodeRecordBatchesSync(roomy.responses[0]!.partitions[0]!.records!)).toHaveLength(2);
  });

  it('read_committed reads to the last stable offset (the high watermark without open transactions) with an empty aborted list', async () => {
    await b.createTopic('f-committed');
    await produce('f-committed', batchOf(['a', 'b']));
    const p = (await fetch('f-committed', [{ partition: 0, fetchOffset: 0 }], { isolationLevel: 1 })).responses[0]!.partitions[0]!;
    expect(p).toMatchObject({ errorCode: 0, highWatermark: 2n, lastStableOffset: 2n, abortedTransactions: [] });
    expect(values(p.records)).toEqual(['a', 'b']);
  });

  describe('long poll', () => {
    it('answers by max_wait_ms when min_bytes never arrives', async () => {
      await b.createTopic('f-wait');
      const t0 = Date.now();
      const r = await fetch('f-wait', [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 300, minBytes: 1 });
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(280);
      expect(took).toBeLessThan(2000);
      expect(r.responses[0]!.partitions[0]!.records!.length).toBe(0);
      expect(b.services.replicaManager.waitingFetches).toBe(0);
    });

    it('wakes as soon as an append brings min_bytes, on another connection', async () => {
      await b.createTopic('f-wake');
      const t0 = Date.now();
      const corr = b.send(ApiKey.Fetch, 11, fetchBody('f-wake', [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 10_000, minBytes: 1 }));
      await waitFor(() => b.services.replicaManager.waitingFetches === 1);
      const producer = await RawClient.connect(b.broker.port);
      try {
        producer.send(ApiKey.Produce, 8, 1, withDefaults(ApiKey.Produce, produceBody('f-wake', 0, batchOf(['woken']), 1)));
        const r = await b.receive(ApiKey.Fetch, 11, corr);
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(values(r.responses[0]!.partitions[0]!.records)).toEqual(['woken']);
        await producer.next();
      } finally {
        producer.close();
      }
    });

    it('keeps waiting while less than min_bytes has arrived', async () => {
      await b.createTopic('f-minbytes');
      const corr = b.send(ApiKey.Fetch, 11, fetchBody('f-minbytes', [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 10_000, minBytes: 5000 }));
      await waitFor(() => b.services.replicaManager.waitingFetches === 1);
      const producer = await RawClient.connect(b.broker.port);
      try {
        producer.send(ApiKey.Produce, 8, 1, withDefaults(ApiKey.Produce, produceBody('f-minbytes', 0, batchOf(['tiny']), 1)));
        await producer.next();
        await new Promise((r) => setTimeout(r, 100));
        expect(b.services.replicaManager.waitingFetches).toBe(1);
        producer.send(ApiKey.Produce, 8, 2, withDefaults(ApiKey.Produce, produceBody('f-minbytes', 0, largeBatch(6000), 1)));
        await producer.next();
        const r = await b.receive(ApiKey.Fetch, 11, corr);
        expect(decodeRecordBatchesSync(r.responses[0]!.partitions[0]!.records!)).toHaveLength(2);
      } finally {
        producer.close();
      }
    });

    it('answers a waiting fetch at once when its topic is deleted', async () => {
      await b.createTopic('f-deleted');
      const corr = b.send(ApiKey.Fetch, 11, fetchBody('f-deleted', [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 10_000 }));
      await waitFor(() => b.services.replicaManager.waitingFetches === 1);
      await b.services.topics.deleteTopic('f-deleted');
      const r = await b.receive(ApiKey.Fetch, 11, corr, 3000);
      expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
  });

  describe('sessions', () => {
    it('answers a new-session request (epoch 0) sessionless with session id 0', async () => {
      await b.createTopic('f-session');
      await produce('f-session', batchOf(['s']));
      const r = await fetch('f-session', [{ partition: 0, fetchOffset: 0 }], { sessionId: 0, sessionEpoch: 0 });
      expect(r.errorCode).toBe(0);
      expect(r.sessionId).toBe(0);
      expect(values(r.responses[0]!.partitions[0]!.records)).toEqual(['s']);
    });

    it('answers an incremental fetch of an unknown session with FETCH_SESSION_ID_NOT_FOUND at the top level', async () => {
      const r = await fetch('f-session', [{ partition: 0, fetchOffset: 0 }], { sessionId: 1234, sessionEpoch: 3 });
      expect(r).toMatchObject({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] });
    });
  });
});

describe('Fetch during shutdown', () => {
  it('answers a waiting long poll at once when the broker stops', async () => {
    const own = await DataPlaneBroker.start();
    await own.createTopic('f-stop');
    const corr = own.send(ApiKey.Fetch, 11, fetchBody('f-stop', [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 30_000 }));
    await waitFor(() => own.services.replicaManager.waitingFetches === 1);
    const t0 = Date.now();
    const answered = own.receive(ApiKey.Fetch, 11, corr);
    const stopped = own.broker.stop();
    const r = await answered;
    expect(r.responses[0]!.partitions[0]!.errorCode).toBe(0);
    await stopped;
    expect(Date.now() - t0).toBeLessThan(3000);
    await own.stop();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
