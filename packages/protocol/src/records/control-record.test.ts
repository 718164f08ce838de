import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordBatchView } from './batch-header.js';
import {
  ControlRecordType,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  endTxnMarkerBatch,
  parseControlRecordKey,
  parseEndTxnMarkerValue,
  parseTxnMarker,
} from './control-record.js';
import { decodeRecordBatch } from './decode-record-batch.js';
import { encodeRecordBatch, encodeRecordBatchSync } from './encode-record-batch.js';

describe('control record key and value', () => {
  it('lays out key = int16 version, int16 type and value = int16 version, int32 coordinatorEpoch', () => {
    expect(encodeControlRecordKey(ControlRecordType.Commit).toString('hex')).toBe('00000001');
    expect(encodeControlRecordKey(ControlRecordType.Abort).toString('hex')).toBe('00000000');
    expect(encodeEndTxnMarkerValue(0x01020304).toString('hex')).toBe('000001020304');
  });

  it('round-trips any version, type and epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: -0x8000, max: 0x7fff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (version, type, epoch) => {
        expect(parseControlRecordKey(encodeControlRecordKey(type, version))).toEqual({ version, type });
        expect(parseEndTxnMarkerValue(encodeEndTxnMarkerValue(epoch, version))).toEqual({ version, coordinatorEpoch: epoch });
      }),
    );
  });

  it('accepts longer keys and values from later versions', () => {
    expect(parseControlRecordKey(Buffer.from('0001000100ff', 'hex'))).toEqual({ version: 1, type: 1 });
    expect(parseEndTxnMarkerValue(Buffer.from('00010000000700', 'hex'))).toEqual({ version: 1, coordinatorEpoch: 7 });
  });

  it('refuses short, null and negative-version keys and values', () => {
    expect(() => parseControlRecordKey(null)).toThrow(expect.objectContaining({ kind: 'INVALID_LENGTH' }));
    expect(() => parseControlRecordKey(Buffer.from('000001', 'hex'))).toThrow(expect.objectContaining({ kind: 'INVALID_LENGTH' }));
    expect(() => parseControlRecordKey(Buffer.from('ffff0001', 'hex'))).toThrow(expect.objectContaining({ kind: 'INVALID_VALUE' }));
    expect(() => parseEndTxnMarkerValue(Buffer.from('0000000001', 'hex'))).toThrow(expect.objectContaining({ kind: 'INVALID_LENGTH' }));
    expect(() => parseEndTxnMarkerValue(Buffer.from('800000000001', 'hex'))).toThrow(expect.objectContaining({ kind: 'INVALID_VALUE' }));
    expect(() => encodeEndTxnMarkerValue(2 ** 31)).toThrow(expect.objectContaining({ kind: 'INVALID_VALUE' }));
  });

  it('returns null for control types that are not transaction markers', () => {
    expect(parseTxnMarker({ key: encodeControlRecordKey(ControlRecordType.LeaderChange), value: Buffer.alloc(0) })).toBeNull();
  });
});

describe('transaction marker batches', () => {
  it('encode as Kafka builds them and parse back, for commit and abort', async () => {
    for (const commit of [true, false]) {
      const input = endTxnMarkerBatch({ commit, producerId: 77n, producerEpoch: 4, coordinatorEpoch: 12, timestamp: 1_700_000_000_123n, baseOffset: 500n, partitionLeaderEpoch: 3 });
      const buf = await encodeRecordBatch(input);
      expect(encodeRecordBatchSync(input).equals(buf)).toBe(true);
      const view = new RecordBatchView(buf);
      expect(view.isControl).toBe(true);
      expect(view.isTransactional).toBe(true);
      expect(view.baseSequence).toBe(-1);
      expect(view.recordCount).toBe(1);
      const d = await decodeRecordBatch(buf);
      expect(d.producerId).toBe(77n);
      expect(d.producerEpoch).toBe(4);
      expect(d.partitionLeaderEpoch).toBe(3);
      expect(d.records[0]!.offset).toBe(500n);
      expect(d.records[0]!.timestamp).toBe(1_700_000_000_123n);
      expect(parseTxnMarker(d.records[0]!)).toEqual({ commit, version: 0, coordinatorEpoch: 12 });
    }
  });
});
