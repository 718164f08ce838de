import { ErrorCode, KafkaError } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { createTxnHarness, FIRST_PRODUCER_ID, flush, START_MS, tp } from './test-support/harness.js';
import { InMemoryTransactionLog } from './test-support/in-memory-transaction-log.js';
import { stored, TransactionStateManagerProbe } from './test-support/stored-records.js';

const NONE = ErrorCode.NONE;

describe('InitProducerId', () => {
  it('gives a new transactional id a new producer id at epoch 0, persisted as Empty', async () => {
    const h = await createTxnHarness();
    expect(await h.init('tx-a')).toEqual({ errorCode: NONE, producerId: FIRST_PRODUCER_ID, producerEpoch: 0 });
    expect(h.history('tx-a')).toEqual([
      expect.objectContaining({ state: 'Empty', producerId: FIRST_PRODUCER_ID, producerEpoch: 0, transactionTimeoutMs: 60_000, partitions: null, transactionStartTimestampMs: -1, transactionLastUpdateTimestampMs: START_MS }),
    ]);
  });

  it('bumps the epoch of a known id and keeps its producer id', async () => {
    const h = await createTxnHarness();
    await h.init('tx-a');
    await h.advance(10);
    expect(await h.init('tx-a', 30_000)).toEqual({ errorCode: NONE, producerId: FIRST_PRODUCER_ID, producerEpoch: 1 });
    expect(h.history('tx-a').at(-1)).toMatchObject({ state: 'Empty', producerEpoch: 1, transactionTimeoutMs: 30_000 });
  });

  it('checks the id, the timeout and the id/epoch pair as Kafka does', async () => {
    const h = await createTxnHarness({ config: { transactionMaxTimeoutMs: 60_000 } });
    const init = (transactionalId: string, transactionTimeoutMs: number, producerId = -1, producerEpoch = -1) =>
      h.coordinator.initProducerId({ transactionalId, transactionTimeoutMs, producerId, producerEpoch });
    expect(await init('', 1000)).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 });
    expect((await init('tx', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init('tx', 60_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init('tx', 1000, 5, -1)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await init('tx', 1000, -1, 3)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(h.log.appendCount).toBe(0);
  });

  it('lets a client that names its id and epoch (KIP-360) bump, retry the bump, and fences other epochs', async () => {
    const h = await createTxnHarness();
    const first = await h.init('tx');
    const init = (producerId: number, producerEpoch: number) => h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId, producerEpoch });
    expect(await init(first.producerId, 0)).toMatchObject({ errorCode: NONE, producerEpoch: 1 });
    // The answer got lost: the client retries naming epoch 0, which is now the last epoch.
    expect(await init(first.producerId, 0)).toMatchObject({ errorCode: NONE, producerEpoch: 1 });
    expect((await init(first.producerId, 7)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await init(first.producerId + 50, 1)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('rotates to a new producer id when the epochs run out', async () => {
    // Long-lived ids at epoch 32766, as replayed from __transaction_state.
    const log = new InMemoryTransactionLog();
    const probe = new TransactionStateManagerProbe();
    log.inject(probe.partitionFor('plain'), [stored('plain', { producerId: 77, producerEpoch: 32_766, state: 'CompleteCommit' })]);
    log.inject(probe.partitionFor('kip360'), [stored('kip360', { producerId: 88, producerEpoch: 32_766, state: 'CompleteAbort' })]);
    const h = await createTxnHarness({ log, firstProducerId: 5000 });

    expect(await h.init('plain')).toEqual({ errorCode: NONE, producerId: 5000, producerEpoch: 0 });
    expect(h.history('plain').at(-1)).toMatchObject({ state: 'Empty', producerId: 5000, producerEpoch: 0 });
    // The old producer id no longer maps to the transactional id.
    expect(h.coordinator.verifyTransactionalProduce(77, 32_766, 'orders', 0)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(h.coordinator.verifyTransactionalProduce(5000, 0, 'orders', 0)).toBe(ErrorCode.TRANSACTION_ABORTABLE);

    // A client naming its exhausted id and epoch rotates too, and its retry gets the same answer.
    const named = { transactionalId: 'kip360', transactionTimeoutMs: 1000, producerId: 88, producerEpoch: 32_766 };
    expect(await h.coordinator.initProducerId(named)).toEqual({ errorCode: NONE, producerId: 5001, producerEpoch: 0 });
    expect(await h.coordinator.initProducerId(named)).toEqual({ errorCode: NONE, producerId: 5001, producerEpoch: 0 });
  });

  it('maps a failed write of __transaction_state as Kafka does and leaves the id usable', async () => {
    const h = await createTxnHarness();
    await h.init('tx');
    h.log.failWith = new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    h.log.failWith = Object.assign(new Error('log dir failed'), { errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.NOT_COORDINATOR,
    );
    h.log.failWith = null;
    expect(await h.init('tx')).toMatchObject({ producerEpoch: 1 });
  });
});

describe('AddPartitionsToTxn', () => {
  it('starts the transaction (Ongoing, start time now) and adds partitions to it', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.advance(100);
    expect(await h.add('tx', ids, 'orders-0', 'orders-1')).toBe(NONE);
    await h.advance(100);
    expect(await h.add('tx', ids, 'payments-0')).toBe(NONE);
    const last = h.history('tx').at(-1)!;
    expect(last).toMatchObject({ state: 'Ongoing', transactionStartTimestampMs: START_MS + 100, transactionLastUpdateTimestampMs: START_MS + 200 });
    expect(last.partitions).toEqual([
      { topic: 'orders', partitionIds: [0, 1] },
      { topic: 'payments', partitionIds: [0] },
    ]);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'Ongoing', transactionStartTimeMs: START_MS + 100 });
  });

  it('writes nothing when every partition is already in the transaction', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0', 'orders-1');
    const writes = h.log.appendCount;
    expect(await h.add('tx', ids, 'orders-1')).toBe(NONE);
    expect(h.log.appendCount).toBe(writes);
  });

  it('refuses unknown ids, other producer ids, stale epochs and an empty id', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    expect(await h.add('nobody', ids, 'orders-0')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.add('tx', { ...ids, producerId: ids.producerId + 1 }, 'orders-0')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.add('tx', { ...ids, producerEpoch: ids.producerEpoch + 1 }, 'orders-0')).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await h.add('', ids, 'orders-0')).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('answers CONCURRENT_TRANSACTIONS while another change of the id is being written', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const original = h.log.append.bind(h.log);
    h.log.append = async (p, records) => {
      await gate;
      return original(p, records);
    };
    const first = h.add('tx', ids, 'orders-0');
    await flush();
    expect(await h.add('tx', ids, 'orders-1')).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    release();
    expect(await first).toBe(NONE);
  });
});

describe('EndTxn', () => {
  it('commits: PrepareCommit, COMMIT markers to every partition, then CompleteCommit, all before answering', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0', 'orders-1', '__consumer_offsets-7');
    const r = await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true });
    expect(r).toEqual({ errorCode: NONE, producerId: ids.producerId, producerEpoch: ids.producerEpoch });
    expect(h.history('tx').map((v) => v!.state)).toEqual(['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
    expect(h.history('tx')[2]!.partitions).toEqual([
      { topic: 'orders', partitionIds: [0, 1] },
      { topic: '__consumer_offsets', partitionIds: [7] },
    ]);
    expect(h.history('tx')[3]!.partitions).toEqual([]);
    expect(h.markers.written.map((m) => `${m.topic}-${m.partition}`).sort()).toEqual(['__consumer_offsets-7', 'orders-0', 'orders-1']);
    expect(h.markers.written.every((m) => m.commit && m.producerId === ids.producerId && m.producerEpoch === 0 && m.coordinatorEpoch === 0)).toBe(true);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'CompleteCommit', topics: [] });
  });

  it('aborts with ABORT markers and CompleteAbort', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-2');
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: false })).errorCode).toBe(NONE);
    expect(h.history('tx').map((v) => v!.state)).toEqual(['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort']);
    expect(h.markers.written).toEqual([{ topic: 'orders', partition: 2, producerId: ids.producerId, producerEpoch: 0, coordinatorEpoch: 0, commit: false }]);
  });

  it('answers a retried commit or abort of a completed transaction, and refuses the opposite decision', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    const end = (commit: boolean) => h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit });
    expect((await end(true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE); // Empty: nothing to end
    await h.add('tx', ids, 'orders-0');
    await end(true);
    const writes = h.log.appendCount;
    expect(await end(true)).toEqual({ errorCode: NONE, producerId: ids.producerId, producerEpoch: 0 });
    expect((await end(false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(h.log.appendCount).toBe(writes);
    await h.add('tx', ids, 'orders-0');
    await end(false);
    expect((await end(false)).errorCode).toBe(NONE);
    expect((await end(true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('refuses an unknown id, another producer id and a stale epoch', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    expect((await h.coordinator.endTransaction({ transactionalId: 'other', ...ids, commit: true })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, producerId: 1, commit: true })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, producerEpoch: 1, commit: true })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.coordinator.endTransaction({ transactionalId: '', ...ids, commit: true })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('answers from a decided but uncompleted transaction: CONCURRENT_TRANSACTIONS for the same decision, INVALID_TXN_STATE for the other', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    // The completion record cannot be written and it is not retriable: the id stays PrepareCommit.
    h.log.failWhen = (_p, records) => (records[0]!.value?.readInt8(16) === 4 ? new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER) : undefined);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(NONE);
    expect(h.coordinator.describeTransaction('tx').state).toBe('PrepareCommit');
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: false })).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await h.add('tx', ids, 'orders-1')).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
  });

  it('starts the next transaction right after a commit', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    for (let round = 0; round < 3; round++) {
      expect(await h.add('tx', ids, `orders-${round}`)).toBe(NONE);
      expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: round !== 1 })).errorCode).toBe(NONE);
    }
    expect(h.markers.written.map((m) => [m.partition, m.commit])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
  });
});

describe('fencing a previous producer instance', () => {
  it('aborts its ongoing transaction with a bumped epoch, answers CONCURRENT_TRANSACTIONS, then hands out the next epoch', async () => {
    const h = await createTxnHarness();
    const old = await h.init('tx');
    await h.add('tx', old, 'orders-0', 'orders-1');

    const fencing = await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(fencing).toEqual({ errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, producerId: -1, producerEpoch: -1 });
    expect(h.markers.written.map((m) => [m.partition, m.commit, m.producerEpoch])).toEqual([
      [0, false, 1],
      [1, false, 1],
    ]);
    expect(h.history('tx').map((v) => [v!.state, v!.producerEpoch])).toEqual([
      ['Empty', 0],
      ['Ongoing', 0],
      ['PrepareAbort', 1],
      ['CompleteAbort', 1],
    ]);

    const fresh = await h.init('tx');
    expect(fresh).toEqual({ errorCode: NONE, producerId: old.producerId, producerEpoch: 2 });

    // Every later request of the old instance is fenced.
    expect(await h.add('tx', old, 'orders-2')).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...old, commit: true })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(h.coordinator.verifyTransactionalProduce(old.producerId, old.producerEpoch, 'orders', 0)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('reuses the bumped epoch when the fencing abort could not be written', async () => {
    const h = await createTxnHarness();
    const old = await h.init('tx');
    await h.add('tx', old, 'orders-0');
    h.log.failWith = new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    h.log.failWith = null;
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
    // The abort carries epoch 1 (not 2): the failed fence's epoch was kept.
    expect(h.markers.written.map((m) => m.producerEpoch)).toEqual([1]);
    expect((await h.init('tx')).producerEpoch).toBe(2);
  });
});

describe('produce verification', () => {
  it('accepts only the current epoch, for partitions in the ongoing transaction', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    const verify = (partition: string, epoch = ids.producerEpoch, producerId = ids.producerId) =>
      h.coordinator.verifyTransactionalProduce(producerId, epoch, tp(partition).topic, tp(partition).partition);
    expect(verify('orders-0')).toBe(ErrorCode.TRANSACTION_ABORTABLE); // not added yet
    await h.add('tx', ids, 'orders-0');
    expect(verify('orders-0')).toBe(NONE);
    expect(verify('orders-1')).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    expect(verify('orders-0', 5)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(verify('orders-0', 0, 999_999)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true });
    expect(verify('orders-0')).toBe(ErrorCode.TRANSACTION_ABORTABLE); // completed: no longer in a transaction
  });

  it('makes the producer retry while the transaction is being decided', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    h.markers.holdWrites = true;
    const ending = h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true });
    await flush();
    await flush();
    expect(h.coordinator.verifyTransactionalProduce(ids.producerId, 0, 'orders', 0)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    h.markers.release();
    expect((await ending).errorCode).toBe(NONE);
  });

  it('answers COORDINATOR_NOT_AVAILABLE after close', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    h.coordinator.onClose();
    expect(h.coordinator.verifyTransactionalProduce(ids.producerId, 0, 'orders', 0)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
  });
});

describe('DescribeTransactions and ListTransactions', () => {
  it('describes an id, and reports unknown or empty ids', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx', 45_000);
    await h.add('tx', ids, 'orders-3', 'audit-0');
    expect(h.coordinator.describeTransaction('tx')).toEqual({
      transactionalId: 'tx',
      errorCode: NONE,
      state: 'Ongoing',
      transactionTimeoutMs: 45_000,
      transactionStartTimeMs: START_MS,
      producerId: ids.producerId,
      producerEpoch: 0,
      topics: [
        { topic: 'orders', partitions: [3] },
        { topic: 'audit', partitions: [0] },
      ],
    });
    expect(h.coordinator.describeTransaction('missing').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(h.coordinator.describeTransaction('').errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('lists ids filtered by state, producer id and duration, reporting unknown state names', async () => {
    const h = await createTxnHarness();
    const a = await h.init('a');
    const b = await h.init('b');
    await h.add('a', a, 'orders-0');
    await h.advance(5000);
    await h.add('b', b, 'orders-1');
    const list = (stateFilters: string[] = [], producerIdFilters: number[] = [], durationFilterMs = -1) =>
      h.coordinator.listTransactions({ stateFilters, producerIdFilters, durationFilterMs });
    expect(list().transactions.map((t) => t.transactionalId).sort()).toEqual(['a', 'b']);
    expect(list(['Ongoing'], [b.producerId]).transactions).toEqual([{ transactionalId: 'b', producerId: b.producerId, state: 'Ongoing' }]);
    expect(list([], [], 1000).transactions.map((t) => t.transactionalId)).toEqual(['a']);
    expect(list(['Empty', 'Bogus'])).toEqual({ errorCode: NONE, unknownStateFilters: ['Bogus'], transactions: [] });
  });
});
