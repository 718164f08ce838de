import type { RecordBatchView } from '@tributary/protocol';
import type { CheckResult } from '../producer-state/producer-state-manager.js';
import type { AppendAnalysis } from './append-analysis.js';
import type { AppendResult } from './log-types.js';

/** How the producer ids of an append are spread: none, all distinct, or one producer more than once. */
export type ProducerShape = 'none' | 'distinct' | 'repeated';

export function producerShape(views: readonly RecordBatchView[]): ProducerShape {
  if (views.length === 1) return views[0]!.producerIdNum >= 0 ? 'distinct' : 'none';
  let seen: Set<number> | undefined;
  for (const v of views) {
    const pid = v.producerIdNum;
    if (pid < 0) continue;
    seen ??= new Set();
    if (seen.has(pid)) return 'repeated';
    seen.add(pid);
  }
  return seen ? 'distinct' : 'none';
}

/**
 * Patches consecutive offsets from firstOffset into the batches (and the leader epoch, and
 * LogAppendTime with its CRC, when given). Returns the offset after the last batch.
 */
export function assignOffsets(
  views: readonly RecordBatchView[],
  firstOffset: number,
  leaderEpoch: number | undefined,
  logAppendTimeMs: number | undefined,
): number {
  // One bigint per append, only for LogAppendTime: the view's setter takes a bigint.
  const stamp = logAppendTimeMs !== undefined ? BigInt(logAppendTimeMs) : 0n;
  let next = firstOffset;
  for (const v of views) {
    v.setBaseOffsetNum(next);
    if (leaderEpoch !== undefined) v.setPartitionLeaderEpoch(leaderEpoch);
    if (logAppendTimeMs !== undefined) v.setLogAppendTime(stamp);
    next += v.lastOffsetDelta + 1;
  }
  return next;
}

/** Kafka answers an append with no batches with offsets -1 and no error. */
export function emptyAppendResult(logStartOffset: number): AppendResult {
  return {
    firstOffset: -1,
    lastOffset: -1,
    logAppendTime: -1,
    maxTimestamp: -1,
    logStartOffset,
    recordCount: 0,
    batchCount: 0,
    sizeInBytes: 0,
    duplicate: false,
  };
}

/** An idempotent retry: the original batch's offsets, nothing appended. */
export function duplicateAppendResult(dup: Extract<CheckResult, { duplicate: true }>, analysis: AppendAnalysis, logStartOffset: number): AppendResult {
  return { ...emptyAppendResult(logStartOffset), firstOffset: dup.firstOffset, lastOffset: dup.lastOffset, maxTimestamp: analysis.maxTimestamp, duplicate: true };
}

export function appendedResult(
  analysis: AppendAnalysis,
  firstOffset: number,
  nextOffset: number,
  logAppendTime: number,
  maxTimestamp: number,
  sizeInBytes: number,
  logStartOffset: number,
): AppendResult {
  return {
    firstOffset,
    lastOffset: nextOffset - 1,
    logAppendTime,
    maxTimestamp,
    logStartOffset,
    recordCount: analysis.recordCount,
    batchCount: analysis.views.length,
    sizeInBytes,
    duplicate: false,
  };
}
