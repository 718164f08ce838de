import { CompressionType, encodeRecordBatchSync, ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { checkProduceRecords } from './produce-records-check.js';

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

  it('refuses transactional batches with INVALID_TXN_STATE', () => {
    expect(checkProduceRecords(8, batch({ isTransactional: true }))?.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });
});
