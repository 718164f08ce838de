import { ProtocolError } from '../primitives/protocol-error.js';
import type { RecordBatchInput } from './record-batch-types.js';
import { NO_SEQUENCE } from './record-batch-types.js';

/**
 * Control records live in batches with the control attribute set. Their key is
 * int16 version + int16 type; for transaction markers (ABORT/COMMIT) the value is
 * int16 version + int32 coordinatorEpoch (Kafka's ControlRecordType and EndTransactionMarker).
 */
export enum ControlRecordType {
  Abort = 0,
  Commit = 1,
  /** KRaft leader change message. */
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KRaftVersion = 5,
  KRaftVoters = 6,
}

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  /** The type id as stored; may be one this version does not know (see ControlRecordType). */
  type: number;
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: ControlRecordType, version = CONTROL_RECORD_KEY_VERSION): Buffer {
  const buf = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  buf.writeInt16BE(version, 0);
  buf.writeInt16BE(type, 2);
  return buf;
}

/**
 * Parses a control record key. Later versions may append fields, so extra bytes are allowed, as in
 * Kafka; a short key or a negative version is malformed.
 */
export function parseControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new ProtocolError('INVALID_LENGTH', `control record key needs ${CONTROL_KEY_SIZE} bytes, got ${key?.length ?? 'null'}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolError('INVALID_VALUE', `control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = END_TXN_MARKER_VERSION): Buffer {
  if (!Number.isInteger(coordinatorEpoch) || coordinatorEpoch < -(2 ** 31) || coordinatorEpoch >= 2 ** 31) {
    throw new ProtocolError('INVALID_VALUE', `coordinatorEpoch ${coordinatorEpoch} does not fit in int32`);
  }
  const buf = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  buf.writeInt16BE(version, 0);
  buf.writeInt32BE(coordinatorEpoch, 2);
  return buf;
}

export function parseEndTxnMarkerValue(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new ProtocolError(
      'INVALID_LENGTH',
      `end transaction marker value needs ${END_TXN_MARKER_VALUE_SIZE} bytes, got ${value?.length ?? 'null'}`,
    );
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolError('INVALID_VALUE', `end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

/** A COMMIT or ABORT marker read from a control record. */
export interface TxnMarker extends EndTxnMarker {
  commit: boolean;
}

/**
 * Reads a control record as a transaction marker; returns null for other control types
 * (KRaft records), which consumers skip.
 */
export function parseTxnMarker(record: { key: Buffer | null; value: Buffer | null }): TxnMarker | null {
  const { type } = parseControlRecordKey(record.key);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) return null;
  return { commit: type === ControlRecordType.Commit, ...parseEndTxnMarkerValue(record.value) };
}

export interface EndTxnMarkerBatchInput {
  commit: boolean;
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestamp: bigint;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
}

/**
 * The batch input for a transaction marker, as Kafka's MemoryRecords.withEndTransactionMarker
 * builds it: transactional + control, uncompressed, no sequence, one record. Pass the result to
 * encodeRecordBatch / encodeRecordBatchSync.
 */
export function endTxnMarkerBatch(m: EndTxnMarkerBatchInput): RecordBatchInput {
  return {
    baseOffset: m.baseOffset ?? 0n,
    partitionLeaderEpoch: m.partitionLeaderEpoch ?? -1,
    isTransactional: true,
    isControl: true,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    baseSequence: NO_SEQUENCE,
    baseTimestamp: m.timestamp,
    records: [
      {
        key: encodeControlRecordKey(m.commit ? ControlRecordType.Commit : ControlRecordType.Abort),
        value: encodeEndTxnMarkerValue(m.coordinatorEpoch),
        timestamp: m.timestamp,
      },
    ],
  };
}
