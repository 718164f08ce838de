import { readInt64Num, writeInt64Num } from '@tributary/protocol';
import { StorageError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { CorruptIndexError } from './index-file.js';

/** One aborted transaction as the transaction index records it (Kafka's AbortedTxn). */
export interface AbortedTxn {
  readonly producerId: number;
  /** Offset of the transaction's first batch in this partition. */
  readonly firstOffset: number;
  /** Offset of its ABORT marker. */
  readonly lastOffset: number;
  /**
   * The last stable offset right after the abort was written: the first offset of the earliest
   * transaction still open then, or lastOffset + 1. A fetch whose range ends at or below it needs no
   * entry written after this one, so look-ups stop there.
   */
  readonly lastStableOffset: number;
}

/** What one segment's index holds for a fetch range (Kafka's TxnIndexSearchResult). */
export interface TxnIndexSearchResult {
  abortedTransactions: AbortedTxn[];
  /** An entry's last stable offset reached the range's upper bound: later segments need not be searched. */
  isComplete: boolean;
}

/** Bytes of one entry: version int16, producerId, firstOffset, lastOffset, lastStableOffset (int64 each). */
export const ABORTED_TXN_SIZE = 34;
/** The only entry version Kafka has written. */
export const ABORTED_TXN_VERSION = 0;

const PRODUCER_ID = 2;
const FIRST_OFFSET = 10;
const LAST_OFFSET = 18;
const LAST_STABLE_OFFSET = 26;

/** The 34-byte big-endian entry Kafka writes for an aborted transaction. */
export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const buf = Buffer.alloc(ABORTED_TXN_SIZE);
  buf.writeInt16BE(ABORTED_TXN_VERSION, 0);
  writeInt64Num(buf, txn.producerId, PRODUCER_ID);
  writeInt64Num(buf, txn.firstOffset, FIRST_OFFSET);
  writeInt64Num(buf, txn.lastOffset, LAST_OFFSET);
  writeInt64Num(buf, txn.lastStableOffset, LAST_STABLE_OFFSET);
  return buf;
}

/**
 * Parses a whole `.txnindex` file. A length that is not a whole number of entries (a torn append),
 * an unknown version, an offset outside the safe integers, a last offset below the segment's base
 * (Kafka's sanity check) or entries out of order make the file corrupt: the caller rebuilds it.
 */
export function decodeAbortedTxns(bytes: Buffer, path: string, baseOffset: number): AbortedTxn[] {
  if (bytes.length % ABORTED_TXN_SIZE !== 0) {
    throw new CorruptIndexError(`transaction index ${path} has length ${bytes.length}, not a multiple of ${ABORTED_TXN_SIZE}`);
  }
  const out: AbortedTxn[] = [];
  for (let at = 0; at < bytes.length; at += ABORTED_TXN_SIZE) {
    const version = bytes.readInt16BE(at);
    if (version !== ABORTED_TXN_VERSION) {
      throw new CorruptIndexError(`transaction index ${path}: entry at ${at} has version ${version}, expected ${ABORTED_TXN_VERSION}`);
    }
    const txn: AbortedTxn = {
      producerId: readInt64Num(bytes, at + PRODUCER_ID),
      firstOffset: readInt64Num(bytes, at + FIRST_OFFSET),
      lastOffset: readInt64Num(bytes, at + LAST_OFFSET),
      lastStableOffset: readInt64Num(bytes, at + LAST_STABLE_OFFSET),
    };
    const previous = out[out.length - 1];
    const problem = ![txn.producerId, txn.firstOffset, txn.lastOffset, txn.lastStableOffset].every(Number.isSafeInteger)
      ? 'a value outside the safe integers'
      : txn.lastOffset < baseOffset
        ? `last offset ${txn.lastOffset} below the segment base ${baseOffset}`
        : previous !== undefined && txn.lastOffset <= previous.lastOffset
          ? `last offset ${txn.lastOffset} not after ${previous.lastOffset}`
          : undefined;
    if (problem) throw new CorruptIndexError(`transaction index ${path}: entry at ${at} has ${problem}`);
    out.push(txn);
  }
  return out;
}

/**
 * A segment's aborted-transaction index (Kafka's TransactionIndex): one 34-byte entry per
 * transaction whose ABORT marker lies in the segment, in marker order. Fetch uses it to tell
 * read_committed consumers which producers' records to drop, and the cleaner which batches are
 * aborted.
 *
 * Entries are few (one per aborted transaction), so they all live in memory and look-ups are
 * synchronous; the file is append-only and created on the first entry (most segments never have
 * one). Appends take effect in memory at once and queue their file write, so the caller can make an
 * entry visible in the same synchronous step as the marker; file operations run one after another in
 * call order. Like Kafka, writes are not fsynced until flush(); recovery rebuilds the index of every
 * segment past the recovery point.
 */
export class TransactionIndex {
  private list: AbortedTxn[];
  private fd: number | undefined;
  private filePath: string;
  /** Tail of the queue of file operations; never rejects. */
  private queue: Promise<void> = Promise.resolve();
  /** The first file operation that failed; flush() reports it. */
  private failure: unknown;

  private constructor(
    private readonly io: FileIO,
    path: string,
    readonly baseOffset: number,
    entries: AbortedTxn[],
  ) {
    this.filePath = path;
    this.list = entries;
  }

  /** An index with no entries whose file does not exist yet. */
  static empty(io: FileIO, path: string, baseOffset: number): TransactionIndex {
    return new TransactionIndex(io, path, baseOffset, []);
  }

  /** Reads an existing file (a missing one is an empty index); throws CorruptIndexError when unusable. */
  static async load(io: FileIO, path: string, baseOffset: number): Promise<TransactionIndex> {
    let bytes: Buffer;
    try {
      bytes = await io.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return TransactionIndex.empty(io, path, baseOffset);
      throw err;
    }
    return new TransactionIndex(io, path, baseOffset, decodeAbortedTxns(bytes, path, baseOffset));
  }

  get path(): string {
    return this.filePath;
  }

  /** Number of entries. */
  get entries(): number {
    return this.list.length;
  }

  /** A copy of every entry, in marker order (Kafka's allAbortedTxns). */
  allAbortedTxns(): AbortedTxn[] {
    return [...this.list];
  }

  /** Marker offset of the last entry, undefined when empty. */
  get lastOffset(): number | undefined {
    return this.list[this.list.length - 1]?.lastOffset;
  }

  /**
   * Adds an entry. It is visible to collectAbortedTxns when this returns; the promise settles when it
   * is in the file. Markers only move forward, so an entry not after the last one is refused.
   */
  append(txn: AbortedTxn): Promise<void> {
    const last = this.lastOffset;
    if (last !== undefined && txn.lastOffset <= last) {
      return Promise.reject(
        new StorageError(
          'UNKNOWN_SERVER_ERROR',
          `transaction index ${this.filePath}: the last offset of appended transactions must increase, but ${txn.lastOffset} is not greater than ${last}`,
        ),
      );
    }
    const position = this.list.length * ABORTED_TXN_SIZE;
    this.list.push(txn);
    const bytes = encodeAbortedTxn(txn);
    return this.enqueue(async () => {
      const fd = await this.openForWrite(position);
      await this.io.write(fd, bytes, position);
    });
  }

  /**
   * Aborted transactions overlapping the fetch range [fetchOffset, upperBoundOffset) (Kafka's
   * collectAbortedTxns): every entry whose marker is at or after fetchOffset and whose first offset is
   * below the bound, stopping at the first entry whose last stable offset reaches the bound.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    const abortedTransactions: AbortedTxn[] = [];
    for (const txn of this.list) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) abortedTransactions.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return { abortedTransactions, isComplete: true };
    }
    return { abortedTransactions, isComplete: false };
  }

  /** Drops every entry whose marker is at or after `offset` (the log was truncated there). */
  async truncateTo(offset: number): Promise<void> {
    const keep = this.list.findIndex((t) => t.lastOffset >= offset);
    if (keep < 0) return;
    this.list = this.list.slice(0, keep);
    await this.enqueue(async () => {
      if (this.fd === undefined && !(await this.io.exists(this.filePath))) return;
      this.fd ??= await this.io.open(this.filePath, false);
      await this.io.truncate(this.fd, keep * ABORTED_TXN_SIZE);
    });
  }

  /** Removes every entry and the file (before the index is rebuilt from the log). */
  async reset(): Promise<void> {
    this.list = [];
    await this.enqueue(async () => {
      await this.closeFile();
      await this.io.unlink(this.filePath);
    });
  }

  /** Renames the file (if it exists) after queued writes; later writes go to the new name. */
  async renameTo(path: string): Promise<void> {
    if (path === this.filePath) return;
    await this.enqueue(async () => {
      if (this.fd !== undefined || (await this.io.exists(this.filePath))) await this.io.rename(this.filePath, path);
      this.filePath = path;
    });
  }

  /** Waits for queued writes and fsyncs the file if this index wrote to it. */
  async flush(): Promise<void> {
    await this.enqueue(async () => {
      if (this.failure !== undefined) throw this.failure;
      if (this.fd !== undefined) await this.io.sync(this.fd);
    });
  }

  /** Waits for queued writes and closes the file. */
  async close(): Promise<void> {
    await this.enqueue(() => this.closeFile());
  }

  /** Closes the file and removes it. */
  async deleteFile(): Promise<void> {
    await this.enqueue(async () => {
      await this.closeFile().catch(() => undefined);
      await this.io.unlink(this.filePath);
    });
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    this.queue = run.catch((err: unknown) => {
      this.failure ??= err;
    });
    return run;
  }

  /**
   * The fd, opened (and the file created) on first use. A file left longer than the entries this
   * index holds (a stale file under a reused name) is cut back to `expectedSize` so appends stay
   * contiguous.
   */
  private async openForWrite(expectedSize: number): Promise<number> {
    if (this.fd !== undefined) return this.fd;
    const fd = await this.io.open(this.filePath, true);
    this.fd = fd;
    if ((await this.io.size(fd)) > expectedSize) await this.io.truncate(fd, expectedSize);
    return fd;
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await this.io.close(fd);
  }
}
