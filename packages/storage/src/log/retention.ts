import type { LogSegment } from '../segment/log-segment.js';

/** Decides, oldest segment first, whether a segment may go; the walk stops at the first "no". */
export type DeletionPredicate = (segment: LogSegment, next: LogSegment | undefined) => boolean | Promise<boolean>;

/** retention.ms: the segment's largest timestamp is older than the retention period. */
export function retentionMsBreached(retentionMs: number, now: number): DeletionPredicate | undefined {
  if (retentionMs < 0) return undefined;
  return async (segment) => now - (await segment.largestTimestamp()) > retentionMs;
}

/** retention.bytes: delete oldest segments while the log stays at or above the limit without them. */
export function retentionSizeBreached(retentionBytes: number, logSize: number): DeletionPredicate | undefined {
  if (retentionBytes < 0 || logSize < retentionBytes) return undefined;
  let excess = logSize - retentionBytes;
  return (segment) => {
    if (excess - segment.size >= 0) {
      excess -= segment.size;
      return true;
    }
    return false;
  };
}

/** The log start offset has moved past the whole segment (the next one starts at or below it). */
export function logStartOffsetBreached(logStartOffset: number): DeletionPredicate {
  return (_segment, next) => next !== undefined && next.baseOffset <= logStartOffset;
}

/**
 * Kafka's deletableSegments: oldest first, while the predicate holds and the segment lies wholly
 * below the high watermark; an empty last (active) segment is never deleted, a non-empty one may be
 * (the log then rolls a fresh active segment first).
 */
export async function deletableSegments(
  segments: readonly LogSegment[],
  logEndOffset: number,
  highWatermark: number,
  predicate: DeletionPredicate,
): Promise<LogSegment[]> {
  const out: LogSegment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    const upperBound = next ? next.baseOffset : logEndOffset;
    const lastAndEmpty = next === undefined && segment.size === 0;
    if (lastAndEmpty || highWatermark < upperBound || !(await predicate(segment, next))) break;
    out.push(segment);
  }
  return out;
}
