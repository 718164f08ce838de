import { BatchLayout, readInt64Num } from '@tributary/protocol';
import type { FileIO } from '../io/file-io.js';

/** What the log needs to know about a stored batch, read from its header alone. */
export interface BatchHeader {
  /** Byte position of the batch in the segment's .log file. */
  position: number;
  /** Total bytes, including the offset and length fields. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
}

/** Why a walk over stored batches stopped before the end of its range. */
export type WalkStop = 'end' | 'partial' | 'corrupt';

/** The smallest batch v2 can be: a header with no records. */
const MIN_BATCH_SIZE = BatchLayout.HEADER_SIZE;

/**
 * Walks the batch headers of a .log file region with chunked positional reads: a read-ahead chunk
 * serves many small batches per syscall, and a large batch costs one read of its header. Only sizes,
 * magic and offsets are checked here (not CRCs); a header that cannot be a batch stops the walk with
 * `stop = 'corrupt'`, a batch running past the region end with `stop = 'partial'`.
 */
export class BatchCursor {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;
  private chunkLen = 0;
  private pos: number;
  stop: WalkStop | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly chunkSize = 16 * 1024,
  ) {
    this.pos = start;
  }

  /** Position of the next batch to be returned. */
  get position(): number {
    return this.pos;
  }

  /** Makes bytes [at, at+n) available in the chunk; false if the region ends first. */
  private async ensure(at: number, n: number): Promise<boolean> {
    if (at + n > this.end) return false;
    if (at >= this.chunkStart && at + n <= this.chunkStart + this.chunkLen) return true;
    const want = Math.min(Math.max(this.chunkSize, n), this.end - at);
    if (want > this.chunk.length) this.chunk = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = await this.io.read(this.fd, this.chunk, got, want - got, at + got);
      if (r === 0) break;
      got += r;
    }
    this.chunkStart = at;
    this.chunkLen = got;
    return got >= n;
  }

  /** The next batch header, or undefined at the end of the region (see `stop` for why). */
  async next(): Promise<BatchHeader | undefined> {
    if (this.stop) return undefined;
    const at = this.pos;
    if (at >= this.end) {
      this.stop = 'end';
      return undefined;
    }
    if (!(await this.ensure(at, BatchLayout.HEADER_SIZE))) {
      this.stop = 'partial';
      return undefined;
    }
    const b = this.chunk;
    const o = at - this.chunkStart;
    const size = b.readInt32BE(o + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    const lastOffsetDelta = b.readInt32BE(o + BatchLayout.LAST_OFFSET_DELTA);
    if (b[o + BatchLayout.MAGIC] !== 2 || size < MIN_BATCH_SIZE || lastOffsetDelta < 0) {
      this.stop = 'corrupt';
      return undefined;
    }
    if (size > this.end - at) {
      this.stop = 'partial';
      return undefined;
    }
    const baseOffset = readInt64Num(b, o + BatchLayout.BASE_OFFSET);
    const header: BatchHeader = {
      position: at,
      size,
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      maxTimestamp: readInt64Num(b, o + BatchLayout.MAX_TIMESTAMP),
      partitionLeaderEpoch: b.readInt32BE(o + BatchLayout.PARTITION_LEADER_EPOCH),
    };
    this.pos = at + size;
    return header;
  }
}

/**
 * Reads exactly length bytes at position (fewer only if the file is shorter) into `into` when it is
 * large enough, else into a new buffer.
 */
export async function readRange(io: FileIO, fd: number, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buf = into !== undefined && into.length >= length ? into : Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const r = await io.read(fd, buf, got, length - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}
