import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support/test-env.js';
import type { PartitionAppendResult } from './append-types.js';
import { writeTxnMarkers, type TxnMarkerAppender, type TxnMarkerSpec } from './txn-markers.js';

const ok: PartitionAppendResult = { errorCode: ErrorCode.NONE, errorMessage: null, baseOffset: 5, logAppendTime: -1, logStartOffset: 0, recordErrors: [] };
const failed = (errorCode: number): PartitionAppendResult => ({ ...ok, errorCode, baseOffset: -1 });

/** An appender answering per "topic-partition", recording what it was asked to write. */
function appender(answers: Record<string, PartitionAppendResult>): TxnMarkerAppender & { calls: Array<[TxnMarkerSpec, string[]]> } {
  const calls: Array<[TxnMarkerSpec, string[]]> = [];
  return {
    calls,
    async appendTxnMarkers(marker, partitions) {
      calls.push([marker, partitions.map((p) => `${p.topic}-${p.partition}`)]);
      return partitions.map((p) => answers[`${p.topic}-${p.partition}`] ?? ok);
    },
  };
}

const marker = { producerId: 9, producerEpoch: 2, coordinatorEpoch: 1, commit: true };

describe('writeTxnMarkers', () => {
  it('appends the marker to every partition, then completes the offsets of the written __consumer_offsets partitions', async () => {
    const completed: unknown[] = [];
    const a = appender({ '__consumer_offsets-4': failed(ErrorCode.NOT_LEADER_OR_FOLLOWER) });
    const results = await writeTxnMarkers(
      a,
      { completeTransaction: async (...args) => void completed.push(args) },
      {
        ...marker,
        partitions: [
          { topic: 'orders', partition: 0 },
          { topic: '__consumer_offsets', partition: 3 },
          { topic: '__consumer_offsets', partition: 4 },
        ],
      },
      silentLogger(),
    );
    expect(a.calls).toHaveLength(1);
    expect(a.calls[0]![0]).toMatchObject(marker);
    expect(a.calls[0]![1]).toEqual(['orders-0', '__consumer_offsets-3', '__consumer_offsets-4']);
    expect(results).toEqual([
      { topic: 'orders', partition: 0, errorCode: ErrorCode.NONE },
      { topic: '__consumer_offsets', partition: 3, errorCode: ErrorCode.NONE },
      { topic: '__consumer_offsets', partition: 4, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
    ]);
    expect(completed).toEqual([[9, [3], true]]);
  });

  it('does not bother the group coordinator when no offsets partition is involved', async () => {
    let asked = false;
    await writeTxnMarkers(appender({}), { completeTransaction: async () => void (asked = true) }, { ...marker, partitions: [{ topic: 'orders', partition: 1 }] }, silentLogger());
    expect(asked).toBe(false);
  });

  it('reports UNKNOWN_SERVER_ERROR for the offsets partitions when completing their offsets fails, as Kafka does', async () => {
    const results = await writeTxnMarkers(
      appender({}),
      {
        completeTransaction: async () => {
          throw new Error('boom');
        },
      },
      {
        ...marker,
        commit: false,
        partitions: [
          { topic: 'orders', partition: 0 },
          { topic: '__consumer_offsets', partition: 1 },
        ],
      },
      silentLogger(),
    );
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_SERVER_ERROR]);
  });
});
