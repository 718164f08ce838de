import { ProtocolError, type RecordBatchView } from '@tributary/protocol';
import type { FileIO } from '../io/file-io.js';
import { BatchCursor, type WalkStop } from './batch-cursor.js';
import { BatchStream } from './batch-stream.js';
import type { SegmentIndexer } from './segment-indexer.js';

/** Offsets inside a segment are stored relative to its base offset in 4 bytes. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;

export interface HeaderScan {
  /** Where the scan stopped: the end of the last whole batch. */
  position: number;
  stop: WalkStop | undefined;
  /** maxTimestamp of the first batch seen, null when none was. */
  firstBatchTimestamp: number | null;
}

/** Feeds the batch headers of [from, end) to an indexer (index rebuild; no CRC check). */
export async function indexHeaders(io: FileIO, fd: number, from: number, end: number, indexer: SegmentIndexer, indexIntervalBytes: number): Promise<HeaderScan> {
  const cursor = new BatchCursor(io, fd, from, end);
  let first: number | null = null;
  for (let h = await cursor.next(); h; h = await cursor.next()) {
    if (first === null) first = h.maxTimestamp;
    indexer.add(h.position, h.size, h.lastOffset, h.maxTimestamp, indexIntervalBytes);
  }
  return { position: cursor.position, stop: cursor.stop, firstBatchTimestamp: first };
}

export interface RecoveryScan {
  /** End of the last valid batch: everything after it is to be cut. */
  validEnd: number;
  /** Last offset of the last valid batch, baseOffset - 1 when none. */
  lastOffset: number;
  firstBatchTimestamp: number | null;
  /** Why the scan stopped before the end of the file, if it did. */
  reason?: string;
}

/**
 * Kafka's LogSegment.recover loop: reads every batch in large sequential chunks, checks its header
 * and CRC and that offsets increase and fit the segment, and feeds each valid batch to the indexer
 * and to onBatch. Stops at the first batch that fails.
 */
export async function validateBatches(
  io: FileIO,
  fd: number,
  size: number,
  baseOffset: number,
  indexer: SegmentIndexer,
  indexIntervalBytes: number,
  onBatch?: (batch: RecordBatchView) => void,
): Promise<RecoveryScan> {
  const stream = new BatchStream(io, fd, 0, size, 8 * 1024 * 1024);
  let prevLast = baseOffset - 1;
  let first: number | null = null;
  let validEnd = 0;
  let reason: string | undefined;
  for (let v = await stream.next(); v; v = await stream.next()) {
    const position = validEnd;
    try {
      v.validate();
    } catch (err) {
      reason = `batch at position ${position}: ${err instanceof ProtocolError ? err.message : String(err)}`;
      break;
    }
    const base = v.baseOffsetNum;
    const last = base + v.lastOffsetDelta;
    if (base <= prevLast || last - baseOffset > MAX_RELATIVE_OFFSET) {
      reason = `batch at position ${position}: offsets ${base}..${last} out of order or outside the segment (previous ${prevLast})`;
      break;
    }
    const ts = v.maxTimestampNum;
    if (first === null) first = ts;
    indexer.add(position, v.sizeInBytes, last, ts, indexIntervalBytes);
    prevLast = last;
    validEnd = position + v.sizeInBytes;
    onBatch?.(v);
  }
  if (!reason && stream.stop === 'partial') reason = `torn batch at position ${validEnd}`;
  if (!reason && stream.stop === 'corrupt') reason = `invalid batch header at position ${validEnd}`;
  return reason === undefined
    ? { validEnd, lastOffset: prevLast, firstBatchTimestamp: first }
    : { validEnd, lastOffset: prevLast, firstBatchTimestamp: first, reason };
}
