import { join } from 'node:path';
import { type RecordBatchView, decodeRecordBatchSync, parseTxnMarker, type TxnMarker } from '@tributary/protocol';
import { atomicWriteFile } from '../checkpoint/atomic-write.js';
import { systemClock, type Clock } from '../clock.js';
import { storageFailure } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import type { AppendOrigin } from '../log/append-analysis.js';
import { ProducerStateError } from './producer-state-error.js';
import { ProducerStateEntry } from './producer-state-entry.js';
import { checkProducerEpoch, checkSequence } from './sequence-rules.js';
import { CorruptSnapshotError, SNAPSHOT_SUFFIX, decodeSnapshot, encodeSnapshot, snapshotFileName, snapshotOffsetOf } from './snapshot-file.js';

/** Kafka's producer.id.expiration.ms default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

export interface ProducerStateManagerOptions {
  /** A producer with no open transaction is forgotten this long after its last batch's timestamp. */
  producerIdExpirationMs?: number;
  /** Used to drop expired producers while loading a snapshot. */
  clock?: Clock;
  io?: FileIO;
}

export type CheckResult = { duplicate: false } | { duplicate: true; firstOffset: number; lastOffset: number };

const NOT_DUPLICATE: CheckResult = { duplicate: false };

/** A transaction whose COMMIT or ABORT marker was just recorded (Kafka's CompletedTxn). */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the marker. */
  lastOffset: number;
  isAborted: boolean;
}

/** One producer as DescribeProducers reports it. */
export interface ProducerInfo {
  producerId: number;
  producerEpoch: number;
  /** Last sequence written in the current epoch, -1 when none is cached. */
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 when none. */
  currentTxnStartOffset: number;
}

/** What the cleaner must keep for a live producer (Kafka's LastRecord). */
export interface LastRecord {
  /** Last offset of the producer's last data batch, undefined when none is cached. */
  lastDataOffset: number | undefined;
  producerEpoch: number;
}

/**
 * Idempotence and transaction state of one partition (Kafka's ProducerStateManager).
 *
 * The broker calls check() before appending a batch that has a producer id and update() after the
 * batch has its offsets; replay after a restart and replication call only update(), which records
 * without validating (Kafka's REPLICATION origin). Validation is against the state after the last
 * update(), so a request carrying several batches of one producer must check and update them one at
 * a time.
 *
 * Snapshots make restarts cheap: loadSnapshotUpTo(offset) restores the newest intact snapshot at or
 * below `offset` and says where the caller must replay batches from.
 */
export class ProducerStateManager {
  private producers = new Map<number, ProducerStateEntry>();
  /** Open transactions by first offset. */
  private ongoingTxns = new Map<number, { producerId: number; firstOffset: number }>();
  /** Completed transactions whose marker is not yet below the high watermark, by first offset. */
  private unreplicatedTxns = new Map<number, CompletedTxn>();
  private snapshotOffsets: number[];
  private mapEnd = 0;
  private readonly expirationMs: number;
  private readonly clock: Clock;
  private readonly io: FileIO;

  private constructor(
    readonly partitionDir: string,
    snapshotOffsets: number[],
    opts: ProducerStateManagerOptions,
  ) {
    this.snapshotOffsets = snapshotOffsets;
    this.expirationMs = opts.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    this.clock = opts.clock ?? systemClock;
    this.io = opts.io ?? nodeFileIO;
  }

  /**
   * Lists the snapshots in the partition directory (state stays empty until loadSnapshotUpTo) and
   * removes temporary files a crash mid-snapshot left behind.
   */
  static async open(partitionDir: string, opts: ProducerStateManagerOptions = {}): Promise<ProducerStateManager> {
    const io = opts.io ?? nodeFileIO;
    const offsets: number[] = [];
    try {
      for (const name of await io.readdir(partitionDir)) {
        const offset = snapshotOffsetOf(name);
        if (offset !== undefined) offsets.push(offset);
        else if (name.endsWith(`${SNAPSHOT_SUFFIX}.tmp`)) await io.unlink(join(partitionDir, name));
      }
    } catch (err) {
      throw storageFailure(`listing producer snapshots in ${partitionDir}`, err);
    }
    offsets.sort((a, b) => a - b);
    return new ProducerStateManager(partitionDir, offsets, opts);
  }

  // ---- validation and recording -------------------------------------------------------------

  /**
   * Validates a batch from a client (or a coordinator's marker) before it is appended. Returns the
   * original offsets when the batch repeats one of the producer's last five batches (same epoch and
   * sequence range); throws ProducerStateError when the epoch is stale, the sequence does not follow
   * on, a non-transactional batch arrives inside an open transaction, or a marker comes from a
   * fenced coordinator. Batches without a producer id pass unchecked.
   */
  check(batch: RecordBatchView, origin: AppendOrigin = 'client'): CheckResult {
    const producerId = batch.producerIdNum;
    if (producerId < 0) return NOT_DUPLICATE;
    const entry = this.producers.get(producerId);
    const epoch = batch.producerEpoch;

    if (batch.isControl) {
      checkProducerEpoch(entry, producerId, epoch, 'in a transaction marker');
      const marker = readMarker(batch, true);
      if (marker !== undefined && entry !== undefined && entry.coordinatorEpoch > marker.coordinatorEpoch) {
        throw new ProducerStateError(
          'TRANSACTION_COORDINATOR_FENCED',
          `invalid coordinator epoch for producer ${producerId}: ${marker.coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`,
        );
      }
      return NOT_DUPLICATE;
    }

    const firstSeq = batch.baseSequence;
    // A coordinator writes its own batches (transactional offset commits) under a producer's id
    // and epoch: as in Kafka, only the epoch is checked, not duplicates or sequences.
    if (origin !== 'client') {
      checkProducerEpoch(entry, producerId, epoch, 'in a coordinator write');
      return NOT_DUPLICATE;
    }
    if (entry !== undefined) {
      const dup = entry.findDuplicate(epoch, firstSeq, batch.lastSequence);
      if (dup !== undefined) return { duplicate: true, firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };
    }
    if (firstSeq < 0) {
      throw new ProducerStateError('INVALID_RECORD', `invalid sequence number ${firstSeq} in record batch with producer id ${producerId}`);
    }
    checkProducerEpoch(entry, producerId, epoch, 'at sequence ' + firstSeq);
    checkSequence(entry, producerId, epoch, firstSeq);
    if (entry !== undefined && entry.currentTxnFirstOffset >= 0 && !batch.isTransactional) {
      throw new ProducerStateError(
        'INVALID_TXN_STATE',
        `expected a transactional write from producer ${producerId}: its transaction from offset ${entry.currentTxnFirstOffset} is still open`,
      );
    }
    return NOT_DUPLICATE;
  }

  /**
   * Records an appended batch (offsets assigned). Data batches join the producer's cached batches
   * (five at most) and may open a transaction; a COMMIT/ABORT marker closes it and is returned as a
   * CompletedTxn. Nothing is validated here. `appendTimeMs` stands in for the batch timestamp when
   * the batch carries none (-1), so such a producer still lives for the expiration period.
   */
  update(batch: RecordBatchView, appendTimeMs?: number): CompletedTxn | undefined {
    const producerId = batch.producerIdNum;
    const nextOffset = batch.lastOffsetNum + 1;
    if (nextOffset > this.mapEnd) this.mapEnd = nextOffset;
    if (producerId < 0) return undefined;

    const entry = this.producers.get(producerId) ?? new ProducerStateEntry(producerId);
    const epoch = batch.producerEpoch;

    if (batch.isControl) {
      const marker = readMarker(batch, false);
      // An empty control batch is a marker whose transaction the cleaner already removed.
      if (marker === undefined) return undefined;
      this.producers.set(producerId, entry);
      const markerOffset = batch.baseOffsetNum;
      let completed: CompletedTxn | undefined;
      if (entry.currentTxnFirstOffset >= 0) {
        completed = { producerId, firstOffset: entry.currentTxnFirstOffset, lastOffset: markerOffset, isAborted: !marker.commit };
        this.ongoingTxns.delete(completed.firstOffset);
        this.unreplicatedTxns.set(completed.firstOffset, completed);
      }
      entry.maybeUpdateEpoch(epoch);
      entry.coordinatorEpoch = marker.coordinatorEpoch;
      entry.currentTxnFirstOffset = -1;
      entry.lastTimestamp = timestampOf(Number(marker.timestamp), appendTimeMs);
      return completed;
    }

    this.producers.set(producerId, entry);
    const firstOffset = batch.baseOffsetNum;
    entry.addBatch(epoch, {
      firstSeq: batch.baseSequence,
      lastSeq: batch.lastSequence,
      firstOffset,
      lastOffset: batch.lastOffsetNum,
      timestamp: timestampOf(batch.maxTimestampNum, appendTimeMs),
    });
    if (batch.isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.ongoingTxns.set(firstOffset, { producerId, firstOffset });
    }
    return undefined;
  }

  // ---- transactions and the last stable offset ----------------------------------------------

  /** First offset of the earliest open transaction, undefined when none is open. */
  firstUndecidedOffset(): number | undefined {
    return minKey(this.ongoingTxns);
  }

  /**
   * Kafka's lastStableOffset(completedTxn): the last stable offset right after `completed` ended,
   * before the high watermark is considered — the first offset of the earliest transaction another
   * producer still has open, else the offset after the marker. Call it right after the update() that
   * returned `completed`; the transaction index stores it with the aborted transaction.
   */
  lastStableOffset(completed: CompletedTxn): number {
    let first: number | undefined;
    for (const txn of this.ongoingTxns.values()) {
      if (txn.producerId !== completed.producerId && (first === undefined || txn.firstOffset < first)) first = txn.firstOffset;
    }
    return first ?? completed.lastOffset + 1;
  }

  /**
   * First offset a read_committed consumer may not see yet: the earliest open transaction, or a
   * completed one whose marker is not yet below the high watermark. Undefined when neither exists.
   */
  firstUnstableOffset(): number | undefined {
    const a = minKey(this.ongoingTxns);
    const b = minKey(this.unreplicatedTxns);
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /**
   * The last stable offset for a given high watermark: min(firstUnstableOffset, highWatermark).
   * Completed transactions whose marker is below `highWatermark` are forgotten first (as
   * onHighWatermarkUpdated does), so a single-replica log, whose high watermark is simply its end,
   * needs no separate call.
   */
  lastStableOffsetCandidate(highWatermark: number): number {
    this.onHighWatermarkUpdated(highWatermark);
    const unstable = this.firstUnstableOffset();
    return unstable === undefined ? highWatermark : Math.min(unstable, highWatermark);
  }

  /** Forgets completed transactions whose marker is now below the high watermark. */
  onHighWatermarkUpdated(highWatermark: number): void {
    for (const [first, txn] of this.unreplicatedTxns) {
      if (txn.lastOffset < highWatermark) this.unreplicatedTxns.delete(first);
    }
  }

  // ---- producers ----------------------------------------------------------------------------

  /** Every producer the partition remembers, for DescribeProducers. */
  activeProducers(): ProducerInfo[] {
    return [...this.producers.values()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastSequence: e.lastSeq,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: e.currentTxnFirstOffset,
    }));
  }

  /** A copy of one producer's state, or undefined when unknown. */
  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId)?.clone();
  }

  /** For the log cleaner: the batch of each producer that must survive compaction. */
  lastRecordsOfActiveProducers(): Map<number, LastRecord> {
    const out = new Map<number, LastRecord>();
    for (const e of this.producers.values()) {
      const last = e.lastDataOffset;
      out.set(e.producerId, { lastDataOffset: last >= 0 ? last : undefined, producerEpoch: e.producerEpoch });
    }
    return out;
  }

  /**
   * Forgets producers without an open transaction whose last batch is at least
   * producer.id.expiration.ms old. Returns the ids removed.
   */
  removeExpiredProducers(nowMs: number): number[] {
    const removed: number[] = [];
    for (const [id, e] of this.producers) {
      if (this.isExpired(e, nowMs)) {
        this.producers.delete(id);
        removed.push(id);
      }
    }
    return removed;
  }

  private isExpired(e: ProducerStateEntry, nowMs: number): boolean {
    return e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= this.expirationMs;
  }

  /** One past the last offset recorded by update() or restored from a snapshot. */
  mapEndOffset(): number {
    return this.mapEnd;
  }

  /** Moves the map end forward for batches that carried no producer id and were not passed to update(). */
  updateMapEndOffset(offset: number): void {
    if (offset > this.mapEnd) this.mapEnd = offset;
  }

  // ---- snapshots ----------------------------------------------------------------------------

  /** Offsets of the snapshots on disk, ascending. */
  snapshots(): number[] {
    return [...this.snapshotOffsets];
  }

  latestSnapshotOffset(): number | undefined {
    return this.snapshotOffsets[this.snapshotOffsets.length - 1];
  }

  oldestSnapshotOffset(): number | undefined {
    return this.snapshotOffsets[0];
  }

  /**
   * Writes the current state as `<nextOffset>.snapshot` (atomically: a crash leaves the previous
   * snapshots intact). The caller guarantees the state covers every batch below nextOffset.
   */
  async takeSnapshot(nextOffset: number): Promise<void> {
    const bytes = encodeSnapshot(this.producers.values());
    await atomicWriteFile(this.snapshotPath(nextOffset), bytes, this.io);
    if (!this.snapshotOffsets.includes(nextOffset)) {
      this.snapshotOffsets.push(nextOffset);
      this.snapshotOffsets.sort((a, b) => a - b);
    }
  }

  /**
   * Replaces the in-memory state with the newest intact snapshot at or below `offset` (corrupt ones
   * are deleted and the next older one tried; producers already expired by the clock are skipped).
   * Returns the offset from which the caller must replay batches through update() to bring the state
   * up to the log end: the snapshot's offset, or logStartOffset when there is no usable snapshot or
   * the snapshot lies below the log start.
   */
  async loadSnapshotUpTo(offset: number, logStartOffset = 0): Promise<number> {
    this.clearState();
    const candidates = this.snapshotOffsets.filter((o) => o <= offset).reverse();
    for (const snapOffset of candidates) {
      let entries: ProducerStateEntry[];
      try {
        entries = decodeSnapshot(await this.io.readFile(this.snapshotPath(snapOffset)));
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw storageFailure(`reading producer snapshot ${this.snapshotPath(snapOffset)}`, err);
        }
        await this.removeSnapshot(snapOffset);
        continue;
      }
      const now = this.clock.now();
      for (const e of entries) {
        if (this.isExpired(e, now)) continue;
        this.producers.set(e.producerId, e);
        if (e.currentTxnFirstOffset >= 0) this.ongoingTxns.set(e.currentTxnFirstOffset, { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset });
      }
      this.mapEnd = Math.max(snapOffset, logStartOffset);
      return this.mapEnd;
    }
    this.mapEnd = logStartOffset;
    return logStartOffset;
  }

  /**
   * The log was truncated to end at `offset`: snapshots above it are deleted and the state reloaded
   * from the newest snapshot at or below it. Returns the offset to replay from, as loadSnapshotUpTo.
   */
  async truncateTo(offset: number, logStartOffset = 0): Promise<number> {
    for (const o of this.snapshotOffsets.filter((s) => s > offset)) await this.removeSnapshot(o);
    return this.loadSnapshotUpTo(offset, logStartOffset);
  }

  /** The log was emptied and restarts at `offset`: every snapshot and all state go. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    for (const o of [...this.snapshotOffsets]) await this.removeSnapshot(o);
    this.clearState();
    this.mapEnd = offset;
  }

  /** Deletes snapshots below `offset` (their segments are gone). */
  async deleteSnapshotsBefore(offset: number): Promise<void> {
    for (const o of this.snapshotOffsets.filter((s) => s < offset)) await this.removeSnapshot(o);
  }

  private clearState(): void {
    this.producers = new Map();
    this.ongoingTxns = new Map();
    this.unreplicatedTxns = new Map();
  }

  private snapshotPath(offset: number): string {
    return join(this.partitionDir, snapshotFileName(offset));
  }

  private async removeSnapshot(offset: number): Promise<void> {
    this.snapshotOffsets = this.snapshotOffsets.filter((o) => o !== offset);
    try {
      await this.io.unlink(this.snapshotPath(offset));
    } catch (err) {
      throw storageFailure(`deleting producer snapshot ${this.snapshotPath(offset)}`, err);
    }
  }
}

function timestampOf(batchTimestamp: number, appendTimeMs: number | undefined): number {
  return batchTimestamp < 0 && appendTimeMs !== undefined ? appendTimeMs : batchTimestamp;
}

function minKey(m: Map<number, unknown>): number | undefined {
  let min: number | undefined;
  for (const k of m.keys()) if (min === undefined || k < min) min = k;
  return min;
}

/**
 * Reads the COMMIT/ABORT marker of a control batch; undefined for an empty control batch. A control
 * record that is not a transaction marker is refused when `strict` (client path, as Kafka's
 * EndTransactionMarker.deserialize) and ignored otherwise (replay must not fail on it).
 */
function readMarker(batch: RecordBatchView, strict: boolean): (TxnMarker & { timestamp: bigint }) | undefined {
  let marker: TxnMarker | null;
  let timestamp: bigint;
  try {
    const decoded = decodeRecordBatchSync(batch);
    const record = decoded.records[0];
    if (record === undefined) return undefined;
    marker = parseTxnMarker(record);
    timestamp = record.timestamp;
  } catch (err) {
    if (!strict) return undefined;
    throw new ProducerStateError('INVALID_RECORD', `unreadable control batch from producer ${batch.producerIdNum}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (marker === null) {
    if (!strict) return undefined;
    throw new ProducerStateError('INVALID_RECORD', `control batch from producer ${batch.producerIdNum} is not a transaction marker`);
  }
  return { ...marker, timestamp };
}
