import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { createTxnHarness, flush } from './test-support/harness.js';

const NONE = ErrorCode.NONE;

describe('transaction timeout', () => {
  it('aborts a transaction older than its timeout on the next check, bumping the epoch to fence the producer', async () => {
    const h = await createTxnHarness({ config: { abortTimedOutTransactionsIntervalMs: 1000 } });
    const ids = await h.init('tx', 2500);
    await h.add('tx', ids, 'orders-0', 'orders-1');
    await h.advance(2000);
    expect(h.coordinator.describeTransaction('tx').state).toBe('Ongoing'); // 2000 ms old: not yet
    await h.advance(1000);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'CompleteAbort', producerEpoch: 1 });
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
    // The producer that let it time out is fenced; a new InitProducerId gets epoch 2.
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await h.add('tx', ids, 'orders-0')).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.init('tx')).producerEpoch).toBe(2);
    expect(h.errors).toEqual([]);
  });

  it('leaves idle ids, completed transactions and transactions being changed alone', async () => {
    const h = await createTxnHarness({ config: { abortTimedOutTransactionsIntervalMs: 1000 } });
    await h.init('idle', 1000);
    const done = await h.init('done', 1000);
    await h.add('done', done, 'orders-0');
    await h.coordinator.endTransaction({ transactionalId: 'done', ...done, commit: true });
    const busy = await h.init('busy', 1000);
    await h.add('busy', busy, 'orders-1');
    h.markers.holdWrites = true;
    const ending = h.coordinator.endTransaction({ transactionalId: 'busy', ...busy, commit: true });
    const writtenBefore = h.markers.written.length;
    await flush();
    // Not h.advance, which waits for completions: this one is held until released.
    h.scheduler.advance(5000);
    await flush();
    h.markers.release();
    expect((await ending).errorCode).toBe(NONE);
    expect(h.markers.written.slice(writtenBefore).map((m) => m.commit)).toEqual([true]);
    expect(h.coordinator.describeTransaction('idle')).toMatchObject({ state: 'Empty', producerEpoch: 0 });
    expect(h.coordinator.describeTransaction('done')).toMatchObject({ state: 'CompleteCommit', producerEpoch: 0 });
    expect(h.coordinator.describeTransaction('busy')).toMatchObject({ state: 'CompleteCommit', producerEpoch: 0 });
  });
});

describe('transactional id expiration', () => {
  it('removes ids idle for transactional.id.expiration.ms with a tombstone, keeping busy ones', async () => {
    const h = await createTxnHarness({
      config: { transactionalIdExpirationMs: 10_000, removeExpiredTransactionalIdsIntervalMs: 1000, abortTimedOutTransactionsIntervalMs: 1_000_000, transactionMaxTimeoutMs: 1_000_000 },
    });
    await h.init('idle');
    const busy = await h.init('busy', 900_000);
    await h.add('busy', busy, 'orders-0');
    await h.advance(9000);
    await h.init('recent');
    await h.advance(2000);
    expect(h.history('idle').at(-1)).toBeNull();
    expect(h.coordinator.describeTransaction('idle').errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(h.coordinator.describeTransaction('busy').state).toBe('Ongoing'); // an ongoing transaction never expires
    expect(h.coordinator.describeTransaction('recent').state).toBe('Empty');
    // Coming back after expiry starts over with a new producer id.
    const again = await h.init('idle');
    expect(again.producerEpoch).toBe(0);
    expect(again.producerId).not.toBe(busy.producerId);
  });

  it('keeps an id whose tombstone could not be written', async () => {
    const h = await createTxnHarness({ config: { transactionalIdExpirationMs: 1000, removeExpiredTransactionalIdsIntervalMs: 1_000_000 } });
    await h.init('tx');
    await h.advance(2000);
    h.log.failWith = new Error('disk full');
    expect(await h.coordinator.removeExpiredTransactionalIds()).toBe(0);
    expect(h.coordinator.describeTransaction('tx').state).toBe('Empty');
    h.log.failWith = null;
    expect((await h.init('tx')).producerEpoch).toBe(1); // not left pending
    await h.advance(2000);
    expect(await h.coordinator.removeExpiredTransactionalIds()).toBe(1);
  });
});
