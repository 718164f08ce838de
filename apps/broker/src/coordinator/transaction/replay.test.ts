import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { TransactionCoordinatorError } from './errors.js';
import { createTxnHarness, flush, START_MS } from './test-support/harness.js';
import { InMemoryTransactionLog } from './test-support/in-memory-transaction-log.js';
import { stored, TransactionStateManagerProbe } from './test-support/stored-records.js';
import { encodeTransactionLogKey } from './transaction-log-records.js';

const NONE = ErrorCode.NONE;
const partitionOf = (id: string) => new TransactionStateManagerProbe().partitionFor(id);

describe('loading __transaction_state', () => {
  it('restores every id as last written, and forgets ids with a tombstone', async () => {
    const first = await createTxnHarness();
    const a = await first.init('a');
    await first.add('a', a, 'orders-0');
    await first.coordinator.endTransaction({ transactionalId: 'a', ...a, commit: true });
    const b = await first.init('b');
    await first.add('b', b, 'orders-1', 'orders-2');
    await first.init('gone');
    first.log.inject(partitionOf('gone'), [{ key: encodeTransactionLogKey('gone'), value: null }]);
    first.coordinator.onClose();

    const second = await createTxnHarness({ log: first.log, firstProducerId: 9000 });
    expect(second.coordinator.describeTransaction('a')).toMatchObject({ state: 'CompleteCommit', producerId: a.producerId, producerEpoch: 0, topics: [] });
    expect(second.coordinator.describeTransaction('b')).toMatchObject({
      state: 'Ongoing',
      producerId: b.producerId,
      transactionStartTimeMs: START_MS,
      topics: [{ topic: 'orders', partitions: [1, 2] }],
    });
    expect(second.coordinator.describeTransaction('gone').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    // Loaded state is live: the producer continues its transaction and commits it.
    expect(second.coordinator.verifyTransactionalProduce(b.producerId, 0, 'orders', 2)).toBe(NONE);
    expect((await second.coordinator.endTransaction({ transactionalId: 'b', ...b, commit: true })).errorCode).toBe(NONE);
    expect(second.markers.written.map((m) => m.partition)).toEqual([1, 2]);
  });

  it('finishes a transaction found in PrepareCommit: COMMIT markers, then CompleteCommit', async () => {
    const log = new InMemoryTransactionLog();
    const partitions = [
      { topic: 'orders', partition: 0 },
      { topic: '__consumer_offsets', partition: 3 },
    ];
    log.inject(partitionOf('tx'), [
      stored('tx', { producerId: 42, producerEpoch: 3, state: 'Ongoing', partitions }),
      stored('tx', { producerId: 42, producerEpoch: 3, state: 'PrepareCommit', partitions }),
    ]);
    const h = await createTxnHarness({ log });
    // loadPartition resolves once the completion has been written.
    expect(h.markers.written).toEqual([
      { topic: 'orders', partition: 0, producerId: 42, producerEpoch: 3, coordinatorEpoch: 0, commit: true },
      { topic: '__consumer_offsets', partition: 3, producerId: 42, producerEpoch: 3, coordinatorEpoch: 0, commit: true },
    ]);
    expect(h.history('tx').map((v) => v!.state)).toEqual(['Ongoing', 'PrepareCommit', 'CompleteCommit']);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'CompleteCommit', producerEpoch: 3 });
    // The producer goes on with epoch 3.
    expect(await h.add('tx', { errorCode: NONE, producerId: 42, producerEpoch: 3 }, 'orders-1')).toBe(NONE);
  });

  it('finishes a PrepareAbort with ABORT markers, in the coordinator epoch it was loaded with', async () => {
    const log = new InMemoryTransactionLog();
    log.inject(partitionOf('tx'), [stored('tx', { producerId: 42, producerEpoch: 5, state: 'PrepareAbort', partitions: [{ topic: 'orders', partition: 4 }] })]);
    const h = await createTxnHarness({ log, load: false });
    for (let p = 0; p < 4; p++) await h.coordinator.loadPartition(p, 6);
    expect(h.markers.written).toEqual([{ topic: 'orders', partition: 4, producerId: 42, producerEpoch: 5, coordinatorEpoch: 6, commit: false }]);
    expect(h.coordinator.describeTransaction('tx').state).toBe('CompleteAbort');
  });

  it('lets an Ongoing transaction found on load time out as usual', async () => {
    const log = new InMemoryTransactionLog();
    log.inject(partitionOf('tx'), [stored('tx', { producerId: 42, producerEpoch: 0, state: 'Ongoing', timeoutMs: 5000, startMs: START_MS, partitions: [{ topic: 'orders', partition: 0 }] })]);
    const h = await createTxnHarness({ log, config: { abortTimedOutTransactionsIntervalMs: 1000 } });
    await h.advance(3000);
    expect(h.coordinator.describeTransaction('tx').state).toBe('Ongoing');
    await h.advance(3000);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'CompleteAbort', producerEpoch: 1 });
    expect(h.markers.written).toEqual([{ topic: 'orders', partition: 0, producerId: 42, producerEpoch: 1, coordinatorEpoch: 0, commit: false }]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while a partition loads, NOT_COORDINATOR for partitions it does not own', async () => {
    const log = new InMemoryTransactionLog();
    log.inject(partitionOf('tx'), [stored('tx', { producerId: 42, producerEpoch: 0, state: 'Empty' })]);
    const h = await createTxnHarness({ log, load: false });
    const init = () => h.coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 });
    expect((await init()).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    log.holdReads = true;
    const loading = h.coordinator.loadPartition(partitionOf('tx'));
    await flush();
    expect((await init()).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.coordinator.describeTransaction('tx').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.coordinator.listTransactions({ stateFilters: [], producerIdFilters: [], durationFilterMs: -1 }).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // Its producers are not indexed yet: a transactional produce is told to retry.
    expect(h.coordinator.verifyTransactionalProduce(42, 0, 'orders', 0)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    log.releaseReads();
    await loading;
    expect(await init()).toEqual({ errorCode: NONE, producerId: 42, producerEpoch: 1 });
  });

  it('marks a partition loading at once when its replay must wait (for the group coordinator at startup)', async () => {
    const log = new InMemoryTransactionLog();
    log.inject(partitionOf('tx'), [stored('tx', { producerId: 42, producerEpoch: 0, state: 'PrepareAbort', partitions: [{ topic: 'orders', partition: 0 }] })]);
    const h = await createTxnHarness({ log, load: false });
    let release!: () => void;
    const groupsLoaded = new Promise<void>((resolve) => (release = resolve));
    const loading = h.coordinator.loadPartition(partitionOf('tx'), 0, groupsLoaded);
    await flush();
    expect(h.coordinator.describeTransaction('tx').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.markers.calls).toEqual([]); // no marker before the groups are ready for it
    release();
    await loading;
    expect(h.coordinator.describeTransaction('tx').state).toBe('CompleteAbort');
  });

  it('skips keys of unknown versions and refuses a corrupt value, leaving the partition unserved', async () => {
    const log = new InMemoryTransactionLog();
    const p = partitionOf('tx');
    log.inject(p, [
      { key: Buffer.from('0005ffff', 'hex'), value: Buffer.from('whatever') },
      stored('tx', { producerId: 42, producerEpoch: 0, state: 'Empty' }),
    ]);
    const h = await createTxnHarness({ log });
    expect(h.coordinator.describeTransaction('tx').state).toBe('Empty');

    const bad = new InMemoryTransactionLog();
    bad.inject(p, [{ key: encodeTransactionLogKey('tx'), value: Buffer.from('0000ff', 'hex') }]);
    const broken = await createTxnHarness({ log: bad, load: false });
    await expect(broken.coordinator.loadPartition(p)).rejects.toMatchObject({ name: 'TransactionCoordinatorError', kind: 'CORRUPT_RECORD' });
    await expect(broken.coordinator.loadPartition(p)).rejects.toBeInstanceOf(TransactionCoordinatorError);
    expect(broken.coordinator.describeTransaction('tx').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('refuses a stored state that is never written (Dead)', async () => {
    const log = new InMemoryTransactionLog();
    const p = partitionOf('tx');
    const dead = stored('tx', { producerId: 42, producerEpoch: 0, state: 'CompleteAbort' });
    dead.value!.writeInt8(6, 16); // TransactionStatus = Dead
    log.inject(p, [dead]);
    const h = await createTxnHarness({ log, load: false });
    await expect(h.coordinator.loadPartition(p)).rejects.toThrow(/never written/);
  });
});
