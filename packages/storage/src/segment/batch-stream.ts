import { BatchLayout, RecordBatchView } from '@tributary/protocol';
import type { FileIO } from '../io/file-io.js';
import type { WalkStop } from './batch-cursor.js';
import { readRange } from './batch-cursor.js';

/**
 * Yields every whole batch of a .log file region as a view over its full bytes, reading large chunks
 * sequentially (recovery, producer-state replay, the cleaner). A chunk is never reused after a later
 * read, so views stay valid after the stream moves on. CRCs are not checked here.
 */
export class BatchStream {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;
  private pos: number;
  stop: WalkStop | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly chunkSize = 4 * 1024 * 1024,
  ) {
    this.pos = start;
  }

  /** Position of the next batch. */
  get position(): number {
    return this.pos;
  }

  private async load(at: number, n: number): Promise<boolean> {
    const want = Math.min(Math.max(this.chunkSize, n), this.end - at);
    this.chunk = await readRange(this.io, this.fd, at, want);
    this.chunkStart = at;
    return this.chunk.length >= n;
  }

  private available(at: number, n: number): boolean {
    return at >= this.chunkStart && at + n <= this.chunkStart + this.chunk.length;
  }

  async next(): Promise<RecordBatchView | undefined> {
    if (this.stop) return undefined;
    const at = this.pos;
    if (at >= this.end) {
      this.stop = 'end';
      return undefined;
    }
    if (at + BatchLayout.HEADER_SIZE > this.end) {
      this.stop = 'partial';
      return undefined;
    }
    if (!this.available(at, BatchLayout.HEADER_SIZE) && !(await this.load(at, BatchLayout.HEADER_SIZE))) {
      this.stop = 'partial';
      return undefined;
    }
    let o = at - this.chunkStart;
    const size = this.chunk.readInt32BE(o + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    if (this.chunk[o + BatchLayout.MAGIC] !== 2 || size < BatchLayout.HEADER_SIZE || this.chunk.readInt32BE(o + BatchLayout.LAST_OFFSET_DELTA) < 0) {
      this.stop = 'corrupt';
      return undefined;
    }
    if (size > this.end - at) {
      this.stop = 'partial';
      return undefined;
    }
    if (!this.available(at, size)) {
      if (!(await this.load(at, size))) {
        this.stop = 'partial';
        return undefined;
      }
      o = 0;
    }
    this.pos = at + size;
    return new RecordBatchView(this.chunk, o);
  }
}
