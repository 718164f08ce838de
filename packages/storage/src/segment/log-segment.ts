import { BatchLayout, crc32c, readInt64Num, RecordBatchView } from '@tributary/protocol';
import { StorageError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { CorruptIndexError } from '../index/index-file.js';
import { OffsetIndex } from '../index/offset-index.js';
import { NO_TIMESTAMP, TimeIndex, type TimestampOffset } from '../index/time-index.js';
import { TransactionIndex, type AbortedTxn, type TxnIndexSearchResult } from '../index/transaction-index.js';
import { INDEX_SUFFIX, LOG_SUFFIX, segmentFilePath, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX } from '../util/file-names.js';
import { BatchCursor, readRange, type BatchHeader } from './batch-cursor.js';
import { BatchStream } from './batch-stream.js';
import { SegmentIndexer } from './segment-indexer.js';
import { indexHeaders, MAX_RELATIVE_OFFSET, validateBatches } from './segment-scans.js';
import { findMaxTimestampRecord, findOffsetByTimestamp, type SearchScope, type TimestampAndOffset } from './timestamp-search.js';

export type { TimestampAndOffset } from './timestamp-search.js';

const EMPTY = Buffer.alloc(0);

export interface LogSegmentOptions {
  io: FileIO;
  dir: string;
  baseOffset: number;
  /** segment.index.bytes: caps each index (full index → roll). */
  maxIndexSize: number;
  /** File name suffix after .log/.index/.timeindex: '' for live segments, '.cleaned'/'.swap' for the cleaner. */
  suffix?: string;
  /** Clock time the segment counts as created (segment.ms when its batches carry no timestamps). */
  now: number;
  /**
   * open(): whether the segment has a .txnindex file, when the caller already knows from a directory
   * listing (saves a failed read per segment on open); undefined: look.
   */
  txnIndexExists?: boolean;
}

/** Stored bytes that cannot be a valid batch (found on read or by a scan). */
export class CorruptSegmentError extends StorageError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super('CORRUPT_MESSAGE', message);
  }
}

/** A read raced with the segment being closed (deleted by retention or replaced by the cleaner). */
export class SegmentClosedError extends StorageError {
  constructor(baseOffset: number) {
    super('OFFSET_OUT_OF_RANGE', `segment ${baseOffset} is closed`);
  }
}

export interface SegmentReadResult {
  /** Whole batches, as stored. */
  records: Buffer;
  /** Base offset of the first batch (at or below the requested offset). */
  firstOffset: number;
  /** Last offset of the last batch, -1 when none is returned. */
  lastOffset: number;
  /** Byte position of the first batch in this segment's .log file. */
  position: number;
  batchCount: number;
}

export interface RecoverResult {
  /** Bytes removed from the end of the .log file (a torn or corrupt tail). */
  truncatedBytes: number;
  /** Why recovery stopped before the end of the file, if it did. */
  reason?: string;
}

export interface RollParams {
  maxSegmentBytes: number;
  maxSegmentMs: number;
  rollJitterMs: number;
  /** Bytes about to be appended. */
  messagesSize: number;
  /** Max timestamp of the batches about to be appended. */
  maxTimestampInMessages: number;
  /** Last offset of the batches about to be appended. */
  maxOffsetInMessages: number;
  now: number;
}

/**
 * One segment of a partition log, as Kafka's LogSegment: the `.log` file of stored batches, a sparse
 * offset index, a time index and (when an ABORT marker lies in it) an aborted-transaction index, all
 * named by the 20-digit base offset. The .log size and every position are tracked in memory: appends
 * are positional writes at the tracked end and readers never look past the size known when they
 * started, so they never see a half-written batch.
 * Indexes are loaded lazily (the active segment loads them at once); a missing or corrupt index file
 * is rebuilt from the log.
 */
export class LogSegment {
  readonly io: FileIO;
  readonly dir: string;
  readonly baseOffset: number;
  readonly maxIndexSize: number;
  /** index.interval.bytes used when indexes are rebuilt outside an append (set by the owning log). */
  indexIntervalForRebuild = 4096;
  private fileSuffix: string;
  private readonly fd: number;
  private bytes: number;
  private idx: SegmentIndexer | undefined;
  private indexLoad: Promise<void> | undefined;
  private nextOffsetCache: number | undefined;
  /** maxTimestamp of the first batch (Kafka's rollingBasedTimestamp); null for an empty segment. */
  private firstBatchTs: number | null | undefined;
  private createdMs: number;
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Next offset → byte position of the batch holding it, for reads continuing where one ended. */
  private readonly readPositions = new Map<number, number>();

  /** Aborted transactions whose marker is in this segment; loaded with the segment (entries are few). */
  private txn: TransactionIndex;
  private txnCorrupt = false;

  private constructor(opts: LogSegmentOptions, fd: number, size: number, txn?: TransactionIndex) {
    this.io = opts.io;
    this.dir = opts.dir;
    this.baseOffset = opts.baseOffset;
    this.maxIndexSize = opts.maxIndexSize;
    this.fileSuffix = opts.suffix ?? '';
    this.fd = fd;
    this.bytes = size;
    this.createdMs = opts.now;
    this.txn = txn ?? TransactionIndex.empty(opts.io, this.txnIndexPath, opts.baseOffset);
  }

  /** Creates a new, empty segment (its .log and both index files; the txn index file comes with its first entry). */
  static async create(opts: LogSegmentOptions): Promise<LogSegment> {
    const logPath = segmentFilePath(opts.dir, opts.baseOffset, LOG_SUFFIX, opts.suffix ?? '');
    const fd = await opts.io.open(logPath, true);
    const seg = new LogSegment(opts, fd, 0);
    try {
      if ((await opts.io.size(fd)) !== 0) await opts.io.truncate(fd, 0);
      seg.idx = seg.freshIndexer();
      await seg.idx.rewrite();
      seg.nextOffsetCache = opts.baseOffset;
      seg.firstBatchTs = null;
    } catch (err) {
      await opts.io.close(fd).catch(() => undefined);
      throw err;
    }
    return seg;
  }

  /**
   * Opens an existing segment; its offset and time indexes load on first use, its transaction index
   * now. An unusable transaction index starts empty and is flagged (txnIndexNeedsRebuild) for the
   * loader to send the segment through recovery.
   */
  static async open(opts: LogSegmentOptions): Promise<LogSegment> {
    const logPath = segmentFilePath(opts.dir, opts.baseOffset, LOG_SUFFIX, opts.suffix ?? '');
    const fd = await opts.io.open(logPath, false);
    try {
      const txnPath = segmentFilePath(opts.dir, opts.baseOffset, TXN_INDEX_SUFFIX, opts.suffix ?? '');
      let txn: TransactionIndex;
      let corrupt = false;
      try {
        txn =
          opts.txnIndexExists === false
            ? TransactionIndex.empty(opts.io, txnPath, opts.baseOffset)
            : await TransactionIndex.load(opts.io, txnPath, opts.baseOffset);
      } catch (err) {
        if (!(err instanceof CorruptIndexError)) throw err;
        txn = TransactionIndex.empty(opts.io, txnPath, opts.baseOffset);
        corrupt = true;
      }
      const seg = new LogSegment(opts, fd, await opts.io.size(fd), txn);
      seg.txnCorrupt = corrupt;
      return seg;
    } catch (err) {
      await opts.io.close(fd).catch(() => undefined);
      throw err;
    }
  }

  get suffix(): string {
    return this.fileSuffix;
  }
  get logPath(): string {
    return segmentFilePath(this.dir, this.baseOffset, LOG_SUFFIX, this.fileSuffix);
  }
  get offsetIndexPath(): string {
    return segmentFilePath(this.dir, this.baseOffset, INDEX_SUFFIX, this.fileSuffix);
  }
  get timeIndexPath(): string {
    return segmentFilePath(this.dir, this.baseOffset, TIME_INDEX_SUFFIX, this.fileSuffix);
  }
  get txnIndexPath(): string {
    return segmentFilePath(this.dir, this.baseOffset, TXN_INDEX_SUFFIX, this.fileSuffix);
  }
  /** Bytes of the .log file. */
  get size(): number {
    return this.bytes;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  /** Clock time this segment was created (or opened) at. */
  get created(): number {
    return this.createdMs;
  }

  private corrupt(message: string, position: number): CorruptSegmentError {
    return new CorruptSegmentError(`segment ${this.baseOffset}: ${message}`, position);
  }

  // ---------------------------------------------------------------- file access bookkeeping

  /** Runs fn while counting it in flight, so close() waits for it rather than pulling the fd away. */
  private async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SegmentClosedError(this.baseOffset);
    this.inflight++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (--this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async idle(): Promise<void> {
    if (this.inflight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  // ---------------------------------------------------------------- indexes

  private freshIndexer(): SegmentIndexer {
    return SegmentIndexer.fresh(this.io, this.offsetIndexPath, this.timeIndexPath, this.baseOffset, this.maxIndexSize);
  }

  private get indexer(): SegmentIndexer {
    if (!this.idx) throw new Error(`segment ${this.baseOffset}: indexes used before ensureIndexes()`);
    return this.idx;
  }

  /** Whether both indexes are in memory (the active segment always has them). */
  get indexesLoaded(): boolean {
    return this.idx !== undefined;
  }

  /** The loaded offset index (after ensureIndexes). */
  get offsetIndex(): OffsetIndex {
    return this.indexer.offsetIndex;
  }

  /** The loaded time index (after ensureIndexes). */
  get timeIndex(): TimeIndex {
    return this.indexer.timeIndex;
  }

  /** Loads both indexes (and the first batch's timestamp), rebuilding them from the log if unusable. */
  async ensureIndexes(): Promise<void> {
    if (this.idx) return;
    await this.use(() => this.loadIndexesOnce());
  }

  /** ensureIndexes() for callers already counted in flight. */
  private async loadIndexesOnce(): Promise<void> {
    if (this.idx) return;
    this.indexLoad ??= this.loadIndexes().finally(() => (this.indexLoad = undefined));
    await this.indexLoad;
  }

  private async loadIndexes(): Promise<void> {
    try {
      const offsetIdx = await OffsetIndex.load(this.io, this.offsetIndexPath, this.baseOffset, this.maxIndexSize, this.bytes);
      const timeIdx = await TimeIndex.load(this.io, this.timeIndexPath, this.baseOffset, this.maxIndexSize);
      if (offsetIdx.entries > 0) {
        // The last entry must name a real batch: its header at that position ends at that offset.
        const last = offsetIdx.entry(offsetIdx.entries - 1);
        const header = await new BatchCursor(this.io, this.fd, last.position, this.bytes, BatchLayout.HEADER_SIZE).next();
        if (!header || header.lastOffset !== last.offset) {
          throw new CorruptIndexError(`offset index ${this.offsetIndexPath}: last entry does not match the batch at position ${last.position}`);
        }
      }
      await this.loadFirstBatchTimestamp();
      // Kafka restores max-timestamp-so-far from the time index's last entry, which close() and roll
      // make the true maximum; after an unclean shutdown, recovery rebuilds it.
      const lastTime = timeIdx.lastEntry();
      this.idx = new SegmentIndexer(offsetIdx, timeIdx, lastTime.timestamp, lastTime.offset);
    } catch (err) {
      if (err instanceof CorruptIndexError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.rebuildIndexesLocked();
        return;
      }
      throw err;
    }
  }

  private async loadFirstBatchTimestamp(): Promise<void> {
    if (this.firstBatchTs !== undefined) return;
    const first = this.bytes === 0 ? undefined : await new BatchCursor(this.io, this.fd, 0, this.bytes, BatchLayout.HEADER_SIZE).next();
    this.firstBatchTs = first ? first.maxTimestamp : null;
  }

  /** Rebuilds both indexes from the batch headers and rewrites their files. */
  async rebuildIndexes(): Promise<void> {
    await this.use(() => this.rebuildIndexesLocked());
  }

  private async rebuildIndexesLocked(): Promise<void> {
    const indexer = this.freshIndexer();
    const interval = this.indexIntervalForRebuild;
    let first: number | null = null;
    let pos = 0;
    // Appends may land while we scan (a read found a bad entry in the active segment); keep scanning
    // until the scan has caught up with the tracked size, then swap in the new indexes synchronously.
    for (;;) {
      const scan = await indexHeaders(this.io, this.fd, pos, this.bytes, indexer, interval);
      first ??= scan.firstBatchTimestamp;
      pos = scan.position;
      if (scan.stop !== 'end' || pos >= this.bytes) break;
    }
    indexer.seal();
    const old = this.idx;
    this.idx = indexer;
    this.firstBatchTs = first;
    await old?.closeFiles();
    await indexer.rewrite();
  }

  // ---------------------------------------------------------------- transaction index

  /** The aborted-transaction index (entries in memory). */
  get txnIndex(): TransactionIndex {
    return this.txn;
  }

  /** The .txnindex file found on open was unusable; the index is empty until rebuilt from the log. */
  get txnIndexNeedsRebuild(): boolean {
    return this.txnCorrupt;
  }

  /**
   * Records a transaction aborted by a marker in this segment (Kafka's updateTxnIndex). The entry is
   * visible to look-ups on return; the promise covers the file write.
   */
  appendAbortedTxn(txn: AbortedTxn): Promise<void> {
    if (this.closed) return Promise.reject(new SegmentClosedError(this.baseOffset));
    return this.txn.append(txn);
  }

  /** This segment's share of an aborted-transaction look-up (Kafka's LogSegment.collectAbortedTxns). */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    return this.txn.collectAbortedTxns(fetchOffset, upperBoundOffset);
  }

  /** Empties the transaction index and removes its file, before a rebuild from the batches. */
  async resetTxnIndex(): Promise<void> {
    await this.txn.reset();
    this.txnCorrupt = false;
  }

  // ---------------------------------------------------------------- append

  /** True when offset can be stored relative to this segment's base offset. */
  canConvertToRelativeOffset(offset: number): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0 && rel <= MAX_RELATIVE_OFFSET;
  }

  /** Kafka's LogSegment.shouldRoll (indexes must be loaded: the active segment always has them). */
  shouldRoll(p: RollParams): boolean {
    const first = this.firstBatchTs;
    const waited = first !== null && first !== undefined && first >= 0 ? p.maxTimestampInMessages - first : p.now - this.createdMs;
    const reachedRollMs = waited > p.maxSegmentMs - p.rollJitterMs;
    return (
      this.bytes > p.maxSegmentBytes - p.messagesSize ||
      (this.bytes > 0 && reachedRollMs) ||
      this.indexer.offsetIndex.isFull() ||
      this.indexer.timeIndex.isFull() ||
      !this.canConvertToRelativeOffset(p.maxOffsetInMessages)
    );
  }

  /**
   * Appends batches whose offsets are already assigned, with one positional write at the tracked
   * end (through libuv's thread pool), then indexes them. `verify` runs while the write is in
   * flight — the log checks CRCs there, so a large batch's CRC and its copy into the page cache
   * overlap on two cores; if it throws, the append is undone. If the write fails, the file is cut
   * back to its previous end (when the disk allows). Either way nothing becomes visible: readers
   * only look below the tracked size, which moves after success.
   */
  async append(records: Buffer, indexIntervalBytes: number, verify?: () => void): Promise<void> {
    if (!this.idx) await this.ensureIndexes();
    if (this.closed) throw new SegmentClosedError(this.baseOffset);
    const start = this.bytes;
    const writing = this.io.write(this.fd, records, start);
    let verifyError: unknown;
    try {
      verify?.();
    } catch (err) {
      verifyError = err;
    }
    try {
      await writing;
    } catch (err) {
      await this.truncateBack(start).catch(() => undefined);
      throw err;
    }
    if (verifyError !== undefined) {
      await this.truncateBack(start);
      throw verifyError;
    }
    this.commitAppend(records, start, indexIntervalBytes);
  }

  /**
   * The same with a synchronous write, for small appends (a thread-pool round trip costs more than
   * copying a few KiB into the page cache). Indexes must be loaded. On a write failure nothing is
   * committed and the error is rethrown; the caller cuts the file back with truncateBack(size).
   */
  appendSync(records: Buffer, indexIntervalBytes: number): void {
    if (this.closed) throw new SegmentClosedError(this.baseOffset);
    if (!this.idx || !this.io.writeSync) throw new Error(`segment ${this.baseOffset}: appendSync needs loaded indexes and a synchronous FileIO`);
    const start = this.bytes;
    this.io.writeSync(this.fd, records, start);
    this.commitAppend(records, start, indexIntervalBytes);
  }

  /** Cuts the .log file back to `size` after a failed or refused append. */
  async truncateBack(size: number): Promise<void> {
    await this.io.truncate(this.fd, size);
  }

  /** Makes written batches visible: indexes, max timestamp, size. Synchronous, so never half done. */
  private commitAppend(records: Buffer, start: number, indexIntervalBytes: number): void {
    const indexer = this.indexer;
    let pos = 0;
    let lastOffset = -1;
    while (pos < records.length) {
      const size = records.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      lastOffset = readInt64Num(records, pos) + records.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA);
      indexer.add(start + pos, size, lastOffset, readInt64Num(records, pos + BatchLayout.MAX_TIMESTAMP), indexIntervalBytes);
      pos += size;
    }
    if (start === 0 && records.length > 0) this.firstBatchTs = readInt64Num(records, BatchLayout.MAX_TIMESTAMP);
    this.bytes = start + records.length;
    if (lastOffset >= 0) this.nextOffsetCache = lastOffset + 1;
  }

  // ---------------------------------------------------------------- look-ups

  /**
   * Header of the first batch whose last offset is >= target (the batch holding target, or the next
   * one after a gap), searching from the offset index entry at or below target. Undefined when no
   * batch in the segment reaches target. An index entry that does not match the log triggers a
   * rebuild of the indexes and one retry.
   */
  async translateOffset(target: number): Promise<BatchHeader | undefined> {
    return this.use(() => this.translateOffsetLocked(target, this.bytes, true));
  }

  private async translateOffsetLocked(target: number, end: number, mayRebuild: boolean): Promise<BatchHeader | undefined> {
    if (!this.idx) await this.loadIndexesOnce();
    const hint = this.indexer.offsetIndex.lookup(target);
    const cursor = new BatchCursor(this.io, this.fd, hint.position, end);
    const retry = async () => {
      await this.rebuildIndexesLocked();
      return this.translateOffsetLocked(target, Math.min(end, this.bytes), false);
    };
    let first = true;
    for (let h = await cursor.next(); h; h = await cursor.next()) {
      if (first && hint.slot >= 0 && h.lastOffset !== hint.offset) {
        if (mayRebuild) return retry();
        throw this.corrupt('index still disagrees with the log after a rebuild', h.position);
      }
      first = false;
      if (h.lastOffset >= target) return h;
    }
    if (cursor.stop === 'corrupt') {
      if (first && hint.slot >= 0 && mayRebuild) return retry();
      throw this.corrupt(`invalid batch header at position ${cursor.position}`, cursor.position);
    }
    return undefined;
  }

  /**
   * Reads whole batches starting with the one holding startOffset: up to maxBytes, but always the
   * first batch whole when minOneBatch is set, and only batches whose last offset is below
   * upperBoundOffset. CRCs are checked when verifyCrc is set: a corrupt batch is never returned (the
   * read stops before it, or fails with CORRUPT_MESSAGE if it is the first).
   * With `into`, the bytes land in that buffer when they fit (the result is a view of it).
   * Undefined when no batch in this segment reaches startOffset (the caller tries the next segment);
   * a result with batchCount 0 when one does but may not be returned (bound reached, or too large
   * without minOneBatch), so the caller stops.
   */
  async read(
    startOffset: number,
    maxBytes: number,
    upperBoundOffset = Number.MAX_SAFE_INTEGER,
    minOneBatch = true,
    verifyCrc = true,
    into?: Buffer,
  ): Promise<SegmentReadResult | undefined> {
    return this.use(async () => {
      const end = this.bytes;
      // Sequential readers (consumers, followers) ask for the offset right after their last read:
      // its position is remembered, so such a read is a single positional read with no index look-up.
      let position = this.readPositions.get(startOffset);
      const remembered = position !== undefined && position < end;
      if (!remembered) {
        const header = await this.translateOffsetLocked(startOffset, end, true);
        if (!header) return undefined;
        position = header.position;
      }
      const at = position!;
      let buf = await readRange(this.io, this.fd, at, Math.min(Math.max(maxBytes, BatchLayout.HEADER_SIZE), end - at), into);
      if (buf.length < BatchLayout.HEADER_SIZE) return undefined;
      const firstSize = buf.readInt32BE(BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      const firstBase = readInt64Num(buf, BatchLayout.BASE_OFFSET);
      const firstLast = firstBase + buf.readInt32BE(BatchLayout.LAST_OFFSET_DELTA);
      if (buf[BatchLayout.MAGIC] !== 2 || firstSize < BatchLayout.HEADER_SIZE || firstLast < startOffset || firstSize > end - at) {
        if (remembered) {
          // A stale remembered position: forget them all and take the index path.
          this.readPositions.clear();
          return this.read(startOffset, maxBytes, upperBoundOffset, minOneBatch, verifyCrc, into);
        }
        throw this.corrupt(`batch at position ${at} is corrupt`, at);
      }
      const nothing = { records: EMPTY, firstOffset: firstBase, lastOffset: -1, position: at, batchCount: 0 };
      if (firstLast >= upperBoundOffset) return nothing;
      if (buf.length < firstSize) {
        if (!minOneBatch) return nothing;
        buf = await readRange(this.io, this.fd, at, firstSize, into);
      }
      let pos = 0;
      let count = 0;
      let lastOffset = -1;
      while (pos + BatchLayout.HEADER_SIZE <= buf.length) {
        const size = buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
        const whole = pos + size <= buf.length;
        const bad =
          buf[pos + BatchLayout.MAGIC] !== 2 ||
          size < BatchLayout.HEADER_SIZE ||
          (whole && verifyCrc && crc32c(buf.subarray(pos + BatchLayout.ATTRIBUTES, pos + size)) !== buf.readUInt32BE(pos + BatchLayout.CRC));
        if (bad) {
          if (count > 0) break;
          throw this.corrupt(`batch at position ${at + pos} is corrupt`, at + pos);
        }
        if (!whole) break;
        const last = readInt64Num(buf, pos) + buf.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA);
        if (last >= upperBoundOffset) break;
        lastOffset = last;
        count++;
        pos += size;
      }
      if (count === 0) return nothing;
      this.rememberReadPosition(lastOffset + 1, at + pos);
      return { records: buf.subarray(0, pos), firstOffset: firstBase, lastOffset, position: at, batchCount: count };
    });
  }

  /** Remembers where the batch after a read starts (a handful of readers' worth, oldest dropped first). */
  private rememberReadPosition(nextOffset: number, position: number): void {
    this.readPositions.delete(nextOffset);
    this.readPositions.set(nextOffset, position);
    if (this.readPositions.size > 64) this.readPositions.delete(this.readPositions.keys().next().value!);
  }

  /** The offset the next appended batch gets (last offset + 1, or the base offset when empty). */
  async readNextOffset(): Promise<number> {
    if (this.nextOffsetCache !== undefined) return this.nextOffsetCache;
    return this.use(async () => {
      if (!this.idx) await this.loadIndexesOnce();
      const tail = await this.scanTail(this.indexer.offsetIndex.lookup(Number.MAX_SAFE_INTEGER).position);
      this.nextOffsetCache = tail.lastOffset >= 0 ? tail.lastOffset + 1 : this.baseOffset;
      return this.nextOffsetCache;
    });
  }

  /** Last offset and max timestamp of the batches from position to the end. */
  private async scanTail(position: number): Promise<{ lastOffset: number; maxTs: number; maxTsOffset: number }> {
    const cursor = new BatchCursor(this.io, this.fd, position, this.bytes);
    let lastOffset = -1;
    let maxTs = NO_TIMESTAMP;
    let maxTsOffset = -1;
    for (let h = await cursor.next(); h; h = await cursor.next()) {
      lastOffset = h.lastOffset;
      if (h.maxTimestamp > maxTs) {
        maxTs = h.maxTimestamp;
        maxTsOffset = h.lastOffset;
      }
    }
    if (cursor.stop === 'corrupt') throw this.corrupt(`invalid batch header at position ${cursor.position}`, cursor.position);
    return { lastOffset, maxTs, maxTsOffset };
  }

  /** Max batch timestamp in the segment and the last offset of the batch carrying it ((-1, base) when none). */
  async maxTimestampAndOffset(): Promise<TimestampOffset> {
    if (!this.idx) await this.ensureIndexes();
    return { timestamp: this.indexer.maxTimestamp, offset: this.indexer.offsetOfMaxTimestamp };
  }

  /** Kafka's largestTimestamp: the max timestamp, or the file's mtime when no batch has one. */
  async largestTimestamp(): Promise<number> {
    const { timestamp } = await this.maxTimestampAndOffset();
    if (timestamp >= 0) return timestamp;
    return this.use(() => this.io.mtimeMs(this.logPath));
  }

  private searchScope(): SearchScope {
    return { io: this.io, fd: this.fd, size: this.bytes, indexer: this.indexer, corrupt: (m, p) => this.corrupt(m, p) };
  }

  /** The first record at or after startingOffset whose timestamp is >= target (see timestamp-search.ts). */
  async findOffsetByTimestamp(target: number, startingOffset: number): Promise<TimestampAndOffset | undefined> {
    return this.use(async () => {
      if (!this.idx) await this.loadIndexesOnce();
      return findOffsetByTimestamp(this.searchScope(), target, startingOffset);
    });
  }

  /** The record carrying the segment's max timestamp (see timestamp-search.ts). */
  async findMaxTimestampRecord(): Promise<TimestampAndOffset | undefined> {
    return this.use(async () => {
      if (!this.idx) await this.loadIndexesOnce();
      return findMaxTimestampRecord(this.searchScope());
    });
  }

  // ---------------------------------------------------------------- iteration (cleaner, replay)

  /** Batch headers from a position to the end (no CRC check). */
  async *headers(fromPosition = 0): AsyncGenerator<BatchHeader> {
    if (this.closed) throw new SegmentClosedError(this.baseOffset);
    this.inflight++;
    try {
      const cursor = new BatchCursor(this.io, this.fd, fromPosition, this.bytes);
      for (let h = await cursor.next(); h; h = await cursor.next()) yield h;
      if (cursor.stop === 'corrupt') throw this.corrupt(`invalid batch header at ${cursor.position}`, cursor.position);
    } finally {
      this.release();
    }
  }

  /**
   * Whole batches from a position to the end (or endPosition) as views, read in large chunks; each
   * view's CRC is checked (a corrupt batch throws CORRUPT_MESSAGE rather than being returned).
   */
  async *batches(fromPosition = 0, endPosition?: number): AsyncGenerator<RecordBatchView> {
    if (this.closed) throw new SegmentClosedError(this.baseOffset);
    this.inflight++;
    try {
      const stream = new BatchStream(this.io, this.fd, fromPosition, Math.min(endPosition ?? this.bytes, this.bytes));
      for (let v = await stream.next(); v; v = await stream.next()) {
        const at = stream.position - v.sizeInBytes;
        if (!v.isCrcValid()) throw this.corrupt(`batch at ${at} fails its CRC`, at);
        yield v;
      }
      if (stream.stop === 'corrupt') throw this.corrupt(`invalid batch header at ${stream.position}`, stream.position);
    } finally {
      this.release();
    }
  }

  // ---------------------------------------------------------------- recovery and truncation

  /**
   * Kafka's LogSegment.recover: re-reads every batch, checks header and CRC and that offsets increase,
   * rebuilds both indexes, and cuts the file at the first batch that fails (a torn or corrupt tail).
   * onBatch sees every valid batch in order (leader epochs). The transaction index is left alone:
   * its entries need the producer state before this segment, so the log rebuilds it afterwards
   * (resetTxnIndex + appendAbortedTxn while replaying producer state).
   */
  async recover(indexIntervalBytes: number, onBatch?: (batch: RecordBatchView) => void): Promise<RecoverResult> {
    return this.use(async () => {
      const indexer = this.freshIndexer();
      const scan = await validateBatches(this.io, this.fd, this.bytes, this.baseOffset, indexer, indexIntervalBytes, onBatch);
      const truncatedBytes = this.bytes - scan.validEnd;
      this.readPositions.clear();
      if (truncatedBytes > 0) {
        await this.io.truncate(this.fd, scan.validEnd);
        this.bytes = scan.validEnd;
      }
      indexer.seal();
      const old = this.idx;
      this.idx = indexer;
      this.firstBatchTs = scan.firstBatchTimestamp;
      this.nextOffsetCache = scan.lastOffset >= this.baseOffset ? scan.lastOffset + 1 : this.baseOffset;
      await old?.closeFiles();
      await indexer.rewrite();
      return scan.reason === undefined ? { truncatedBytes } : { truncatedBytes, reason: scan.reason };
    });
  }

  /**
   * Removes every batch whose last offset is >= offset (the batch holding offset goes whole, as in
   * Kafka). Returns the bytes removed.
   */
  async truncateTo(offset: number, now: number): Promise<number> {
    return this.use(async () => {
      await this.txn.truncateTo(offset);
      if (!this.idx) await this.loadIndexesOnce();
      const hit = await this.translateOffsetLocked(offset, this.bytes, true);
      if (!hit) return 0;
      const indexer = this.indexer;
      const removed = this.bytes - hit.position;
      this.readPositions.clear();
      await this.io.truncate(this.fd, hit.position);
      this.bytes = hit.position;
      indexer.offsetIndex.truncateToPosition(hit.position);
      indexer.timeIndex.truncateTo(hit.baseOffset);
      // Recompute the tail state: the surviving index entries cover everything up to their
      // positions, a scan from there covers the rest.
      const lastTime = indexer.timeIndex.lastEntry();
      const fromOffsetEntry = indexer.offsetIndex.lookup(Number.MAX_SAFE_INTEGER).position;
      const fromTimeEntry = indexer.timeIndex.entries > 0 ? indexer.offsetIndex.lookup(lastTime.offset).position : 0;
      const tail = await this.scanTail(Math.min(fromOffsetEntry, fromTimeEntry));
      this.nextOffsetCache = tail.lastOffset >= 0 ? tail.lastOffset + 1 : this.baseOffset;
      const tailWins = tail.maxTs > lastTime.timestamp;
      indexer.maxTimestamp = tailWins ? tail.maxTs : lastTime.timestamp;
      indexer.offsetOfMaxTimestamp = tailWins ? tail.maxTsOffset : lastTime.offset;
      indexer.bytesSinceLastEntry = 0;
      if (this.bytes === 0) {
        this.createdMs = now;
        this.firstBatchTs = null;
        indexer.maxTimestamp = NO_TIMESTAMP;
        indexer.offsetOfMaxTimestamp = this.baseOffset;
      }
      await indexer.flush(false);
      return removed;
    });
  }

  // ---------------------------------------------------------------- durability and lifecycle

  /** fsyncs the .log and writes + fsyncs pending index entries (and the txn index's writes). */
  async flush(): Promise<void> {
    await this.use(async () => {
      await this.io.sync(this.fd);
      await this.idx?.flush(true);
      await this.txn.flush();
    });
  }

  /**
   * Called when a newer segment becomes active: records the final max timestamp in the time index
   * (Kafka's onBecomeInactiveSegment) so the file carries it after a restart.
   */
  async onBecomeInactive(): Promise<void> {
    await this.use(async () => {
      if (!this.idx) return;
      this.idx.seal();
      await this.idx.flush(false);
    });
  }

  /** Renames the segment's files to a new suffix ('' / '.deleted' / '.cleaned' / '.swap'). */
  async changeFileSuffix(newSuffix: string): Promise<void> {
    if (newSuffix === this.fileSuffix) return;
    const moves = [
      [this.logPath, segmentFilePath(this.dir, this.baseOffset, LOG_SUFFIX, newSuffix)],
      [this.offsetIndexPath, segmentFilePath(this.dir, this.baseOffset, INDEX_SUFFIX, newSuffix)],
      [this.timeIndexPath, segmentFilePath(this.dir, this.baseOffset, TIME_INDEX_SUFFIX, newSuffix)],
    ] as const;
    for (const [from, to] of moves) {
      if (await this.io.exists(from)) await this.io.rename(from, to);
    }
    // After its queued writes, so none lands under the old name.
    await this.txn.renameTo(segmentFilePath(this.dir, this.baseOffset, TXN_INDEX_SUFFIX, newSuffix));
    this.fileSuffix = newSuffix;
    this.idx?.setPaths(this.offsetIndexPath, this.timeIndexPath);
  }

  /** Writes pending index entries (with the final max timestamp) and closes every file, after in-flight reads finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    try {
      this.idx?.seal();
      await this.idx?.flush(true);
      await this.txn.flush();
    } finally {
      await this.idx?.closeFiles();
      await this.txn.close();
      await this.io.close(this.fd);
    }
  }

  /** Closes without writing anything (the log is offline or the files are about to be deleted). */
  async closeQuietly(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    await this.idx?.closeFiles().catch(() => undefined);
    await this.txn.close().catch(() => undefined);
    await this.io.close(this.fd).catch(() => undefined);
  }

  /** Closes and removes the segment's files. */
  async deleteFiles(): Promise<void> {
    await this.closeQuietly();
    await this.io.unlink(this.logPath);
    await this.io.unlink(this.offsetIndexPath);
    await this.io.unlink(this.timeIndexPath);
    await this.io.unlink(this.txnIndexPath);
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.bytes}${this.fileSuffix ? `, suffix=${this.fileSuffix}` : ''})`;
  }
}
