import type { LogSegment, TimestampAndOffset } from '../segment/log-segment.js';

/**
 * ListOffsets by timestamp over a log's segments (Kafka's fetchOffsetByTimestamp without the special
 * earliest/latest cases): the first record at or after logStartOffset whose timestamp is >= target,
 * searching segments in order and skipping those whose max timestamp is below it.
 */
export async function offsetForTimestamp(segments: readonly LogSegment[], target: number, logStartOffset: number): Promise<TimestampAndOffset | undefined> {
  for (const seg of segments) {
    if ((await seg.maxTimestampAndOffset()).timestamp < target) continue;
    const found = await seg.findOffsetByTimestamp(target, logStartOffset);
    if (found) return found;
  }
  return undefined;
}

/**
 * ListOffsets MAX_TIMESTAMP: the record with the largest timestamp, in the first segment holding it
 * (as Kafka picks the segment by its max timestamp, then the record inside its batch).
 */
export async function offsetOfMaxTimestamp(segments: readonly LogSegment[]): Promise<TimestampAndOffset | undefined> {
  let best: LogSegment | undefined;
  let bestTs = -1;
  for (const seg of segments) {
    const { timestamp } = await seg.maxTimestampAndOffset();
    if (timestamp > bestTs) {
      bestTs = timestamp;
      best = seg;
    }
  }
  return best ? best.findMaxTimestampRecord() : undefined;
}
