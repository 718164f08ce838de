import type { FileIO } from '../io/file-io.js';
import { CorruptIndexError, IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

/**
 * Kafka's offset index: 8-byte entries (4-byte offset relative to the segment's base offset, 4-byte
 * position in the .log file), one per roughly index.interval.bytes of log. An entry (o, p) says the
 * batch starting at byte p ends with offset o.
 */
export class OffsetIndex extends IndexFile {
  private constructor(io: FileIO, path: string, baseOffset: number, maxIndexSize: number, initial?: Buffer) {
    super(io, path, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE, initial);
  }

  static empty(io: FileIO, path: string, baseOffset: number, maxIndexSize: number): OffsetIndex {
    return new OffsetIndex(io, path, baseOffset, maxIndexSize);
  }

  /** Loads an existing file; throws CorruptIndexError when the bytes cannot be a valid index. */
  static async load(io: FileIO, path: string, baseOffset: number, maxIndexSize: number, logSize: number): Promise<OffsetIndex> {
    const entries = await IndexFile.readEntries(io, path, OFFSET_INDEX_ENTRY_SIZE);
    const index = new OffsetIndex(io, path, baseOffset, maxIndexSize, entries);
    index.sanityCheck(logSize);
    return index;
  }

  /** Entries strictly increase in both offset and position, and point inside the log. */
  sanityCheck(logSize: number): void {
    let lastRel = -1;
    let lastPos = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.buf.readInt32BE(i * 8);
      const pos = this.buf.readInt32BE(i * 8 + 4);
      if (rel <= lastRel || pos <= lastPos || pos >= logSize || rel < 0) {
        throw new CorruptIndexError(
          `offset index ${this.path}: entry ${i} (relative offset ${rel}, position ${pos}) is out of order or past the log end ${logSize}`,
        );
      }
      lastRel = rel;
      lastPos = pos;
    }
  }

  entry(i: number): OffsetPosition {
    return { offset: this.baseOffset + this.buf.readInt32BE(i * 8), position: this.buf.readInt32BE(i * 8 + 4) };
  }

  /** The offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.baseOffset + this.buf.readInt32BE((this.count - 1) * 8);
  }

  append(offset: number, position: number): void {
    if (this.count > 0 && offset <= this.lastOffset) {
      throw new CorruptIndexError(`offset index ${this.path}: append of ${offset} after ${this.lastOffset}`);
    }
    const at = this.slotForAppend();
    this.buf.writeInt32BE(offset - this.baseOffset, at);
    this.buf.writeInt32BE(position, at + 4);
  }

  /** Index of the largest entry whose offset is <= target, or -1. */
  private floorSlot(target: number): number {
    const rel = target - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf.readInt32BE(mid * 8) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * The largest entry with offset <= target: where a scan for target can start. Without one, the
   * start of the segment. `slot` is the entry's index (-1 for the segment start).
   */
  lookup(target: number): OffsetPosition & { slot: number } {
    const slot = this.floorSlot(target);
    if (slot < 0) return { offset: this.baseOffset, position: 0, slot };
    return { ...this.entry(slot), slot };
  }

  /** Removes entries with offset >= the given offset. */
  truncateTo(offset: number): void {
    this.truncateEntries(this.floorSlot(offset - 1) + 1);
  }

  /** Removes entries pointing at or past the given log position. */
  truncateToPosition(position: number): void {
    let n = this.count;
    while (n > 0 && this.buf.readInt32BE((n - 1) * 8 + 4) >= position) n--;
    this.truncateEntries(n);
  }
}
