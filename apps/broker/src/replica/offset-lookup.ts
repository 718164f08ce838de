import { ErrorCode } from '@tributary/protocol';
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type Log } from '@tributary/storage';
import { READ_COMMITTED } from './fetch-types.js';
import type { Partition } from './partition.js';

/** One partition of ListOffsets v1+, checked and converted. */
export interface ListOffsetRequest {
  readonly topic: string;
  readonly partition: number;
  /** A time in ms, or -1 latest, -2 earliest, -3 max timestamp, -4 earliest local. */
  readonly timestamp: number;
  /** The client's view of the leader epoch (v4+), -1 when unknown. */
  readonly currentLeaderEpoch: number;
  /**
   * The consumer's isolation level, or undefined when the request is not from a consumer (replica
   * id other than -1), which may see up to the log end.
   */
  readonly isolationLevel: number | undefined;
}

/** ListOffsets' answer for one partition; offset -1 and timestamp -1 when no record qualifies. */
export interface ListOffsetResult {
  readonly errorCode: number;
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

export const NOT_FOUND: ListOffsetResult = { errorCode: ErrorCode.NONE, timestamp: -1, offset: -1, leaderEpoch: -1 };

/**
 * The offset a consumer may be told about (Kafka's Partition.fetchOffsetForTimestamp): latest is
 * the high watermark for read_uncommitted and the last stable offset for read_committed; a look-up
 * by timestamp (or max timestamp) only counts a record below that bound.
 */
export async function offsetForTimestamp(partition: Partition, log: Log, req: ListOffsetRequest): Promise<ListOffsetResult> {
  const lastFetchable =
    req.isolationLevel === undefined ? log.logEndOffset : req.isolationLevel === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
  if (req.timestamp === LATEST_TIMESTAMP) {
    return { errorCode: ErrorCode.NONE, timestamp: -1, offset: lastFetchable, leaderEpoch: partition.leaderEpoch };
  }
  // Without tiered storage the earliest local offset is the log start offset.
  const timestamp = req.timestamp === EARLIEST_LOCAL_TIMESTAMP ? EARLIEST_TIMESTAMP : req.timestamp;
  const found = await log.fetchOffsetByTimestamp(timestamp);
  if (!found) return NOT_FOUND;
  if (timestamp !== EARLIEST_TIMESTAMP && req.isolationLevel !== undefined && found.offset >= lastFetchable) return NOT_FOUND;
  return { errorCode: ErrorCode.NONE, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch };
}

/**
 * ListOffsets v0 (Kafka's legacyFetchOffsetsBefore): segment start offsets, newest first, of the
 * segments last written at or before `timestamp` (-1: from the log end, -2: only the log start),
 * at most maxNumOffsets of them. A consumer is never told an offset above the high watermark.
 */
export async function legacyOffsetsBefore(log: Log, timestamp: number, maxNumOffsets: number, now: number, fromConsumer: boolean): Promise<number[]> {
  const segments = log.segments();
  const logStart = log.logStartOffset;
  const points: Array<{ offset: number; time: number }> = [];
  for (const seg of segments) points.push({ offset: Math.max(seg.baseOffset, logStart), time: await seg.largestTimestamp() });
  if (segments[segments.length - 1]!.size > 0) points.push({ offset: log.logEndOffset, time: now });

  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = points.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else {
    start = points.length - 1;
    while (start >= 0 && points[start]!.time > timestamp) start--;
  }
  const offsets: number[] = [];
  for (let i = start; i >= 0 && offsets.length < Math.max(0, maxNumOffsets); i--) offsets.push(points[i]!.offset);
  offsets.sort((a, b) => b - a);
  if (!fromConsumer) return offsets;
  const hw = log.highWatermark;
  return offsets.some((o) => o > hw) ? [hw, ...offsets.filter((o) => o <= hw)] : offsets;
}
