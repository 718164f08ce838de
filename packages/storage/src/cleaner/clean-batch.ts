import {
  CompressionType,
  type DecodedRecord,
  type RecordBatchView,
  TimestampType,
  decodeRecordBatch,
  encodeRecordBatch,
  parseTxnMarker,
  type TxnMarker,
} from '@tributary/protocol';
import type { LastRecord } from '../producer-state/producer-state-manager.js';
import type { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';
import type { CleanerStats } from './cleaner-stats.js';
import type { OffsetMap } from './offset-map.js';

/** What decides the fate of each batch during one cleaning round. */
export interface CleanBatchContext {
  map: OffsetMap;
  /** The time the round started; tombstones and markers whose delete horizon is at or before it go. */
  nowMs: number;
  /** delete.retention.ms: how long a tombstone or marker survives after the round that first keeps it. */
  deleteRetentionMs: number;
  txn: CleanedTransactionMetadata;
  /** Per live producer, the batch that must stay so its sequence and epoch survive. */
  lastRecords: ReadonlyMap<number, LastRecord>;
  /** First offset not cleaned this round: the batch ending right below it is kept (maybe empty). */
  upperBoundOffset: number;
  stats: CleanerStats;
}

/** Kafka's BatchRetention: drop the batch, drop it only if no record survives, or keep it even empty. */
type BatchRetention = 'DELETE' | 'DELETE_EMPTY' | 'RETAIN_EMPTY';

function readControlMarker(records: DecodedRecord[]): TxnMarker | null | undefined {
  const first = records[0];
  if (first === undefined) return undefined;
  try {
    return parseTxnMarker(first);
  } catch {
    // A malformed control record is kept as it is, as Kafka keeps unknown control types.
    return null;
  }
}

/**
 * Cleans one stored batch (Kafka's LogCleaner filter + MemoryRecords.filterTo): returns the bytes to
 * write to the cleaned segment, or undefined when the batch goes entirely.
 *
 * A record survives when it is past the mapped section, or it is the latest record of its key and
 * either has a value or is a tombstone whose batch's delete horizon has not passed. Records without a
 * key are dropped (Kafka counts them invalid). Aborted transactional data goes; markers stay while
 * their transaction has batches left and are removed after the horizon. A batch keeps its base offset,
 * last offset delta (so the producer's last sequence survives), producer id, epoch, base sequence,
 * transactional/control flags, leader epoch, compression and timestamp type. The first time a kept
 * batch holds a tombstone (or a marker of an emptied transaction) it gets a delete horizon of
 * now + delete.retention.ms (KIP-534: attribute bit 6, baseTimestamp = horizon). A producer's last
 * batch, and the batch ending at the round's upper bound, are kept even with no records left.
 */
export async function cleanBatch(view: RecordBatchView, ctx: CleanBatchContext): Promise<Buffer | undefined> {
  const { stats } = ctx;
  stats.batchesRead++;
  stats.bytesRead += view.sizeInBytes;
  const producerId = view.producerIdNum;
  const lastOffset = view.lastOffsetNum;
  const isControl = view.isControl;

  const decoded = await decodeRecordBatch(view);
  const records = decoded.records;
  stats.recordsRead += records.length;

  const canDiscardBatch = isControl
    ? ctx.txn.onControlBatchRead(producerId, lastOffset, readControlMarker(records))
    : ctx.txn.onBatchRead(producerId, view.isTransactional, lastOffset);
  const horizon = view.hasDeleteHorizon ? view.baseTimestampNum : undefined;
  const discardBatchRecords = isControl ? canDiscardBatch && horizon !== undefined && horizon <= ctx.nowMs : canDiscardBatch;

  let isLastBatchOfProducer = false;
  if (producerId >= 0) {
    const last = ctx.lastRecords.get(producerId);
    if (last !== undefined) {
      isLastBatchOfProducer = last.lastDataOffset !== undefined ? lastOffset === last.lastDataOffset : isControl && view.producerEpoch === last.producerEpoch;
    }
  }
  let retention: BatchRetention;
  if (producerId >= 0 && isLastBatchOfProducer) retention = 'RETAIN_EMPTY';
  else if (lastOffset + 1 === ctx.upperBoundOffset) retention = 'RETAIN_EMPTY';
  else if (discardBatchRecords) retention = 'DELETE';
  else retention = 'DELETE_EMPTY';
  const containsMarkerForEmptyTxn = canDiscardBatch && isControl;

  if (retention === 'DELETE') return undefined;

  const retained: DecodedRecord[] = [];
  let containsTombstones = false;
  for (const r of records) {
    if (shouldRetainRecord(r, discardBatchRecords, isControl, horizon, ctx)) {
      retained.push(r);
      if (r.value === null) containsTombstones = true;
    }
  }

  if (retained.length > 0) {
    stats.batchesRetained++;
    stats.recordsRetained += retained.length;
    const needToSetDeleteHorizon = (containsTombstones || containsMarkerForEmptyTxn) && horizon === undefined;
    if (retained.length === records.length && !needToSetDeleteHorizon) {
      const bytes = view.bytes();
      stats.bytesWritten += bytes.length;
      return bytes;
    }
    const deleteHorizonMs = needToSetDeleteHorizon ? ctx.nowMs + ctx.deleteRetentionMs : horizon;
    const logAppendTime = view.timestampType === TimestampType.LogAppendTime;
    const bytes = await encodeRecordBatch({
      baseOffset: decoded.baseOffset,
      partitionLeaderEpoch: view.partitionLeaderEpoch,
      compression: view.compression,
      timestampType: view.timestampType,
      isTransactional: view.isTransactional,
      isControl,
      ...(deleteHorizonMs !== undefined ? { deleteHorizonMs: BigInt(deleteHorizonMs) } : {}),
      producerId: decoded.producerId,
      producerEpoch: view.producerEpoch,
      baseSequence: view.baseSequence,
      // LogAppendTime: every record's timestamp is the batch's; keep that as the max.
      ...(logAppendTime ? { maxTimestamp: decoded.maxTimestamp } : {}),
      // Keep the original last offset so the producer's last sequence stays derivable.
      lastOffsetDelta: view.lastOffsetDelta,
      records: retained.map((r) => ({ key: r.key, value: r.value, headers: r.headers, attributes: r.attributes, offset: r.offset, timestamp: r.timestamp })),
    });
    stats.bytesWritten += bytes.length;
    return bytes;
  }

  if (retention === 'RETAIN_EMPTY') {
    // Kafka's writeEmptyHeader: no records, uncompressed, both timestamps the original max timestamp.
    const bytes = await encodeRecordBatch({
      baseOffset: decoded.baseOffset,
      partitionLeaderEpoch: view.partitionLeaderEpoch,
      compression: CompressionType.None,
      timestampType: view.timestampType,
      isTransactional: view.isTransactional,
      isControl,
      producerId: decoded.producerId,
      producerEpoch: view.producerEpoch,
      baseSequence: view.baseSequence,
      baseTimestamp: decoded.maxTimestamp,
      maxTimestamp: decoded.maxTimestamp,
      lastOffsetDelta: view.lastOffsetDelta,
      records: [],
    });
    stats.batchesRetained++;
    stats.bytesWritten += bytes.length;
    return bytes;
  }
  return undefined;
}

function shouldRetainRecord(r: DecodedRecord, discardBatchRecords: boolean, isControl: boolean, horizon: number | undefined, ctx: CleanBatchContext): boolean {
  if (discardBatchRecords) return false;
  if (isControl) return true;
  const offset = Number(r.offset);
  if (offset > ctx.map.latestOffset) return true;
  if (r.key === null) {
    ctx.stats.keylessRecordsDropped++;
    return false;
  }
  const latestForKey = offset >= ctx.map.get(r.key);
  const retainDeletes = horizon === undefined || ctx.nowMs < horizon;
  return latestForKey && (r.value !== null || retainDeletes);
}
