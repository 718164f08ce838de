import { CompressionType, encodeRecordBatchSync, ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { ReplicaError } from './partition-error.js';
import { checkProduceRecords, transactionalWriteCheck } from './produce-records-check.js';

const batch = (opts: { compression?: CompressionType; isTransactional?: boolean } = {}) =>
  encodeRecordBatchSync({
    ...opts,
    ...(opts.isTransactional ? { producerId: 1n, producerEpoch: 0, baseSequence: 0 } : {}),
    records: [{ value: Buffer.from('v') }],
  });

/** A batch header claiming zstd without being one (the check reads the header only). */
function withCodec(codec: number): Buffer {
  const b = batch();
  b.writeInt16BE((b.readInt16BE(21) & ~7) | codec, 21);
  return b;
}

describe('checkProduceRecords', () => {
  it('accepts exactly one magic-2 batch', () => {
    expect(checkProduceRecords(3, batch())).toBeUndefined();
    expect(checkProduceRecords(8, batch({ compression: CompressionType.Gzip }))).toBeUndefined();
  });

  it('refuses no batch, a truncated batch and a second batch with INVALID_RECORD', () => {
    expect(checkProduceRecords(8, null)?.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(checkProduceRecords(8, Buffer.alloc(5))?.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(checkProduceRecords(8, batch().subarray(0, 40))?.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const two = checkProduceRecords(8, Buffer.concat([batch(), batch()]));
    expect(two).toEqual({ errorCode: ErrorCode.INVALID_RECORD, message: expect.stringMatching(/exactly one record batch/) });
    // A partial second batch is not a second batch (Kafka's iterator stops there); storage refuses it.
    expect(checkProduceRecords(8, Buffer.concat([batch(), Buffer.alloc(8)]))).toBeUndefined();
  });

  it('refuses legacy magic with INVALID_RECORD and a nonsensical length with CORRUPT_MESSAGE', () => {
    const legacy = batch();
    legacy[16] = 1;
    expect(checkProduceRecords(8, legacy)?.message).toMatch(/magic version 2/);
    const tiny = batch();
    tiny.writeInt32BE(2, 8);
    expect(checkProduceRecords(8, tiny)?.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('allows zstd only from v7', () => {
    expect(checkProduceRecords(6, withCodec(CompressionType.Zstd))?.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(checkProduceRecords(7, withCodec(CompressionType.Zstd))).toBeUndefined();
  });

  it('refuses transactional batches with INVALID_TXN_STATE when there is no coordinator to ask', () => {
    expect(checkProduceRecords(8, batch({ isTransactional: true }))?.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  describe('transactional batches', () => {
    /** A coordinator answering `answer`, recording what it was asked. */
    const asking = (answer: number) => {
      const asked: unknown[] = [];
      return {
        asked,
        target: {
          topic: 'orders',
          partition: 3,
          transactions: {
            verifyTransactionalProduce: (producerId: number, producerEpoch: number, topic: string, partition: number) => {
              asked.push([producerId, producerEpoch, topic, partition]);
              return answer;
            },
          },
        },
      };
    };
    const txnBatch = () =>
      encodeRecordBatchSync({ isTransactional: true, producerId: 4321n, producerEpoch: 7, baseSequence: 0, records: [{ value: Buffer.from('v') }] });

    it('accepts a batch its coordinator verifies, asking with the header producer id and epoch', () => {
      const { asked, target } = asking(ErrorCode.NONE);
      expect(checkProduceRecords(8, txnBatch(), target)).toBeUndefined();
      expect(asked).toEqual([[4321, 7, 'orders', 3]]);
    });

    it('translates the coordinator answer as Kafka does for Produce up to v10', () => {
      const code = (answer: number, version = 8) => checkProduceRecords(version, txnBatch(), asking(answer).target)?.errorCode;
      expect(code(ErrorCode.TRANSACTION_ABORTABLE)).toBe(ErrorCode.INVALID_TXN_STATE);
      expect(code(ErrorCode.TRANSACTION_ABORTABLE, 11)).toBe(ErrorCode.TRANSACTION_ABORTABLE);
      expect(code(ErrorCode.PRODUCER_FENCED)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      for (const retriable of [ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]) {
        expect(code(retriable)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
      }
      expect(code(ErrorCode.INVALID_PRODUCER_ID_MAPPING)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      expect(checkProduceRecords(8, txnBatch(), asking(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS).target)?.message).toMatch(/Underlying error: COORDINATOR_LOAD_IN_PROGRESS/);
    });

    it('gives a write-time check only for transactional batches, asking the coordinator when it runs', () => {
      expect(transactionalWriteCheck(8, batch(), asking(ErrorCode.NONE).target)).toBeUndefined();
      let answer: number = ErrorCode.NONE;
      const asked: unknown[] = [];
      const target = { topic: 'orders', partition: 3, transactions: { verifyTransactionalProduce: (...args: unknown[]) => (asked.push(args), answer) } };
      const check = transactionalWriteCheck(8, txnBatch(), target)!;
      expect(asked).toEqual([]); // nothing asked until the write
      expect(() => check()).not.toThrow();
      answer = ErrorCode.TRANSACTION_ABORTABLE; // the markers were written meanwhile
      expect(() => check()).toThrow(ReplicaError);
      try {
        check();
      } catch (err) {
        expect((err as ReplicaError).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      }
      expect(asked).toHaveLength(3);
    });

    it('never asks about non-transactional batches, malformed requests, or a batch without a producer id', () => {
      const { asked, target } = asking(ErrorCode.INVALID_TXN_STATE);
      expect(checkProduceRecords(8, batch(), target)).toBeUndefined();
      expect(checkProduceRecords(8, Buffer.concat([txnBatch(), txnBatch()]), target)?.errorCode).toBe(ErrorCode.INVALID_RECORD);
      const noProducer = encodeRecordBatchSync({ isTransactional: true, records: [{ value: Buffer.from('v') }] });
      expect(checkProduceRecords(8, noProducer, target)).toBeUndefined(); // storage refuses it
      expect(asked).toEqual([]);
    });
  });
});
