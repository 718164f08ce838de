import type { RecordBatchView } from '@tributary/protocol';
import { isCompacted } from '../config/log-config.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { CleaningAbortedError } from '../log/log.js';
import type { LogSegment } from '../segment/log-segment.js';
import { buildOffsetMap, type MapSourceSegment } from './build-offset-map.js';
import { cleanBatch, type CleanBatchContext } from './clean-batch.js';
import type { CleanableLog } from './cleanable-log.js';
import { cleanableOffsets, measureLogToClean, segmentsInRange, type LogToClean } from './cleanable-offsets.js';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';
import { CleanerCheckpoints } from './cleaner-checkpoint.js';
import { CleanerStats } from './cleaner-stats.js';
import { groupSegmentsBySize } from './group-segments.js';
import { OffsetMap } from './offset-map.js';

export interface LogCleanerOptions {
  /**
   * Most distinct keys one round maps (Kafka sizes this with log.cleaner.dedupe.buffer.size); a
   * larger dirty section is cleaned over several rounds.
   */
  maxOffsetMapEntries?: number;
  /** Bytes of cleaned batches gathered before each write to the cleaned segment. */
  writeBufferBytes?: number;
  io?: FileIO;
  /** Called when cleaning one log fails; the other logs are still cleaned. Default: rethrow after the pass. */
  onError?: (log: CleanableLog, err: unknown) => void;
}

export interface CleanResult {
  topic: string;
  partition: number;
  /** Where this round's dirty section started. */
  firstDirtyOffset: number;
  /** The new checkpoint: everything below it is clean. */
  endOffset: number;
  stats: CleanerStats;
}

const DEFAULT_MAX_OFFSET_MAP_ENTRIES = 1_000_000;
const DEFAULT_WRITE_BUFFER_BYTES = 1024 * 1024;

/** replaceSegments refused the swap because retention or truncation changed the log meanwhile. */
function isCleaningAborted(err: unknown): boolean {
  return err instanceof CleaningAbortedError;
}

/**
 * Log compaction for cleanup.policy=compact (and compact,delete), as Kafka's LogCleaner: on each pass
 * every compacted log whose dirty ratio exceeds min.cleanable.dirty.ratio (or whose oldest dirty
 * record is older than max.compaction.lag.ms) is cleaned, dirtiest first. A round maps the latest
 * offset of every key in the dirty section, then rewrites every segment from the log start up to the
 * mapped end (never the active segment, nothing at or past the last stable offset, nothing newer than
 * min.compaction.lag.ms) into `.cleaned` segments and swaps them in through the log's crash-safe
 * replaceSegments. Records keep their offsets; tombstones use the KIP-534 delete horizon (see
 * cleanBatch). Progress is checkpointed in `cleaner-offset-checkpoint` of each log dir.
 *
 * Retention of compact,delete logs is the log manager's job, not the cleaner's.
 */
export class LogCleaner {
  readonly checkpoints: CleanerCheckpoints;
  private readonly maxEntries: number;
  private readonly writeBufferBytes: number;
  private readonly onError: ((log: CleanableLog, err: unknown) => void) | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: LogCleanerOptions = {}) {
    this.checkpoints = new CleanerCheckpoints(opts.io ?? nodeFileIO);
    this.maxEntries = opts.maxOffsetMapEntries ?? DEFAULT_MAX_OFFSET_MAP_ENTRIES;
    this.writeBufferBytes = opts.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES;
    this.onError = opts.onError;
  }

  /**
   * One pass over the given logs (the log manager's hook): cleans each eligible compacted log once.
   * Passes never overlap; a second call waits for the first.
   */
  cleanOnce(logs: readonly CleanableLog[], nowMs: number): Promise<CleanResult[]> {
    const run = this.running.catch(() => undefined).then(() => this.pass(logs, nowMs));
    this.running = run;
    return run;
  }

  private async pass(logs: readonly CleanableLog[], nowMs: number): Promise<CleanResult[]> {
    if (this.closed) return [];
    const candidates: LogToClean[] = [];
    const errors: unknown[] = [];
    for (const log of logs) {
      if (log.isOffline || log.isClosed || !isCompacted(log.config)) continue;
      try {
        const ltc = await this.measure(log, nowMs);
        if (ltc && this.isEligible(ltc)) candidates.push(ltc);
      } catch (err) {
        this.report(log, err, errors);
      }
    }
    candidates.sort((a, b) => b.cleanableRatio - a.cleanableRatio);
    const results: CleanResult[] = [];
    for (const ltc of candidates) {
      if (this.closed) break;
      try {
        const r = await this.clean(ltc, nowMs);
        if (r) results.push(r);
      } catch (err) {
        if (!isCleaningAborted(err)) this.report(ltc.log, err, errors);
      }
    }
    if (errors.length > 0) throw errors[0];
    return results;
  }

  private report(log: CleanableLog, err: unknown, errors: unknown[]): void {
    if (this.onError) this.onError(log, err);
    else errors.push(err);
  }

  private isEligible(ltc: LogToClean): boolean {
    if (ltc.totalBytes <= 0) return false;
    return (ltc.needCompactionNow && ltc.cleanableBytes > 0) || ltc.cleanableRatio > ltc.log.config.minCleanableDirtyRatio;
  }

  /** The dirty section and ratio of a log; resets an unusable checkpoint as Kafka does. */
  async measure(log: CleanableLog, nowMs: number): Promise<LogToClean | undefined> {
    if (log.segments().length === 0) return undefined;
    const offsets = await cleanableOffsets(log, await this.checkpoints.get(log), nowMs);
    if (offsets.forceUpdateCheckpoint) await this.checkpoints.set(log, offsets.firstDirtyOffset);
    return measureLogToClean(log, offsets, nowMs);
  }

  /**
   * Cleans one log now, whatever its dirty ratio (tests, admin tools). Returns undefined when there
   * is nothing cleanable.
   */
  async cleanLog(log: CleanableLog, nowMs: number): Promise<CleanResult | undefined> {
    const ltc = await this.measure(log, nowMs);
    if (!ltc || ltc.cleanableBytes === 0) return undefined;
    return this.clean(ltc, nowMs);
  }

  private async clean(ltc: LogToClean, nowMs: number): Promise<CleanResult | undefined> {
    const { log, firstDirtyOffset } = ltc;
    const upperBound = ltc.firstUncleanableOffset;
    if (upperBound <= firstDirtyOffset) return undefined;
    const stats = new CleanerStats();

    // 1. Map the dirty section.
    const map = new OffsetMap(this.maxEntries);
    const all = log.segments();
    const fromDirty = segmentsInRange(all, firstDirtyOffset, Number.MAX_SAFE_INTEGER);
    await buildOffsetMap(fromDirty.map(mapSource), firstDirtyOffset, upperBound, map, stats);
    const endOffset = Math.max(map.latestOffset + 1, firstDirtyOffset);

    // 2. Rewrite every segment below the mapped end, group by group.
    const toClean = segmentsInRange(all, 0, endOffset).filter((s) => s !== all[all.length - 1]);
    for (const s of toClean) await s.ensureIndexes();
    const groups = groupSegmentsBySize(toClean, log.config.segmentBytes, log.config.segmentIndexBytes, upperBound);
    const ctx: CleanBatchContext = {
      map,
      nowMs,
      deleteRetentionMs: log.config.deleteRetentionMs,
      // Filled from the transaction index segment by segment (cleanSegments), as Kafka does.
      txn: new CleanedTransactionMetadata(),
      lastRecords: log.producerState?.lastRecordsOfActiveProducers() ?? new Map(),
      upperBoundOffset: upperBound,
      stats,
    };
    for (const group of groups) {
      if (this.closed) return undefined;
      await this.cleanSegments(log, group, ctx);
    }

    // 3. Everything below endOffset is clean now (unless a truncation cut the log meanwhile).
    await this.checkpoints.set(log, Math.min(endOffset, log.logEndOffset));
    return { topic: log.topicPartition.topic, partition: log.topicPartition.partition, firstDirtyOffset, endOffset, stats };
  }

  /**
   * Cleans a group of segments into one `.cleaned` segment and swaps it in. Each segment's aborted
   * transactions are looked up over its whole range before it is read (Kafka: the cleaned segment's
   * transaction index is rebuilt from them), and the entries of the ABORT markers kept go into the
   * cleaned segment's index.
   */
  private async cleanSegments(log: CleanableLog, group: readonly LogSegment[], ctx: CleanBatchContext): Promise<void> {
    const cleaned = await log.createCleanedSegment(group[0]!.baseOffset);
    ctx.txn.takeRetainedAbortedTxns();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await cleaned.append(bytes, log.config.indexIntervalBytes);
    };
    try {
      for (let i = 0; i < group.length; i++) {
        const segment = group[i]!;
        const next = group[i + 1];
        const upper = next !== undefined ? next.baseOffset : await segment.readNextOffset();
        ctx.txn.addAbortedTransactions(log.collectAbortedTransactions(segment.baseOffset, upper));
        for await (const batch of segment.batches()) {
          const out = await cleanBatch(batch, ctx);
          if (out === undefined) continue;
          // Views into the segment's read chunks stay valid (chunks are never reused).
          pending.push(out);
          pendingBytes += out.length;
          if (pendingBytes >= this.writeBufferBytes) await flush();
        }
      }
      await flush();
      for (const txn of ctx.txn.takeRetainedAbortedTxns()) await cleaned.appendAbortedTxn(txn);
    } catch (err) {
      await cleaned.deleteFiles().catch(() => undefined);
      throw err;
    }
    // replaceSegments deletes `cleaned` itself when it refuses the swap.
    await log.replaceSegments(cleaned, group);
  }

  /** Kafka's maybeTruncateCheckpoint: call when a log is truncated to `offset`. */
  async onLogTruncated(log: CleanableLog, offset: number): Promise<void> {
    await this.checkpoints.truncateTo(log, offset);
  }

  /** Forgets a deleted log's checkpoint entry. */
  async onLogDeleted(log: CleanableLog): Promise<void> {
    await this.checkpoints.remove(log);
  }

  /** Stops after the current group; waits for the running pass. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running.catch(() => undefined);
  }
}

/** Adapts a segment to the offset-map pass: batches from the one holding `fromOffset`. */
function mapSource(segment: LogSegment): MapSourceSegment {
  return {
    baseOffset: segment.baseOffset,
    async *batchesFrom(fromOffset: number): AsyncIterable<RecordBatchView> {
      let position = 0;
      if (fromOffset > segment.baseOffset) {
        const hit = await segment.translateOffset(fromOffset);
        if (hit === undefined) return;
        position = hit.position;
      }
      yield* segment.batches(position);
    },
  };
}
