import { readInt64Num, writeInt64Num } from '@tributary/protocol';
import type { FileIO } from '../io/file-io.js';
import { CorruptIndexError, IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_SIZE = 12;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

/**
 * Kafka's time index: 12-byte entries (8-byte timestamp, 4-byte relative offset). Each entry is the
 * segment's max timestamp so far and the offset of the batch that carried it, so timestamps strictly
 * increase; the last entry holds the segment's max timestamp once the segment is rolled.
 */
export class TimeIndex extends IndexFile {
  private constructor(io: FileIO, path: string, baseOffset: number, maxIndexSize: number, initial?: Buffer) {
    super(io, path, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE, initial);
  }

  static empty(io: FileIO, path: string, baseOffset: number, maxIndexSize: number): TimeIndex {
    return new TimeIndex(io, path, baseOffset, maxIndexSize);
  }

  static async load(io: FileIO, path: string, baseOffset: number, maxIndexSize: number): Promise<TimeIndex> {
    const entries = await IndexFile.readEntries(io, path, TIME_INDEX_ENTRY_SIZE);
    const index = new TimeIndex(io, path, baseOffset, maxIndexSize, entries);
    index.sanityCheck();
    return index;
  }

  /** Timestamps strictly increase, offsets never decrease and never precede the base offset. */
  sanityCheck(maxOffset = Number.MAX_SAFE_INTEGER): void {
    let lastTs = -Infinity;
    let lastRel = 0;
    for (let i = 0; i < this.count; i++) {
      const ts = readInt64Num(this.buf, i * 12);
      const rel = this.buf.readInt32BE(i * 12 + 8);
      if (ts <= lastTs || rel < lastRel || this.baseOffset + rel > maxOffset) {
        throw new CorruptIndexError(`time index ${this.path}: entry ${i} (timestamp ${ts}, relative offset ${rel}) is out of order`);
      }
      lastTs = ts;
      lastRel = rel;
    }
  }

  entry(i: number): TimestampOffset {
    return { timestamp: readInt64Num(this.buf, i * 12), offset: this.baseOffset + this.buf.readInt32BE(i * 12 + 8) };
  }

  /** The last entry, or (NO_TIMESTAMP, base offset) when empty. */
  lastEntry(): TimestampOffset {
    return this.count === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(this.count - 1);
  }

  /**
   * Appends (timestamp, offset) when the timestamp exceeds the last entry's, as Kafka's maybeAppend.
   * `force` skips the full check for the final entry written when a segment is rolled.
   */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (!force && this.isFull()) return;
    if (this.count > 0) {
      const last = this.lastEntry();
      if (timestamp <= last.timestamp) return;
      if (offset < last.offset) {
        throw new CorruptIndexError(`time index ${this.path}: offset ${offset} precedes last entry offset ${last.offset}`);
      }
    }
    const at = this.slotForAppend();
    writeInt64Num(this.buf, timestamp, at);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
  }

  /**
   * The entry with the largest timestamp <= target (Kafka's lookup). Every batch up to that entry's
   * offset has max timestamp <= the entry's, so a search for the first batch reaching target can
   * start at the batch holding that offset. Without one, (NO_TIMESTAMP, base offset).
   */
  lookup(target: number): TimestampOffset {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (readInt64Num(this.buf, mid * 12) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(found);
  }

  /** Removes entries whose offset is >= the given offset. */
  truncateTo(offset: number): void {
    let n = this.count;
    while (n > 0 && this.baseOffset + this.buf.readInt32BE((n - 1) * 12 + 8) >= offset) n--;
    this.truncateEntries(n);
  }
}
