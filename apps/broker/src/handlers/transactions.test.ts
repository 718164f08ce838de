import { ApiKey, decodeRecordBatches, ErrorCode, parseTxnMarker } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionalWriteCheck } from '../replica/produce-records-check.js';
import { DataPlaneBroker, batchOf, produceBody } from '../replica/test-kit.js';

/**
 * The transaction APIs over the wire (network layer, dispatcher, codecs, handlers, coordinator,
 * markers, storage): what a transactional producer sends, at the versions kafkajs and librdkafka
 * use, and the error codes each version gets.
 */

let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 });
  await b.createTopic('orders', 2);
  await b.createTopic('audit', 1);
  expect((await b.request(ApiKey.FindCoordinator, 1, { key: 'any', keyType: 1 })).errorCode).toBe(ErrorCode.NONE);
});
afterAll(async () => {
  await b.stop();
});

interface Producer {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

async function initProducer(transactionalId: string, version = 1): Promise<Producer> {
  const r = await b.request(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: 60_000 });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
}

const addPartitions = (p: Producer, topics: Array<[string, number[]]>, version = 1) =>
  b.request(ApiKey.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: topics.map(([name, partitions]) => ({ name, partitions })),
  });

const endTxn = (p: Producer, committed: boolean, version = 1) =>
  b.request(ApiKey.EndTxn, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });

/** Produce v7 of a transactional batch (the base sequence is the caller's: 0 for a partition's first batch). */
async function produceTxn(p: Producer, topic: string, partition: number, values: string[], baseSequence = 0): Promise<number> {
  const records = batchOf(values, { isTransactional: true, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence });
  const r = await b.request(ApiKey.Produce, 7, { ...produceBody(topic, partition, records), transactionalId: p.transactionalId });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

/** Every COMMIT/ABORT marker in a partition's log, with its producer. */
async function markersIn(topic: string, partition: number): Promise<Array<{ producerId: bigint; producerEpoch: number; commit: boolean; coordinatorEpoch: number }>> {
  const log = b.services.logManager.getLog(topic, partition)!;
  const chunk = await log.read(log.logStartOffset, 10 * 1024 * 1024);
  const out = [];
  for (const batch of await decodeRecordBatches(chunk.records)) {
    if (!batch.isControl) continue;
    const marker = parseTxnMarker(batch.records[0]!)!;
    out.push({ producerId: batch.producerId, producerEpoch: batch.producerEpoch, commit: marker.commit, coordinatorEpoch: marker.coordinatorEpoch });
  }
  return out;
}

describe('a transaction over the wire', () => {
  it('commits records produced to partitions of two topics: markers in each, last stable offset at the end', async () => {
    const p = await initProducer('wire-commit');
    const added = await addPartitions(p, [
      ['orders', [0]],
      ['audit', [0]],
    ]);
    expect(added.resultsByTopicV3AndBelow).toEqual([
      { name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.NONE }] },
      { name: 'audit', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.NONE }] },
    ]);
    expect(await produceTxn(p, 'orders', 0, ['o1', 'o2'])).toBe(ErrorCode.NONE);
    expect(await produceTxn(p, 'audit', 0, ['a1'])).toBe(ErrorCode.NONE);
    const orders = b.services.logManager.getLog('orders', 0)!;
    expect(orders.lastStableOffset).toBeLessThan(orders.logEndOffset); // open transaction
    // A partition not added to the transaction is refused, as Kafka's verification refuses it.
    expect(await produceTxn(p, 'orders', 1, ['stray'])).toBe(ErrorCode.INVALID_TXN_STATE);

    expect(await endTxn(p, true)).toMatchObject({ errorCode: ErrorCode.NONE });
    // Markers are written before EndTxn is answered.
    for (const [topic, partition] of [
      ['orders', 0],
      ['audit', 0],
    ] as const) {
      expect(await markersIn(topic, partition)).toEqual([{ producerId: p.producerId, producerEpoch: p.producerEpoch, commit: true, coordinatorEpoch: 0 }]);
    }
    expect(orders.lastStableOffset).toBe(orders.logEndOffset);
    const described = await b.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['wire-commit'] });
    expect(described.transactionStates[0]).toMatchObject({ errorCode: ErrorCode.NONE, transactionState: 'CompleteCommit', producerId: p.producerId, topics: [] });
  });

  it('refuses unknown and internal partitions, marking the rest OPERATION_NOT_ATTEMPTED', async () => {
    const p = await initProducer('wire-unknown');
    const r = await addPartitions(p, [
      ['orders', [1, 9]],
      ['no-such-topic', [0]],
      ['__consumer_offsets', [0]],
    ]);
    expect(r.resultsByTopicV3AndBelow).toEqual([
      {
        name: 'orders',
        resultsByPartition: [
          { partitionIndex: 1, partitionErrorCode: ErrorCode.OPERATION_NOT_ATTEMPTED },
          { partitionIndex: 9, partitionErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
        ],
      },
      { name: 'no-such-topic', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
      { name: '__consumer_offsets', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] },
    ]);
    const described = await b.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['wire-unknown'] });
    expect(described.transactionStates[0]!.transactionState).toBe('Empty'); // nothing was added
  });

  it('adds the group partition of __consumer_offsets with AddOffsetsToTxn, and aborts with ABORT markers', async () => {
    const p = await initProducer('wire-offsets');
    const r = await b.request(ApiKey.AddOffsetsToTxn, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g-wire' });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    await addPartitions(p, [['orders', [1]]]);
    expect(await produceTxn(p, 'orders', 1, ['x'])).toBe(ErrorCode.NONE);
    const groupPartition = b.services.groups.partitionFor('g-wire');
    const described = await b.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['wire-offsets'] });
    expect(described.transactionStates[0]!.topics).toEqual(
      expect.arrayContaining([
        { topic: '__consumer_offsets', partitions: [groupPartition] },
        { topic: 'orders', partitions: [1] },
      ]),
    );
    expect((await endTxn(p, false)).errorCode).toBe(ErrorCode.NONE);
    expect((await markersIn('orders', 1)).at(-1)).toMatchObject({ producerId: p.producerId, commit: false });
    // No group has used __consumer_offsets in this test: the partition does not exist and is skipped.
    expect((await b.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['wire-offsets'] })).transactionStates[0]!.transactionState).toBe('CompleteAbort');
  });
});

describe('a transactional batch racing its own EndTxn', () => {
  it('is checked again at the moment of the write: written after the markers, it is refused instead of opening a transaction nothing ends', async () => {
    await b.createTopic('race', 1);
    const p = await initProducer('wire-race');
    await addPartitions(p, [['race', [0]]]);
    expect(await produceTxn(p, 'race', 0, ['in-txn'])).toBe(ErrorCode.NONE);
    // Verified by the Produce handler while the transaction is ongoing...
    const late = batchOf(['late'], { isTransactional: true, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 1 });
    const target = { topic: 'race', partition: 0, transactions: b.services.transactions };
    const beforeWrite = transactionalWriteCheck(7, late, target)!;
    expect(beforeWrite).toBeTypeOf('function');
    // ...but the commit's markers are written before the batch reaches the log.
    expect((await endTxn(p, true)).errorCode).toBe(ErrorCode.NONE);
    const log = b.services.logManager.getLog('race', 0)!;
    const end = log.logEndOffset;
    const [result] = await b.services.replicaManager.appendRecords({ acks: -1, origin: 'client', entries: [{ topic: 'race', partition: 0, records: late, beforeWrite }] });
    expect(result!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(log.logEndOffset).toBe(end);
    expect(log.lastStableOffset).toBe(log.logEndOffset);
  });
});

describe('fencing over the wire', () => {
  it('fences the previous instance with the error code each version expects', async () => {
    const old = await initProducer('wire-fence');
    await addPartitions(old, [['orders', [0]]]);
    let sequence = 0;
    expect(await produceTxn(old, 'orders', 0, ['zombie-1'], sequence++)).toBe(ErrorCode.NONE);

    // A new instance: its first InitProducerId aborts the old transaction and asks it to retry.
    const retry = await b.request(ApiKey.InitProducerId, 1, { transactionalId: 'wire-fence', transactionTimeoutMs: 60_000 });
    expect(retry).toMatchObject({ errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: -1n, producerEpoch: -1 });
    const fresh = await initProducer('wire-fence');
    expect(fresh).toMatchObject({ producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });

    expect(await produceTxn(old, 'orders', 0, ['zombie-2'], sequence++)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(old, true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(old, true, 2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await addPartitions(old, [['orders', [1]]], 1)).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await addPartitions(old, [['orders', [1]]], 2)).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.PRODUCER_FENCED);
    const offsets = await b.request(ApiKey.AddOffsetsToTxn, 0, { transactionalId: 'wire-fence', producerId: old.producerId, producerEpoch: old.producerEpoch, groupId: 'g' });
    expect(offsets.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);

    // The aborted transaction ended with an ABORT marker in the bumped epoch.
    expect(await markersIn('orders', 0)).toContainEqual({ producerId: old.producerId, producerEpoch: old.producerEpoch + 1, commit: false, coordinatorEpoch: 0 });
  });

  it('answers a commit retry after completion and refuses an abort then (INVALID_TXN_STATE)', async () => {
    const p = await initProducer('wire-retry');
    await addPartitions(p, [['audit', [0]]]);
    expect((await endTxn(p, true)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn(p, true)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn(p, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });
});

describe('WriteTxnMarkers', () => {
  it('writes a marker for a producer to each partition and reports unknown partitions', async () => {
    const p = await initProducer('wire-markers');
    await addPartitions(p, [['orders', [1]]]);
    expect(await produceTxn(p, 'orders', 1, ['m'])).toBe(ErrorCode.NONE);
    const log = b.services.logManager.getLog('orders', 1)!;
    expect(log.lastStableOffset).toBeLessThan(log.logEndOffset);
    const r = await b.request(ApiKey.WriteTxnMarkers, 0, {
      markers: [
        {
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          transactionResult: false,
          coordinatorEpoch: 0,
          topics: [
            { name: 'orders', partitionIndexes: [1] },
            { name: 'nope', partitionIndexes: [0] },
          ],
        },
      ],
    });
    expect(r.markers).toEqual([
      {
        producerId: p.producerId,
        topics: [
          { name: 'orders', partitions: [{ partitionIndex: 1, errorCode: ErrorCode.NONE }] },
          { name: 'nope', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
        ],
      },
    ]);
    expect(log.lastStableOffset).toBe(log.logEndOffset);
    expect((await markersIn('orders', 1)).at(-1)).toEqual({ producerId: p.producerId, producerEpoch: p.producerEpoch, commit: false, coordinatorEpoch: 0 });
  });
});

describe('DescribeTransactions and ListTransactions', () => {
  it('reports unknown ids and lists ids with filters (v0 and v1)', async () => {
    const p = await initProducer('wire-list');
    await addPartitions(p, [['audit', [0]]]);
    const d = await b.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['wire-list', 'never-seen'] });
    expect(d.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.transactionState])).toEqual([
      ['wire-list', ErrorCode.NONE, 'Ongoing'],
      ['never-seen', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ''],
    ]);
    const ongoing = await b.request(ApiKey.ListTransactions, 0, { stateFilters: ['Ongoing', 'Nonsense'], producerIdFilters: [] });
    expect(ongoing.errorCode).toBe(ErrorCode.NONE);
    expect(ongoing.unknownStateFilters).toEqual(['Nonsense']);
    expect(ongoing.transactionStates).toContainEqual({ transactionalId: 'wire-list', producerId: p.producerId, transactionState: 'Ongoing' });
    const byProducer = await b.request(ApiKey.ListTransactions, 1, { stateFilters: [], producerIdFilters: [p.producerId], durationFilter: -1n });
    expect(byProducer.transactionStates).toEqual([{ transactionalId: 'wire-list', producerId: p.producerId, transactionState: 'Ongoing' }]);
    const longRunning = await b.request(ApiKey.ListTransactions, 1, { stateFilters: [], producerIdFilters: [p.producerId], durationFilter: 3_600_000n });
    expect(longRunning.transactionStates).toEqual([]);
    await endTxn(p, false);
  });
});
