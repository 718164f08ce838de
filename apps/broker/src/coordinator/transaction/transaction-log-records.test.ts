import { ProtocolError, Writer } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { TransactionCoordinatorError } from './errors.js';
import { TopicPartitionSet } from './topic-partition-set.js';
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
} from './transaction-log-records.js';
import type { TxnTransit } from './transaction-metadata.js';

const transit = (overrides: Partial<TxnTransit> = {}): TxnTransit => ({
  producerId: 4001,
  prevProducerId: 4001,
  producerEpoch: 7,
  lastProducerEpoch: -1,
  txnTimeoutMs: 60_000,
  state: 'Ongoing',
  partitions: new TopicPartitionSet([
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 3 },
    { topic: '__consumer_offsets', partition: 12 },
  ]),
  txnStartTimestamp: 1_700_000_000_000,
  txnLastUpdateTimestamp: 1_700_000_000_500,
  ...overrides,
});

describe('__transaction_state key', () => {
  it('is int16 version 0 and the transactional id as a Kafka STRING', () => {
    const key = encodeTransactionLogKey('tx-é');
    expect(key.toString('hex')).toBe('0000' + '0005' + Buffer.from('tx-é').toString('hex'));
    expect(decodeTransactionLogKey(key)).toEqual({ kind: 'transaction', version: 0, transactionalId: 'tx-é' });
  });

  it('reports other key versions as unknown (skipped on load) and refuses truncated keys', () => {
    expect(decodeTransactionLogKey(Buffer.from('0003abcd', 'hex'))).toEqual({ kind: 'unknown', version: 3 });
    expect(() => decodeTransactionLogKey(Buffer.from('000000ff61', 'hex'))).toThrow(ProtocolError);
    expect(() => decodeTransactionLogKey(Buffer.from('00', 'hex'))).toThrow(ProtocolError);
  });
});

describe('__transaction_state value', () => {
  it('writes version 0 byte for byte as Kafka lays it out', () => {
    const v = encodeTransactionLogValue(transit({ partitions: new TopicPartitionSet([{ topic: 't', partition: 2 }]) }));
    const expected = new Writer()
      .int16(0)
      .int64(4001n)
      .int16(7)
      .int32(60_000)
      .int8(1)
      .arrayLength(1)
      .string('t')
      .arrayLength(1)
      .int32(2)
      .int64(1_700_000_000_500n)
      .int64(1_700_000_000_000n)
      .finish();
    expect(v.equals(expected)).toBe(true);
  });

  it('round-trips the partitions grouped by topic', () => {
    const decoded = decodeTransactionLogValue(encodeTransactionLogValue(transit()));
    expect(decoded).toEqual({
      version: 0,
      producerId: 4001,
      previousProducerId: -1,
      nextProducerId: -1,
      producerEpoch: 7,
      transactionTimeoutMs: 60_000,
      transactionStatus: 1,
      partitions: [
        { topic: 'orders', partitionIds: [0, 3] },
        { topic: '__consumer_offsets', partitionIds: [12] },
      ],
      transactionLastUpdateTimestampMs: 1_700_000_000_500,
      transactionStartTimestampMs: 1_700_000_000_000,
      clientTransactionVersion: 0,
    });
  });

  it('writes a null partition array for Empty, and an empty one for a completed transaction', () => {
    const empty = decodeTransactionLogValue(encodeTransactionLogValue(transit({ state: 'Empty', partitions: new TopicPartitionSet(), txnStartTimestamp: -1 })));
    expect(empty).toMatchObject({ transactionStatus: 0, partitions: null, transactionStartTimestampMs: -1 });
    const done = decodeTransactionLogValue(encodeTransactionLogValue(transit({ state: 'CompleteCommit', partitions: new TopicPartitionSet() })));
    expect(done).toMatchObject({ transactionStatus: 4, partitions: [] });
  });

  it('never writes Dead, PrepareEpochFence, or an Empty transaction with partitions', () => {
    expect(() => encodeTransactionLogValue(transit({ state: 'Dead' }))).toThrow(TransactionCoordinatorError);
    expect(() => encodeTransactionLogValue(transit({ state: 'PrepareEpochFence' }))).toThrow(TransactionCoordinatorError);
    expect(() => encodeTransactionLogValue(transit({ state: 'Empty' }))).toThrow(/Empty transaction cannot have partitions/);
  });

  it('reads the flexible version 1 with its tagged fields', () => {
    const v1 = new Writer()
      .int16(1)
      .int64(77n)
      .int16(3)
      .int32(30_000)
      .int8(2)
      .compactArrayLength(1)
      .compactString('orders')
      .compactArrayLength(2)
      .int32(5)
      .int32(6)
      .uvarint(0) // partition struct tagged fields
      .int64(200n)
      .int64(100n)
      // tagged fields: 0 previousProducerId, 1 nextProducerId, 2 clientTransactionVersion, 9 unknown
      .uvarint(4)
      .uvarint(0)
      .uvarint(8)
      .int64(76n)
      .uvarint(1)
      .uvarint(8)
      .int64(78n)
      .uvarint(2)
      .uvarint(2)
      .int16(2)
      .uvarint(9)
      .uvarint(1)
      .int8(0)
      .finish();
    expect(decodeTransactionLogValue(v1)).toEqual({
      version: 1,
      producerId: 77,
      previousProducerId: 76,
      nextProducerId: 78,
      producerEpoch: 3,
      transactionTimeoutMs: 30_000,
      transactionStatus: 2,
      partitions: [{ topic: 'orders', partitionIds: [5, 6] }],
      transactionLastUpdateTimestampMs: 200,
      transactionStartTimestampMs: 100,
      clientTransactionVersion: 2,
    });
  });

  it('refuses unknown versions and malformed values with ProtocolError, never a RangeError', () => {
    expect(() => decodeTransactionLogValue(new Writer().int16(2).int64(1n).finish())).toThrow(/version 2/);
    const good = encodeTransactionLogValue(transit());
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeTransactionLogValue(good.subarray(0, cut)), `cut at ${cut}`).toThrow(ProtocolError);
    }
    const hugeCount = Buffer.from(good);
    hugeCount.writeInt32BE(0x7fffffff, 17); // the topics array count
    expect(() => decodeTransactionLogValue(hugeCount)).toThrow(ProtocolError);
  });
});
