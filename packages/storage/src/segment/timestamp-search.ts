import { RecordBatchView, TimestampType } from '@tributary/protocol';
import type { FileIO } from '../io/file-io.js';
import { BatchCursor, readRange, type BatchHeader } from './batch-cursor.js';
import { recordTimestamps } from './record-scan.js';
import type { SegmentIndexer } from './segment-indexer.js';

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  /** partitionLeaderEpoch of the batch holding the record (-1 when unknown). */
  leaderEpoch: number;
}

/** The .log file region a search may read, and how to report corruption found there. */
export interface SearchScope {
  io: FileIO;
  fd: number;
  size: number;
  indexer: SegmentIndexer;
  corrupt(message: string, position: number): Error;
}

/** One whole batch by its header, CRC-checked. */
async function readBatch(scope: SearchScope, h: BatchHeader): Promise<RecordBatchView> {
  const bytes = await readRange(scope.io, scope.fd, h.position, h.size);
  const view = new RecordBatchView(bytes, 0);
  if (bytes.length !== h.size || !view.isCrcValid()) throw scope.corrupt(`batch at position ${h.position} is corrupt`, h.position);
  return view;
}

/**
 * Kafka's LogSegment.findOffsetByTimestamp: the first record at or after startingOffset whose
 * timestamp is >= target. The time index skips the batches that cannot reach target; only the one
 * batch that does is decoded.
 */
export async function findOffsetByTimestamp(scope: SearchScope, target: number, startingOffset: number): Promise<TimestampAndOffset | undefined> {
  const { offsetIndex, timeIndex } = scope.indexer;
  const timeHint = timeIndex.lookup(target);
  const from = offsetIndex.lookup(Math.max(timeHint.offset, startingOffset)).position;
  const cursor = new BatchCursor(scope.io, scope.fd, from, scope.size);
  for (let h = await cursor.next(); h; h = await cursor.next()) {
    if (h.maxTimestamp < target || h.lastOffset < startingOffset) continue;
    for (const rec of await recordTimestamps(await readBatch(scope, h))) {
      if (rec.timestamp >= target && rec.offset >= startingOffset) {
        return { timestamp: rec.timestamp, offset: rec.offset, leaderEpoch: h.partitionLeaderEpoch };
      }
    }
  }
  return undefined;
}

/**
 * The record carrying the segment's max timestamp (Kafka's offsetOfMaxTimestamp: the first record of
 * that batch whose timestamp equals the batch max; for LogAppendTime, the batch's first record).
 */
export async function findMaxTimestampRecord(scope: SearchScope): Promise<TimestampAndOffset | undefined> {
  const { maxTimestamp, offsetOfMaxTimestamp, offsetIndex } = scope.indexer;
  if (maxTimestamp < 0) return undefined;
  const cursor = new BatchCursor(scope.io, scope.fd, offsetIndex.lookup(offsetOfMaxTimestamp).position, scope.size);
  for (let h = await cursor.next(); h; h = await cursor.next()) {
    if (h.maxTimestamp !== maxTimestamp) continue;
    const batch = await readBatch(scope, h);
    const recs = await recordTimestamps(batch);
    const rec = batch.timestampType === TimestampType.LogAppendTime ? recs[0] : recs.find((r) => r.timestamp === maxTimestamp);
    if (rec) return { timestamp: maxTimestamp, offset: rec.offset, leaderEpoch: h.partitionLeaderEpoch };
  }
  return undefined;
}
