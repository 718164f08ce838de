import type { LogSegment } from '../segment/log-segment.js';
import { stableBound, type CleanableLog } from './cleanable-log.js';

export interface OffsetsToClean {
  /** Where the dirty (not yet cleaned) part of the log starts. */
  firstDirtyOffset: number;
  /** The first offset that may not be cleaned this round (>= firstDirtyOffset). */
  firstUncleanableDirtyOffset: number;
  /** The checkpointed offset was unusable and was reset to the log start. */
  forceUpdateCheckpoint: boolean;
}

/**
 * Segments overlapping [from, to), as Kafka's logSegments(from, to): the segment holding `from` (or
 * the first one, when `from` is below every segment) onwards, up to those starting before `to`.
 */
export function segmentsInRange(segments: readonly LogSegment[], from: number, to: number): LogSegment[] {
  if (from >= to) return [];
  let first = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= from) first = i;
  return segments.slice(first).filter((s) => s.baseOffset < to);
}

/** Segments from the one holding `from` up to, not including, the active segment (Kafka's nonActiveLogSegmentsFrom). */
export function nonActiveSegmentsFrom(segments: readonly LogSegment[], from: number): LogSegment[] {
  const active = segments[segments.length - 1];
  return active === undefined ? [] : segmentsInRange(segments, from, active.baseOffset);
}

/**
 * Kafka's LogCleanerManager.cleanableOffsets: the dirty section starts at the checkpointed offset
 * (reset to the log start when it is below it or past the log end) and ends at the first of: the
 * last stable offset, the active segment, and the first dirty segment holding a record newer than
 * min.compaction.lag.ms.
 */
export async function cleanableOffsets(log: CleanableLog, checkpointed: number | undefined, nowMs: number): Promise<OffsetsToClean> {
  const logStart = log.logStartOffset;
  const fromCheckpoint = checkpointed ?? logStart;
  let firstDirtyOffset = fromCheckpoint;
  let forceUpdateCheckpoint = false;
  if (fromCheckpoint < logStart || fromCheckpoint > log.logEndOffset) {
    firstDirtyOffset = logStart;
    forceUpdateCheckpoint = true;
  }
  const segments = log.segments();
  const active = segments[segments.length - 1];
  let uncleanable = Math.min(stableBound(log), active === undefined ? log.logEndOffset : active.baseOffset);
  const lagMs = Math.max(log.config.minCompactionLagMs, 0);
  if (lagMs > 0) {
    for (const s of nonActiveSegmentsFrom(segments, firstDirtyOffset)) {
      if ((await s.largestTimestamp()) > nowMs - lagMs) {
        uncleanable = Math.min(uncleanable, s.baseOffset);
        break;
      }
    }
  }
  return { firstDirtyOffset, firstUncleanableDirtyOffset: Math.max(firstDirtyOffset, uncleanable), forceUpdateCheckpoint };
}

export interface LogToClean {
  log: CleanableLog;
  firstDirtyOffset: number;
  /** Base offset of the segment holding the uncleanable offset: cleaning stops at a segment boundary. */
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  totalBytes: number;
  cleanableRatio: number;
  /** max.compaction.lag.ms is exceeded by the oldest dirty segment. */
  needCompactionNow: boolean;
}

/** Kafka's LogToClean with calculateCleanableBytes and the max.compaction.lag.ms check. */
export async function measureLogToClean(log: CleanableLog, offsets: OffsetsToClean, nowMs: number): Promise<LogToClean> {
  const segments = log.segments();
  const active = segments[segments.length - 1]!;
  const firstUncleanableOffset = (nonActiveSegmentsFrom(segments, offsets.firstUncleanableDirtyOffset)[0] ?? active).baseOffset;
  const sum = (ss: LogSegment[]) => ss.reduce((n, s) => n + s.size, 0);
  const cleanBytes = sum(segments.filter((s) => s.baseOffset < offsets.firstDirtyOffset));
  const cleanableBytes = sum(segmentsInRange(segments, Math.min(offsets.firstDirtyOffset, firstUncleanableOffset), firstUncleanableOffset));
  const totalBytes = cleanBytes + cleanableBytes;

  let needCompactionNow = false;
  const maxLag = Math.max(log.config.maxCompactionLagMs, 0);
  const cleanUntil = nowMs - maxLag;
  if (cleanUntil > 0) {
    for (const s of nonActiveSegmentsFrom(segments, offsets.firstDirtyOffset)) {
      const first = await firstBatchTimestamp(s);
      if (first !== undefined && first > 0 && first < cleanUntil) {
        needCompactionNow = true;
        break;
      }
    }
  }
  return {
    log,
    firstDirtyOffset: offsets.firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    totalBytes,
    cleanableRatio: totalBytes === 0 ? 0 : cleanableBytes / totalBytes,
    needCompactionNow,
  };
}

async function firstBatchTimestamp(s: LogSegment): Promise<number | undefined> {
  for await (const h of s.headers()) return h.maxTimestamp;
  return undefined;
}
