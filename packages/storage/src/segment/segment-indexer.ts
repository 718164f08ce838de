import type { FileIO } from '../io/file-io.js';
import { OffsetIndex } from '../index/offset-index.js';
import { NO_TIMESTAMP, TimeIndex } from '../index/time-index.js';

/**
 * A segment's two indexes plus the running state Kafka's LogSegment keeps beside them (max timestamp
 * so far and the offset of the batch carrying it, bytes since the last index entry). One rule feeds
 * them from batch headers, whether the batches are being appended, rebuilt from the log or recovered.
 */
export class SegmentIndexer {
  constructor(
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    /** Max batch timestamp so far (-1 when none). */
    public maxTimestamp: number,
    /** Last offset of the batch that carried maxTimestamp. */
    public offsetOfMaxTimestamp: number,
    public bytesSinceLastEntry = 0,
  ) {}

  /** Empty indexes for a segment whose files are (re)written from scratch. */
  static fresh(io: FileIO, offsetIndexPath: string, timeIndexPath: string, baseOffset: number, maxIndexSize: number): SegmentIndexer {
    return new SegmentIndexer(
      OffsetIndex.empty(io, offsetIndexPath, baseOffset, maxIndexSize),
      TimeIndex.empty(io, timeIndexPath, baseOffset, maxIndexSize),
      NO_TIMESTAMP,
      baseOffset,
    );
  }

  /**
   * Accounts for one batch at `position` (Kafka's LogSegment.append loop): a batch that follows
   * more than index.interval.bytes of unindexed log gets an offset index entry (its last offset and
   * position) and the time index records the max timestamp so far.
   */
  add(position: number, size: number, lastOffset: number, batchMaxTimestamp: number, indexIntervalBytes: number): void {
    if (batchMaxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batchMaxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastEntry > indexIntervalBytes && !this.offsetIndex.isFull()) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastEntry = 0;
    }
    this.bytesSinceLastEntry += size;
  }

  /** Puts the final max timestamp in the time index (roll, close, rebuild), past the full check. */
  seal(): void {
    if (this.maxTimestamp > NO_TIMESTAMP) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
  }

  /** Writes pending entries (fsync with `sync`). */
  async flush(sync: boolean): Promise<void> {
    await this.offsetIndex.flush(sync);
    await this.timeIndex.flush(sync);
  }

  /** Replaces both files with the in-memory entries. */
  async rewrite(): Promise<void> {
    await this.offsetIndex.rewrite();
    await this.timeIndex.rewrite();
  }

  async closeFiles(): Promise<void> {
    await this.offsetIndex.closeFile();
    await this.timeIndex.closeFile();
  }

  setPaths(offsetIndexPath: string, timeIndexPath: string): void {
    this.offsetIndex.setPath(offsetIndexPath);
    this.timeIndex.setPath(timeIndexPath);
  }
}
