import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { createTxnHarness, flush } from './test-support/harness.js';

const NONE = ErrorCode.NONE;

describe('writing markers', () => {
  it('skips a partition that no longer exists and completes the transaction', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0', 'deleted-0');
    h.markers.failPartition('deleted', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(NONE);
    expect(h.markers.written.map((m) => m.topic)).toEqual(['orders']);
    expect(h.coordinator.describeTransaction('tx').state).toBe('CompleteCommit');
    expect(h.errors).toEqual([]);
  });

  it('answers EndTxn once the decision is durable when a marker must be retried, and retries only the failed partitions', async () => {
    const h = await createTxnHarness({ config: { markerRetryBackoffMs: 250 } });
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0', 'orders-1');
    h.markers.failPartition('orders', 1, ErrorCode.NOT_LEADER_OR_FOLLOWER, 2);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(NONE);
    expect(h.coordinator.describeTransaction('tx')).toMatchObject({ state: 'PrepareCommit', topics: [{ topic: 'orders', partitions: [1] }] });
    // The decision stands meanwhile: the id refuses new work until it is complete.
    expect(await h.add('tx', ids, 'orders-2')).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    await h.advance(250);
    expect(h.coordinator.describeTransaction('tx').state).toBe('PrepareCommit');
    await h.advance(250);
    expect(h.markers.calls.map((c) => c.partitions.map((p) => p.partition))).toEqual([[0, 1], [1], [1]]);
    expect(h.coordinator.describeTransaction('tx').state).toBe('CompleteCommit');
    expect(h.markers.written.map((m) => m.partition)).toEqual([0, 1]);
  });

  it('retries the completion record when __transaction_state is briefly unavailable', async () => {
    const h = await createTxnHarness({ config: { markerRetryBackoffMs: 100 } });
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    let failures = 2;
    h.log.failWhen = (_p, records) => (records[0]!.value?.readInt8(16) === 4 && failures-- > 0 ? Object.assign(new Error('no isr'), { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS }) : undefined);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true })).errorCode).toBe(NONE);
    expect(h.coordinator.describeTransaction('tx').state).toBe('PrepareCommit');
    await h.advance(100);
    await h.advance(100);
    expect(h.coordinator.describeTransaction('tx').state).toBe('CompleteCommit');
    expect(h.markers.calls).toHaveLength(1); // markers are not written again
  });

  it('stops writing the markers of a fenced producer, leaving the transaction undecided as Kafka does', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    h.markers.failPartition('orders', 0, ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: false })).errorCode).toBe(NONE);
    await h.advance(10_000);
    expect(h.markers.calls).toHaveLength(1);
    expect(h.coordinator.describeTransaction('tx').state).toBe('PrepareAbort');
    expect(h.errors).toEqual([]);
  });

  it('reports an unexpected marker error', async () => {
    const h = await createTxnHarness();
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    h.markers.failPartition('orders', 0, ErrorCode.CORRUPT_MESSAGE);
    await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true });
    expect(String(h.errors[0])).toMatch(/unexpected error 2 writing the transaction marker of tx to orders-0/);
  });

  it('stops retrying at close', async () => {
    const h = await createTxnHarness({ config: { markerRetryBackoffMs: 100 } });
    const ids = await h.init('tx');
    await h.add('tx', ids, 'orders-0');
    h.markers.failPartition('orders', 0, ErrorCode.KAFKA_STORAGE_ERROR);
    await h.coordinator.endTransaction({ transactionalId: 'tx', ...ids, commit: true });
    h.coordinator.onClose();
    await flush();
    await h.coordinator.whenIdle();
    h.scheduler.advance(1000);
    expect(h.markers.calls).toHaveLength(1);
  });
});
