import { join } from 'node:path';
import { StorageError } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { parseIntegerField, readCheckpointEntries, writeCheckpointEntries } from '../checkpoint/checkpoint-file.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

/** OffsetsForLeaderEpoch's "unknown" answer (Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET). */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  /** Offset of the first batch written under this epoch. */
  readonly startOffset: number;
}

const INT32_MAX = 0x7fffffff;

/**
 * Kafka's LeaderEpochFileCache: the start offset of each leader epoch of one partition, ascending in
 * both epoch and offset, persisted in `<partitionDir>/leader-epoch-checkpoint` (version 0, count,
 * `epoch startOffset` lines). Followers use it to find where their log diverges from the leader's.
 *
 * Every mutator changes the in-memory entries synchronously, before its first await, and then
 * persists; await it when the change must be durable. Writes are serialised, so the file always ends
 * up with the latest entries.
 */
export class LeaderEpochCache {
  private constructor(
    private readonly path: string,
    private readonly io: FileIO,
    private epochs: EpochEntry[],
  ) {}

  /** Loads the checkpoint (missing file → empty cache). A malformed file is a CheckpointError. */
  static async open(partitionDir: string, io: FileIO = nodeFileIO): Promise<LeaderEpochCache> {
    const path = join(partitionDir, LEADER_EPOCH_CHECKPOINT);
    const cache = new LeaderEpochCache(path, io, []);
    for (const { fields, line } of await readCheckpointEntries(path, io)) {
      if (fields.length !== 2) throw new CheckpointError(path, line, `expected "epoch startOffset", got ${fields.length} fields`);
      const epoch = parseIntegerField(fields[0], path, line, 'epoch', 0, INT32_MAX);
      const startOffset = parseIntegerField(fields[1], path, line, 'start offset', 0, Number.MAX_SAFE_INTEGER);
      // Loading goes through the same rule as assign, as Kafka's constructor does, so a file with
      // non-monotonic lines still yields a consistent cache.
      cache.assignInMemory(epoch, startOffset);
    }
    return cache;
  }

  /**
   * Records that `epoch` starts at `startOffset`. As in Kafka: nothing changes when the epoch is
   * already the latest one and does not move its start back; otherwise every entry whose epoch is >=
   * the new epoch or whose start offset is >= the new offset is dropped (they conflict with the new
   * entry) and the new entry is appended. Returns whether the cache changed.
   */
  async assign(epoch: number, startOffset: number): Promise<boolean> {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > INT32_MAX || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new StorageError('INVALID_REQUEST', `invalid leader epoch entry (${epoch}, ${startOffset})`);
    }
    if (!this.assignInMemory(epoch, startOffset)) return false;
    await this.flush();
    return true;
  }

  private assignInMemory(epoch: number, startOffset: number): boolean {
    const latest = this.latestEntry();
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    let keep = this.epochs.length;
    while (keep > 0) {
      const e = this.epochs[keep - 1]!;
      if (e.epoch >= epoch || e.startOffset >= startOffset) keep--;
      else break;
    }
    this.epochs = [...this.epochs.slice(0, keep), { epoch, startOffset }];
    return true;
  }

  /** The latest epoch that has an entry, or undefined when the cache is empty. */
  latestEpoch(): number | undefined {
    return this.latestEntry()?.epoch;
  }

  latestEntry(): EpochEntry | undefined {
    return this.epochs[this.epochs.length - 1];
  }

  earliestEntry(): EpochEntry | undefined {
    return this.epochs[0];
  }

  /** All entries, oldest first (a copy). */
  entries(): EpochEntry[] {
    return [...this.epochs];
  }

  /** The epoch the record at `offset` was written in, or undefined when before the first entry. */
  epochForOffset(offset: number): number | undefined {
    let previous: number | undefined;
    for (const e of this.epochs) {
      if (e.startOffset === offset) return e.epoch;
      if (e.startOffset > offset) return previous;
      previous = e.epoch;
    }
    return previous;
  }

  /**
   * Kafka's OffsetsForLeaderEpoch answer: the largest epoch <= the requested one and the offset
   * where it ended, i.e. the start offset of the next higher epoch, or logEndOffset when the
   * requested epoch is the latest. A request below every known epoch answers with the requested epoch
   * and the first known start offset; an undefined or too-high epoch gives UNDEFINED (-1, -1).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const latest = this.latestEntry();
    if (latest !== undefined && latest.epoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higherIndex = this.epochs.findIndex((e) => e.epoch > requestedEpoch);
    if (higherIndex < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higher = this.epochs[higherIndex]!;
    if (higherIndex === 0) return { epoch: requestedEpoch, endOffset: higher.startOffset };
    return { epoch: this.epochs[higherIndex - 1]!.epoch, endOffset: higher.startOffset };
  }

  /**
   * Removes the entries starting at or after `endOffset` (the log was truncated to end there).
   * Nothing happens unless the latest entry starts at/after it; a negative offset is ignored.
   */
  async truncateFromEnd(endOffset: number): Promise<void> {
    const latest = this.latestEntry();
    if (endOffset < 0 || latest === undefined || latest.startOffset < endOffset) return;
    this.epochs = this.epochs.filter((e) => e.startOffset < endOffset);
    await this.flush();
  }

  /**
   * The log now starts at `startOffset`: entries starting at or before it are dropped, and the last
   * of them is kept with its start moved up to `startOffset` (it still covers the new first record).
   */
  async truncateFromStart(startOffset: number): Promise<void> {
    let removed = 0;
    while (removed < this.epochs.length && this.epochs[removed]!.startOffset <= startOffset) removed++;
    if (removed === 0) return;
    const carried = { epoch: this.epochs[removed - 1]!.epoch, startOffset };
    this.epochs = [carried, ...this.epochs.slice(removed)];
    await this.flush();
  }

  /** Drops every entry (the log was emptied). */
  async clear(): Promise<void> {
    this.epochs = [];
    await this.flush();
  }

  /** Writes the current entries to the checkpoint atomically. */
  flush(): Promise<void> {
    // Capture now: a later mutation schedules its own write, which the per-path queue orders after this one.
    const lines = this.epochs.map((e) => `${e.epoch} ${e.startOffset}`);
    return writeCheckpointEntries(this.path, lines, this.io);
  }
}
