import { ApiKey, encodeRecordBatchSync, endTxnMarkerBatch, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPlaneBroker, produceBody } from '../replica/test-kit.js';

let b: DataPlaneBroker;
const T0 = Date.now() - 60_000;

beforeAll(async () => {
  b = await DataPlaneBroker.start();
  await b.createTopic('lo', 2);
  // Three batches with known timestamps: offsets 0-1 at T0, T0+10; 2 at T0+20; 3-4 at T0+5 (out of order), T0+30.
  const batches = [
    [0, 10],
    [20],
    [5, 30],
  ].map((deltas) => encodeRecordBatchSync({ records: deltas.map((d) => ({ value: Buffer.from('v'), timestamp: BigInt(T0 + d) })) }));
  for (const batch of batches) {
    const r = await b.request(ApiKey.Produce, 8, produceBody('lo', 0, batch, 1));
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  }
});
afterAll(async () => {
  await b.stop();
});

const list = (partitions: Array<{ partition?: number; timestamp: number; epoch?: number; max?: number }>, opts: { version?: number; isolation?: number; replicaId?: number } = {}) =>
  b
    .request(ApiKey.ListOffsets, opts.version ?? 5, {
      replicaId: opts.replicaId ?? -1,
      isolationLevel: opts.isolation ?? 0,
      topics: [
        {
          name: 'lo',
          partitions: partitions.map((p) => ({
            partitionIndex: p.partition ?? 0,
            currentLeaderEpoch: p.epoch ?? -1,
            timestamp: BigInt(p.timestamp),
            maxNumOffsets: p.max ?? 1,
          })),
        },
      ],
    })
    .then((r) => r.topics[0]!.partitions);

/** One partition per request: a request naming a partition twice is refused (see below). */
const one = async (p: { partition?: number; timestamp: number; epoch?: number; max?: number }, opts: Parameters<typeof list>[1] = {}) =>
  (await list([p], opts))[0]!;

describe('ListOffsets', () => {
  it('answers earliest (-2) and latest (-1) with the leader epoch', async () => {
    const earliest = await one({ timestamp: -2 });
    const latest = await one({ timestamp: -1 });
    expect(earliest).toMatchObject({ errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    expect(latest).toMatchObject({ errorCode: 0, offset: 5n, timestamp: -1n, leaderEpoch: 0 });
    // read_committed: the last stable offset, equal to the high watermark without transactions.
    expect((await one({ timestamp: -1 }, { isolation: 1 })).offset).toBe(5n);
  });

  it('finds the first offset whose timestamp is at or after the target, with that timestamp', async () => {
    expect(await one({ timestamp: T0 })).toMatchObject({ errorCode: 0, offset: 0n, timestamp: BigInt(T0), leaderEpoch: 0 });
    expect(await one({ timestamp: T0 + 10 })).toMatchObject({ offset: 1n, timestamp: BigInt(T0 + 10) });
    expect(await one({ timestamp: T0 + 11 })).toMatchObject({ offset: 2n, timestamp: BigInt(T0 + 20) });
    expect(await one({ timestamp: T0 + 25 })).toMatchObject({ offset: 4n, timestamp: BigInt(T0 + 30) });
    expect(await one({ timestamp: T0 + 31 })).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
  });

  it('answers max timestamp (-3) with the record holding the largest timestamp', async () => {
    // v5 is the highest advertised; the broker resolves -3 whatever the version.
    expect(await one({ timestamp: -3 })).toMatchObject({ errorCode: 0, offset: 4n, timestamp: BigInt(T0 + 30) });
  });

  it('answers v0 with old-style offsets, newest first', async () => {
    expect(await one({ timestamp: -1, max: 10 }, { version: 0 })).toMatchObject({ errorCode: 0, oldStyleOffsets: [5n, 0n] });
    expect(await one({ timestamp: -1, max: 1 }, { version: 0 })).toMatchObject({ errorCode: 0, oldStyleOffsets: [5n] });
    expect(await one({ timestamp: -2, max: 10 }, { version: 0 })).toMatchObject({ errorCode: 0, oldStyleOffsets: [0n] });
  });

  it('answers an empty partition with its start and end, and an unknown one with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const [emptyLatest, missing] = await list([
      { partition: 1, timestamp: -1 },
      { partition: 9, timestamp: -1 },
    ]);
    const emptyEarliest = await one({ partition: 1, timestamp: -2 });
    expect(emptyLatest).toMatchObject({ errorCode: 0, offset: 0n });
    expect(emptyEarliest).toMatchObject({ errorCode: 0, offset: 0n });
    expect(missing).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
  });

  it('refuses a partition named twice (INVALID_REQUEST) and checks the leader epoch (v4+)', async () => {
    const dup = await list([{ timestamp: -1 }, { timestamp: -2 }, { partition: 1, timestamp: -1 }]);
    expect(dup.map((p) => p.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, 0]);
    expect((await one({ timestamp: -1, epoch: 5 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await one({ timestamp: -1, epoch: 0 })).errorCode).toBe(0);
  });

  it('answers v1-v3 without the leader epoch field', async () => {
    for (const version of [1, 2, 3]) {
      expect(await one({ timestamp: -1 }, { version })).toMatchObject({ errorCode: 0, offset: 5n, leaderEpoch: -1 });
    }
  });

  it('read_committed: latest is the last stable offset of an open transaction, and look-ups by time stop there', async () => {
    await b.createTopic('lo-txn');
    const log = b.services.logManager.getLog('lo-txn', 0)!;
    const at = (delta: number) => BigInt(T0 + delta);
    await log.append(encodeRecordBatchSync({ records: [{ value: Buffer.from('a'), timestamp: at(1) }] }));
    // An open transaction at offset 1 (written as its producer would), then a plain record.
    await log.append(encodeRecordBatchSync({ producerId: 40n, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [{ value: Buffer.from('t'), timestamp: at(2) }] }));
    await log.append(encodeRecordBatchSync({ records: [{ value: Buffer.from('b'), timestamp: at(3) }] }));

    const query = (timestamp: number, isolationLevel: number) =>
      b
        .request(ApiKey.ListOffsets, 5, {
          replicaId: -1,
          isolationLevel,
          topics: [{ name: 'lo-txn', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: BigInt(timestamp), maxNumOffsets: 1 }] }],
        })
        .then((r) => r.topics[0]!.partitions[0]!);
    expect(await query(-1, 1)).toMatchObject({ errorCode: 0, offset: 1n });
    expect(await query(-1, 0)).toMatchObject({ errorCode: 0, offset: 3n });
    expect(await query(T0 + 3, 1)).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
    expect(await query(T0 + 3, 0)).toMatchObject({ errorCode: 0, offset: 2n, timestamp: BigInt(T0 + 3) });

    await log.append(encodeRecordBatchSync(endTxnMarkerBatch({ commit: true, producerId: 40n, producerEpoch: 0, coordinatorEpoch: 0, timestamp: at(4) })), { origin: 'coordinator' });
    expect(await query(-1, 1)).toMatchObject({ errorCode: 0, offset: 4n });
    expect(await query(T0 + 3, 1)).toMatchObject({ errorCode: 0, offset: 2n });
  });
});
