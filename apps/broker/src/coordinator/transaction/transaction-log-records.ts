import { ProtocolError, Reader, Writer } from '@tributary/protocol';
import { TransactionCoordinatorError } from './errors.js';
import type { TxnTransit } from './transaction-metadata.js';
import { TXN_STATE_IDS } from './transaction-state.js';

/**
 * The record format of __transaction_state, laid out as Apache Kafka lays it out (TransactionLog
 * with TransactionLogKey/TransactionLogValue) so Kafka tooling can read the topic: the key is
 * int16 version 0 + the transactional id; the value is an int16 version then
 *
 *   v0: int64 producerId, int16 producerEpoch, int32 timeoutMs, int8 status,
 *       nullable [string topic, [int32 partition]] partitions, int64 lastUpdateMs, int64 startMs
 *   v1: the same, flexible (compact strings and arrays, tagged fields), with tagged fields
 *       0 previousProducerId, 1 nextProducerId (int64) and 2 clientTransactionVersion (int16).
 *
 * Kafka writes v0 until transaction.version 1 is enabled, and so do we (transactions version 0);
 * both are read. A tombstone (null value) removes the id.
 */

export const TRANSACTION_LOG_KEY_VERSION = 0;
export const TRANSACTION_LOG_VALUE_VERSION = 0;
const HIGHEST_VALUE_VERSION = 1;
const FLEXIBLE_VALUE_VERSION = 1;

export type TransactionLogKey =
  | { readonly kind: 'transaction'; readonly version: number; readonly transactionalId: string }
  /** A key version this coordinator does not know: skipped on load, as Kafka does. */
  | { readonly kind: 'unknown'; readonly version: number };

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  return new Writer(4 + transactionalId.length * 3).int16(TRANSACTION_LOG_KEY_VERSION).string(transactionalId).finish();
}

export function decodeTransactionLogKey(buf: Buffer): TransactionLogKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== TRANSACTION_LOG_KEY_VERSION) return { kind: 'unknown', version };
  return { kind: 'transaction', version, transactionalId: r.string() };
}

/** A value as stored. `partitions` is null for Empty (Kafka writes no array then). */
export interface TransactionLogValue {
  readonly version: number;
  readonly producerId: number;
  /** -1 unless a v1 value carried it. */
  readonly previousProducerId: number;
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  readonly transactionStatus: number;
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partitionIds: readonly number[] }> | null;
  readonly transactionLastUpdateTimestampMs: number;
  readonly transactionStartTimestampMs: number;
  /** 0 unless a v1 value carried it. */
  readonly clientTransactionVersion: number;
}

/** The value v0 Kafka writes for a transition. Dead and PrepareEpochFence are never written. */
export function encodeTransactionLogValue(t: TxnTransit): Buffer {
  if (t.state === 'Dead' || t.state === 'PrepareEpochFence') {
    throw new TransactionCoordinatorError('ILLEGAL_STATE', `state ${t.state} is never written to the transaction log`);
  }
  if (t.state === 'Empty' && t.partitions.size > 0) {
    throw new TransactionCoordinatorError('ILLEGAL_STATE', 'an Empty transaction cannot have partitions');
  }
  const w = new Writer(64);
  w.int16(TRANSACTION_LOG_VALUE_VERSION)
    .int64(BigInt(t.producerId))
    .int16(t.producerEpoch)
    .int32(t.txnTimeoutMs)
    .int8(TXN_STATE_IDS[t.state]);
  if (t.state === 'Empty') {
    w.arrayLength(null);
  } else {
    const topics = t.partitions.byTopic();
    w.arrayLength(topics.length);
    for (const { topic, partitions } of topics) {
      w.string(topic).arrayLength(partitions.length);
      for (const p of partitions) w.int32(p);
    }
  }
  w.int64(BigInt(t.txnLastUpdateTimestamp)).int64(BigInt(t.txnStartTimestamp));
  return w.finish();
}

/** Reads value v0 or v1; a later version cannot be understood (Kafka refuses it too). */
export function decodeTransactionLogValue(buf: Buffer): TransactionLogValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > HIGHEST_VALUE_VERSION) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `TransactionLogValue version ${version}`);
  }
  const flexible = version >= FLEXIBLE_VALUE_VERSION;
  const producerId = Number(r.int64());
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const transactionStatus = r.int8();
  const topicCount = flexible ? r.compactArrayLength(2) : r.arrayLength(6);
  let partitions: Array<{ topic: string; partitionIds: number[] }> | null = null;
  if (topicCount >= 0) {
    partitions = [];
    for (let i = 0; i < topicCount; i++) {
      const topic = flexible ? r.compactString() : r.string();
      const count = flexible ? r.compactArrayLength(4) : r.arrayLength(4);
      if (count < 0) throw new ProtocolError('INVALID_LENGTH', 'TransactionLogValue partition ids array is null');
      const partitionIds: number[] = [];
      for (let j = 0; j < count; j++) partitionIds.push(r.int32());
      if (flexible) r.taggedFields();
      partitions.push({ topic, partitionIds });
    }
  }
  const transactionLastUpdateTimestampMs = Number(r.int64());
  const transactionStartTimestampMs = Number(r.int64());
  let previousProducerId = -1;
  let nextProducerId = -1;
  let clientTransactionVersion = 0;
  if (flexible) {
    r.taggedFields((tag, _size, t) => {
      if (tag === 0) previousProducerId = Number(t.int64());
      else if (tag === 1) nextProducerId = Number(t.int64());
      else if (tag === 2) clientTransactionVersion = t.int16();
      else return false;
      return true;
    });
  }
  return {
    version,
    producerId,
    previousProducerId,
    nextProducerId,
    producerEpoch,
    transactionTimeoutMs,
    transactionStatus,
    partitions,
    transactionLastUpdateTimestampMs,
    transactionStartTimestampMs,
    clientTransactionVersion,
  };
}
