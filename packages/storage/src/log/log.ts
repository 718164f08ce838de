import { basename } from 'node:path';
import type { RecordBatchView } from '@tributary/protocol';
import { systemClock, type Clock } from '../clock.js';
import { isDeleteEnabled, type LogConfig } from '../config/log-config.js';
import { LeaderEpochCache } from '../epoch/leader-epoch-cache.js';
import { isFsError, storageFailure, StorageError } from '../errors.js';
import type { AbortedTxn } from '../index/transaction-index.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { ProducerStateManager, type CheckResult, type CompletedTxn } from '../producer-state/producer-state-manager.js';
import { Scheduler } from '../scheduler.js';
import { LogSegment, SegmentClosedError, type TimestampAndOffset } from '../segment/log-segment.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, parsePartitionDirName, SWAP_SUFFIX, type TopicPartition } from '../util/file-names.js';
import { Mutex } from '../util/mutex.js';
import { analyzeAppend, checkCrcs, type AppendAnalysis } from './append-analysis.js';
import { appendedResult, assignOffsets, duplicateAppendResult, emptyAppendResult, producerShape } from './append-helpers.js';
import {
  CleaningAbortedError,
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  UnexpectedAppendOffsetError,
  type AppendOptions,
  type AppendResult,
  type LogOptions,
  type LogReadResult,
  type ReadOptions,
} from './log-types.js';
import { offsetForTimestamp, offsetOfMaxTimestamp } from './offset-by-timestamp.js';
import { replayProducerState } from './producer-state-replay.js';
import { loadSegments, type LoadResult, type RecoveredSegment } from './log-loader.js';
import { LogSegments } from './log-segments.js';
import {
  deletableSegments,
  logStartOffsetBreached,
  retentionMsBreached,
  retentionSizeBreached,
  type DeletionPredicate,
} from './retention.js';

// The Log's option/result types and errors live in log-types.ts; they are part of this module's API.
export * from './log-types.js';

const EMPTY = Buffer.alloc(0);

/**
 * From this size on, an append's CRCs are checked while its bytes are being written (thread pool
 * write on one core, CRC-32C on the other). Below it a synchronous write is cheaper than the
 * thread-pool round trip, so the CRC is checked first.
 */
const OVERLAP_CRC_MIN_BYTES = 256 * 1024;

/**
 * One partition's log (Kafka's UnifiedLog + LocalLog): an ordered list of segments, the last one
 * active. Appends validate batch headers and CRCs, assign offsets by patching the batches in place
 * and write them with one positional write; reads return whole stored batches; retention, roll,
 * truncation and flush follow Kafka's rules. Mutations are serialised by a per-log mutex; reads are
 * not, and see a consistent snapshot (the size a segment had when the read started).
 *
 * Any I/O failure takes the log offline: the failing call and every later one throw
 * StorageError('KAFKA_STORAGE_ERROR'); reopening the directory recovers it.
 */
export class Log {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly io: FileIO;
  readonly clock: Clock;
  private cfg: LogConfig;
  private readonly scheduler: Scheduler;
  private readonly segs = new LogSegments();
  private nextOffset = 0;
  private logStart = 0;
  private recoveryPt = 0;
  private hw = 0;
  private readonly externalHw: boolean;
  private lastFlushMs: number;
  private dirDirty = false;
  private truncations = 0;
  private readonly lock = new Mutex();
  private readonly flushLock = new Mutex();
  private readonly background = new Set<Promise<unknown>>();
  private readonly pendingDeletes = new Set<LogSegment>();
  private readonly rollJitter = new WeakMap<LogSegment, number>();
  private offlineError: StorageError | undefined;
  private closed = false;
  private readonly verifyCrc: boolean;
  private readonly onOffline: LogOptions['onOffline'];
  private readonly onLogStartChanged: LogOptions['onLogStartOffsetChanged'];
  private readonly onTruncated: LogOptions['onTruncated'];
  /** Idempotence / transaction state. */
  readonly producerState: ProducerStateManager;
  /** Leader epoch → start offset. */
  readonly leaderEpochCache: LeaderEpochCache;
  /** What loading found (segments recovered, swaps completed); for tests and operators. */
  loadReport: Omit<LoadResult, 'segments'> | undefined;

  private constructor(opts: LogOptions, io: FileIO, clock: Clock, psm: ProducerStateManager, epochs: LeaderEpochCache) {
    this.dir = opts.dir;
    this.topicPartition = opts.topicPartition ?? parsePartitionDirName(basename(opts.dir)) ?? { topic: basename(opts.dir), partition: 0 };
    this.io = io;
    this.clock = clock;
    this.cfg = opts.config;
    this.scheduler = opts.scheduler ?? new Scheduler(clock);
    this.externalHw = opts.externalHighWatermark ?? false;
    this.verifyCrc = opts.verifyCrcOnRead ?? false;
    this.onOffline = opts.onOffline;
    this.onLogStartChanged = opts.onLogStartOffsetChanged;
    this.onTruncated = opts.onTruncated;
    this.producerState = psm;
    this.leaderEpochCache = epochs;
    this.lastFlushMs = clock.now();
  }

  /** Opens (creating if needed) the partition directory, recovering it after an unclean shutdown. */
  static async open(opts: LogOptions): Promise<Log> {
    const io = opts.io ?? nodeFileIO;
    const clock = opts.clock ?? systemClock;
    try {
      const loaded = await loadSegments({
        io,
        dir: opts.dir,
        config: opts.config,
        now: clock.now(),
        recoveryPoint: opts.recoveryPoint ?? 0,
        hadCleanShutdown: opts.hadCleanShutdown ?? false,
        logStartOffset: opts.logStartOffset ?? 0,
      });
      const psm = await ProducerStateManager.open(opts.dir, {
        clock,
        io,
        ...(opts.producerIdExpirationMs !== undefined ? { producerIdExpirationMs: opts.producerIdExpirationMs } : {}),
      });
      const epochs = await LeaderEpochCache.open(opts.dir, io);
      const log = new Log(opts, io, clock, psm, epochs);
      await log.initialize(loaded, opts);
      return log;
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw storageFailure(`opening log ${opts.dir}`, err);
    }
  }

  private async initialize(loaded: LoadResult, opts: LogOptions): Promise<void> {
    const { segments, ...report } = loaded;
    this.loadReport = report;
    for (const seg of segments) this.segs.add(seg);
    const checkpointStart = opts.logStartOffset ?? 0;
    if (this.segs.isEmpty) {
      this.segs.add(await this.newSegment(checkpointStart));
    }
    const active = this.segs.last()!;
    await active.ensureIndexes();
    this.rollJitter.set(active, this.randomJitter());
    this.nextOffset = await active.readNextOffset();
    this.logStart = Math.max(checkpointStart, this.segs.first()!.baseOffset);
    if (this.logStart > this.nextOffset) {
      // Data past the checkpointed start was lost (a crash cut the tail): restart empty there rather
      // than hand out offsets below the log start again.
      await this.truncateFullyAndStartAtLocked(this.logStart);
    }
    this.hw = this.nextOffset;
    // Recovered segments were rewritten (truncated tails, rebuilt indexes): make that durable so the
    // whole log is below the recovery point.
    if (report.recovered.length > 0) {
      for (const seg of this.segs.all()) if (report.recovered.some((r) => r.baseOffset === seg.baseOffset)) await seg.flush();
      await this.io.syncDir(this.dir);
    }
    this.recoveryPt = this.nextOffset;

    for (const [epoch, offset] of report.epochStarts) {
      const latest = this.leaderEpochCache.latestEpoch();
      if (latest === undefined || epoch > latest) await this.leaderEpochCache.assign(epoch, offset);
    }
    await this.leaderEpochCache.truncateFromEnd(this.nextOffset);
    await this.leaderEpochCache.truncateFromStart(this.logStart);

    await this.rebuildProducerState(!(opts.hadCleanShutdown ?? false), report.recovered);
  }

  // ------------------------------------------------------------------ state

  get config(): LogConfig {
    return this.cfg;
  }

  /** Applies a new topic config (roll, retention, flush and validation use it from now on). */
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }

  get logStartOffset(): number {
    return this.logStart;
  }

  get logEndOffset(): number {
    return this.nextOffset;
  }

  get recoveryPoint(): number {
    return this.recoveryPt;
  }

  get highWatermark(): number {
    return this.externalHw ? this.hw : this.nextOffset;
  }

  /** Sets the high watermark (clamped to [logStartOffset, logEndOffset]) of a replicated log. */
  updateHighWatermark(offset: number): number {
    this.hw = Math.min(Math.max(offset, this.logStart), this.nextOffset);
    this.producerState.onHighWatermarkUpdated(this.highWatermark);
    return this.hw;
  }

  /**
   * The last stable offset: the high watermark, or the first offset of the earliest transaction not
   * yet decided and replicated if that is lower (read_committed fetches stop there).
   */
  get lastStableOffset(): number {
    return this.producerState.lastStableOffsetCandidate(this.highWatermark);
  }

  /** Clock time of the last completed flush. */
  get lastFlushTime(): number {
    return this.lastFlushMs;
  }

  get activeSegment(): LogSegment {
    return this.segs.last()!;
  }

  /** The live segments in base-offset order (a snapshot; the last one is the active segment). */
  segments(): readonly LogSegment[] {
    return this.segs.all();
  }

  /** Total bytes of the log's .log files. */
  get size(): number {
    return this.segs.sizeInBytes();
  }

  get isOffline(): boolean {
    return this.offlineError !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The error that took the log offline, if any. */
  get offlineCause(): StorageError | undefined {
    return this.offlineError;
  }

  private ensureUsable(): void {
    if (this.closed) {
      throw new StorageError('UNKNOWN_TOPIC_OR_PARTITION', `log ${this.name} is closed`);
    }
    if (this.offlineError) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.name} is offline after an I/O error: ${this.offlineError.message}`, {
        cause: this.offlineError,
      });
    }
  }

  private get name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`;
  }

  /**
   * Turns a failure into the error to throw. Disk errors (errno codes, KAFKA_STORAGE_ERROR) take the
   * log offline; anything else (bad input, corrupt data found on read) passes through unchanged.
   */
  private failure(what: string, err: unknown): unknown {
    if (err instanceof StorageError && err.code !== 'KAFKA_STORAGE_ERROR') return err;
    if (!(err instanceof StorageError) && !isFsError(err)) return err;
    const e = storageFailure(`${what} on ${this.name}`, err);
    if (!this.offlineError) {
      this.offlineError = e;
      this.onOffline?.(this, e);
    }
    return e;
  }

  /** Marks the log offline from outside (its log dir failed). */
  markOffline(error: StorageError): void {
    if (!this.offlineError) {
      this.offlineError = error;
      this.onOffline?.(this, error);
    }
  }

  private inBackground(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private randomJitter(): number {
    const jitter = this.cfg.segmentJitterMs;
    return jitter <= 0 ? 0 : Math.floor(Math.random() * Math.min(jitter, this.cfg.segmentMs));
  }

  private async newSegment(baseOffset: number, suffix = ''): Promise<LogSegment> {
    const seg = await LogSegment.create({
      io: this.io,
      dir: this.dir,
      baseOffset,
      maxIndexSize: this.cfg.segmentIndexBytes,
      suffix,
      now: this.clock.now(),
    });
    seg.indexIntervalForRebuild = this.cfg.indexIntervalBytes;
    this.dirDirty = true;
    return seg;
  }

  // ------------------------------------------------------------------ append

  /**
   * Appends the batches of a Produce request's records field as one unit. Takes ownership of
   * `records`: offsets (and LogAppendTime, leader epoch) are patched into it in place and its bytes
   * are written unchanged otherwise.
   */
  async append(records: Buffer, opts?: AppendOptions): Promise<AppendResult> {
    this.ensureUsable();
    const origin = opts?.origin ?? 'client';
    if (origin === 'replication') return this.appendAsFollower(records);
    const leaderEpoch = opts?.leaderEpoch;
    // Large appends check CRCs while their write is in flight (see appendLocked); LogAppendTime
    // rewrites the CRC, so the old one must be checked before stamping.
    const overlapCrc = records.length >= OVERLAP_CRC_MIN_BYTES && this.cfg.messageTimestampType === 'CreateTime';
    const now = this.clock.now();
    const analysis = analyzeAppend(records, this.cfg, origin, now, !overlapCrc);
    if (analysis.views.length === 0) return emptyAppendResult(this.logStart);
    if (!overlapCrc) {
      // The fast path runs in this same synchronous step, so the time read for the analysis serves it too.
      const fast = this.appendFast(records, analysis, leaderEpoch, now, opts?.beforeWrite);
      if (fast !== undefined) return fast;
    }
    return this.lock.run(() => this.appendLocked(records, analysis, leaderEpoch, overlapCrc, opts?.beforeWrite));
  }

  /** Whether recording these batches would change the leader-epoch cache (an async checkpoint write). */
  private needsEpochUpdate(views: readonly RecordBatchView[], leaderEpoch: number | undefined): boolean {
    if (leaderEpoch !== undefined) return leaderEpoch >= 0 && leaderEpoch > (this.leaderEpochCache.latestEpoch() ?? -1);
    let max = -1;
    for (const v of views) {
      const epoch = v.partitionLeaderEpoch;
      if (epoch > max) max = epoch;
    }
    // Cached epochs are >= 0, so batches without one (-1) never change the cache: skip the look-up.
    return max >= 0 && max > (this.leaderEpochCache.latestEpoch() ?? -1);
  }

  /** Checks batches of distinct producers against the current state; a retry returns the original offsets. */
  private checkProducers(views: readonly RecordBatchView[], analysis: AppendAnalysis): AppendResult | undefined {
    for (const v of views) {
      if (v.producerIdNum < 0) continue;
      const r = this.producerState.check(v, analysis.origin);
      if (r.duplicate) return duplicateAppendResult(r, analysis, this.logStart);
    }
    return undefined;
  }

  /**
   * The common small append, done synchronously when nothing else holds the log: no roll, no new
   * leader epoch, no producer seen twice. One synchronous positional write; measured, this halves
   * the per-append cost of 16 KiB batches against the queued path. Undefined when not applicable
   * (checked before anything is changed), so the caller takes the queued path.
   */
  private appendFast(
    records: Buffer,
    analysis: AppendAnalysis,
    leaderEpoch: number | undefined,
    now: number,
    beforeWrite: (() => void) | undefined,
  ): Promise<AppendResult> | AppendResult | undefined {
    const active = this.segs.last()!;
    if (!this.lock.idle || !this.io.writeSync || !active.indexesLoaded) return undefined;
    const views = analysis.views;
    const shape = producerShape(views);
    if (shape === 'repeated' || this.needsEpochUpdate(views, leaderEpoch)) return undefined;
    const cfg = this.cfg;
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    const maxTimestamp = logAppendTime ? now : analysis.maxTimestamp;
    const firstOffset = this.nextOffset;
    const roll = active.shouldRoll({
      maxSegmentBytes: cfg.segmentBytes,
      maxSegmentMs: cfg.segmentMs,
      rollJitterMs: this.rollJitter.get(active) ?? 0,
      messagesSize: records.length,
      maxTimestampInMessages: maxTimestamp,
      maxOffsetInMessages: firstOffset + analysis.offsetCount - 1,
      now,
    });
    if (roll) return undefined;
    if (shape === 'distinct') {
      const dup = this.checkProducers(views, analysis);
      if (dup) return dup;
    }
    // Same synchronous step as the write below: nothing else can append to this log in between.
    beforeWrite?.();
    const next = assignOffsets(views, firstOffset, leaderEpoch, logAppendTime ? now : undefined);
    const start = active.size;
    try {
      active.appendSync(records, cfg.indexIntervalBytes);
    } catch (err) {
      const failure = this.failure('append', err);
      // Cut back whatever part of the batch reached the file; the log is offline either way.
      return active.truncateBack(start).then(
        () => Promise.reject(failure),
        () => Promise.reject(failure),
      );
    }
    this.nextOffset = next;
    let txnWrites: Promise<void>[] | undefined;
    if (shape === 'distinct') {
      for (const v of views) {
        if (v.producerIdNum < 0) continue;
        const completed = this.producerState.update(v, now);
        if (completed?.isAborted) (txnWrites ??= []).push(active.appendAbortedTxn(this.abortedTxnEntry(completed)));
      }
    }
    this.producerState.updateMapEndOffset(next);
    const result = appendedResult(analysis, firstOffset, next, logAppendTime ? now : -1, maxTimestamp, records.length, this.logStart);
    if (txnWrites) return this.awaitTxnIndexWrites(txnWrites).then(() => this.maybeFlushByCount()).then(() => result);
    if (this.nextOffset - this.recoveryPt >= cfg.flushMessages) return this.flush().then(() => result);
    return result;
  }

  private async appendLocked(
    records: Buffer,
    analysis: AppendAnalysis,
    leaderEpoch: number | undefined,
    overlapCrc: boolean,
    beforeWrite: (() => void) | undefined,
  ): Promise<AppendResult> {
    this.ensureUsable();
    const cfg = this.cfg;
    const views = analysis.views;
    const psm = this.producerState;

    // Idempotence checks before anything is written. Batches of distinct producers are checked
    // against the current state; several batches of one producer in one append need each one
    // recorded before the next is checked, and a failure then requires rebuilding the state.
    const shape = producerShape(views);
    if (shape === 'repeated' && overlapCrc) checkCrcs(views);
    const verifyWhileWriting = overlapCrc && shape !== 'repeated';
    if (shape === 'distinct') {
      const dup = this.checkProducers(views, analysis);
      if (dup) return dup;
    }
    // Under the log's lock: no other append (a transaction marker included) lands before this one.
    beforeWrite?.();

    const now = this.clock.now();
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    const firstOffset = this.nextOffset;
    const next = assignOffsets(views, firstOffset, leaderEpoch, logAppendTime ? now : undefined);

    // Aborted transactions of a 'repeated' append: recorded in producer state before the write, so
    // their last stable offsets are taken then and the entries added once the marker is in a segment.
    let abortedBeforeWrite: AbortedTxn[] | undefined;
    if (shape === 'repeated') {
      let recorded = false;
      for (const v of views) {
        if (v.producerIdNum < 0) continue;
        let r: CheckResult;
        try {
          r = psm.check(v, analysis.origin);
        } catch (err) {
          if (recorded) await this.rebuildProducerStateLocked();
          throw err;
        }
        if (r.duplicate) {
          if (recorded) await this.rebuildProducerStateLocked();
          return duplicateAppendResult(r, analysis, this.logStart);
        }
        const completed = psm.update(v, now);
        if (completed?.isAborted) (abortedBeforeWrite ??= []).push(this.abortedTxnEntry(completed));
        recorded = true;
      }
    }

    const maxTimestamp = logAppendTime ? now : analysis.maxTimestamp;
    let segment: LogSegment;
    try {
      segment = await this.maybeRoll(records.length, maxTimestamp, next - 1, firstOffset, now);
      await segment.append(records, cfg.indexIntervalBytes, verifyWhileWriting ? () => checkCrcs(views) : undefined);
    } catch (err) {
      throw this.failure('append', err);
    }
    this.nextOffset = next;

    let txnWrites: Promise<void>[] | undefined;
    if (abortedBeforeWrite) txnWrites = abortedBeforeWrite.map((txn) => segment.appendAbortedTxn(txn));
    if (shape === 'distinct') {
      for (const v of views) {
        if (v.producerIdNum < 0) continue;
        const completed = psm.update(v, now);
        if (completed?.isAborted) (txnWrites ??= []).push(segment.appendAbortedTxn(this.abortedTxnEntry(completed)));
      }
    }
    psm.updateMapEndOffset(next);
    if (txnWrites) await this.awaitTxnIndexWrites(txnWrites);
    await this.recordEpochs(views, leaderEpoch, firstOffset);
    await this.maybeFlushByCount();
    return appendedResult(analysis, firstOffset, next, logAppendTime ? now : -1, maxTimestamp, records.length, this.logStart);
  }

  /**
   * Appends batches replicated from the leader: offsets are kept, must increase and start at or
   * after the log end; producer state and leader epochs are recorded without validation.
   */
  async appendAsFollower(records: Buffer): Promise<AppendResult> {
    this.ensureUsable();
    const analysis = analyzeAppend(records, this.cfg, 'replication', this.clock.now());
    if (analysis.views.length === 0) return emptyAppendResult(this.logStart);
    if (!analysis.monotonic) {
      throw new StorageError('UNKNOWN_SERVER_ERROR', `Out of order offsets found in append to ${this.name}`);
    }
    return this.lock.run(async () => {
      this.ensureUsable();
      if (analysis.firstOffset < this.nextOffset) {
        throw new UnexpectedAppendOffsetError(
          `Unexpected offset in append to ${this.name}. First offset ${analysis.firstOffset} is less than the next offset ${this.nextOffset}`,
          analysis.firstOffset,
          analysis.lastOffset,
        );
      }
      const now = this.clock.now();
      let segment: LogSegment;
      try {
        segment = await this.maybeRoll(records.length, analysis.maxTimestamp, analysis.lastOffset, analysis.firstOffset, now);
        await segment.append(records, this.cfg.indexIntervalBytes);
      } catch (err) {
        throw this.failure('append', err);
      }
      this.nextOffset = analysis.lastOffset + 1;
      let txnWrites: Promise<void>[] | undefined;
      for (const v of analysis.views) {
        if (v.producerIdNum < 0) continue;
        const completed = this.producerState.update(v, now);
        if (completed?.isAborted) (txnWrites ??= []).push(segment.appendAbortedTxn(this.abortedTxnEntry(completed)));
      }
      this.producerState.updateMapEndOffset(this.nextOffset);
      if (txnWrites) await this.awaitTxnIndexWrites(txnWrites);
      await this.recordEpochs(analysis.views, undefined, analysis.firstOffset);
      await this.maybeFlushByCount();
      return appendedResult(analysis, analysis.firstOffset, this.nextOffset, -1, analysis.maxTimestamp, records.length, this.logStart);
    });
  }

  /**
   * The transaction-index entry of a transaction an ABORT marker just completed, with Kafka's last
   * stable offset (ProducerStateManager.lastStableOffset). Call right after the update() that
   * completed it; the caller adds the entry to the segment holding the marker in the same synchronous
   * step that moves the log end past the marker, so no read_committed fetch sees the last stable
   * offset pass the aborted data before the entry is there.
   */
  private abortedTxnEntry(txn: CompletedTxn): AbortedTxn {
    return { producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: this.producerState.lastStableOffset(txn) };
  }

  private async awaitTxnIndexWrites(writes: readonly Promise<void>[]): Promise<void> {
    try {
      await Promise.all(writes);
    } catch (err) {
      throw this.failure('writing the transaction index', err);
    }
  }

  /** Kafka's maybeAssignEpochStartOffset for each appended batch carrying a newer epoch. */
  private async recordEpochs(views: readonly RecordBatchView[], leaderEpoch: number | undefined, firstOffset: number): Promise<void> {
    try {
      if (leaderEpoch !== undefined) {
        if (leaderEpoch >= 0 && leaderEpoch > (this.leaderEpochCache.latestEpoch() ?? -1)) await this.leaderEpochCache.assign(leaderEpoch, firstOffset);
        return;
      }
      for (const v of views) {
        const epoch = v.partitionLeaderEpoch;
        if (epoch >= 0 && epoch > (this.leaderEpochCache.latestEpoch() ?? -1)) await this.leaderEpochCache.assign(epoch, v.baseOffsetNum);
      }
    } catch (err) {
      throw this.failure('writing the leader-epoch checkpoint', err);
    }
  }

  private async maybeFlushByCount(): Promise<void> {
    if (this.nextOffset - this.recoveryPt >= this.cfg.flushMessages) await this.flush();
  }

  private async maybeRoll(messagesSize: number, maxTimestamp: number, lastOffset: number, firstOffset: number, now: number): Promise<LogSegment> {
    const active = this.activeSegment;
    if (!active.indexesLoaded) await active.ensureIndexes();
    const roll = active.shouldRoll({
      maxSegmentBytes: this.cfg.segmentBytes,
      maxSegmentMs: this.cfg.segmentMs,
      rollJitterMs: this.rollJitter.get(active) ?? 0,
      messagesSize,
      maxTimestampInMessages: maxTimestamp,
      maxOffsetInMessages: lastOffset,
      now,
    });
    return roll ? this.rollLocked(firstOffset) : active;
  }

  /** Starts a new active segment at the log end offset (Kafka's roll). */
  async roll(): Promise<LogSegment> {
    this.ensureUsable();
    return this.lock.run(async () => {
      this.ensureUsable();
      try {
        return await this.rollLocked(this.nextOffset);
      } catch (err) {
        throw this.failure('roll', err);
      }
    });
  }

  private async rollLocked(expectedNextOffset: number): Promise<LogSegment> {
    const newOffset = Math.max(expectedNextOffset, this.nextOffset);
    const active = this.activeSegment;
    if (active.baseOffset === newOffset && active.size === 0) return active;
    await active.onBecomeInactive();
    const seg = await this.newSegment(newOffset);
    this.segs.add(seg);
    this.rollJitter.set(seg, this.randomJitter());
    this.producerState.updateMapEndOffset(newOffset);
    await this.producerState.takeSnapshot(newOffset);
    // Kafka flushes the finished segments in the background after a roll.
    this.inBackground(this.flush(newOffset).catch(() => undefined));
    return seg;
  }

  // ------------------------------------------------------------------ read

  /**
   * Reads whole batches from fromOffset (starting with the batch that holds it) up to maxBytes,
   * at least one batch when minOneBatch (default), never a batch reaching upperBoundOffset.
   * fromOffset outside [logStartOffset, logEndOffset] → OFFSET_OUT_OF_RANGE.
   */
  async read(fromOffset: number, maxBytes: number, opts: ReadOptions = {}): Promise<LogReadResult> {
    this.ensureUsable();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.readOnce(fromOffset, maxBytes, opts);
      } catch (err) {
        // A segment replaced or deleted under the read: retry on the current segment list.
        if (err instanceof SegmentClosedError && attempt < 3) continue;
        throw this.failure('read', err);
      }
    }
  }

  private async readOnce(fromOffset: number, maxBytes: number, opts: ReadOptions): Promise<LogReadResult> {
    const leo = this.nextOffset;
    const start = this.logStart;
    if (!Number.isSafeInteger(fromOffset) || fromOffset < start || fromOffset > leo) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Received request for offset ${fromOffset} for partition ${this.name}, but we only have log segments in the range ${start} to ${leo}.`,
      );
    }
    const bound = Math.min(opts.upperBoundOffset ?? leo, leo);
    const result: LogReadResult = {
      records: EMPTY,
      firstOffset: -1,
      lastOffset: -1,
      nextOffset: fromOffset,
      batchCount: 0,
      logStartOffset: start,
      logEndOffset: leo,
      highWatermark: this.highWatermark,
      segmentBaseOffset: -1,
      position: -1,
    };
    if (fromOffset >= bound) return result;
    const segments = this.segs.all();
    for (let i = Math.max(0, LogSegments.floorIndex(segments, fromOffset)); i < segments.length; i++) {
      const seg = segments[i]!;
      const r = await seg.read(fromOffset, Number.isFinite(maxBytes) ? Math.max(0, Math.floor(maxBytes)) : 0, bound, opts.minOneBatch ?? true, this.verifyCrc, opts.into);
      if (r) {
        if (r.batchCount === 0) return result;
        return {
          ...result,
          records: r.records,
          firstOffset: r.firstOffset,
          lastOffset: r.lastOffset,
          nextOffset: r.lastOffset + 1,
          batchCount: r.batchCount,
          segmentBaseOffset: seg.baseOffset,
          position: r.position,
        };
      }
    }
    return result;
  }

  /**
   * The aborted transactions a read_committed fetch of [startOffset, upperBoundOffset) must report
   * (Kafka's collectAbortedTransactions): every one whose ABORT marker is at or after startOffset and
   * whose first offset is below upperBoundOffset, in marker order. Searches the transaction indexes
   * from the segment holding startOffset on, stopping at the first entry whose last stable offset
   * reaches upperBoundOffset (nothing later can overlap the range). Synchronous: the entries are in
   * memory. Empty when startOffset is below the first segment.
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    this.ensureUsable();
    const segments = this.segs.all();
    const out: AbortedTxn[] = [];
    const first = LogSegments.floorIndex(segments, startOffset);
    if (first < 0) return out;
    for (let i = first; i < segments.length; i++) {
      const r = segments[i]!.collectAbortedTxns(startOffset, upperBoundOffset);
      for (const txn of r.abortedTransactions) out.push(txn);
      if (r.isComplete) break;
    }
    return out;
  }

  /**
   * ListOffsets: EARLIEST (-2) / EARLIEST_LOCAL (-4) → log start; LATEST (-1) → log end;
   * MAX_TIMESTAMP (-3) → the record with the largest timestamp; otherwise the first record at or after
   * the log start whose timestamp is >= the target. Undefined when no record qualifies.
   */
  async fetchOffsetByTimestamp(timestamp: number): Promise<TimestampAndOffset | undefined> {
    this.ensureUsable();
    try {
      if (timestamp === EARLIEST_TIMESTAMP || timestamp === EARLIEST_LOCAL_TIMESTAMP) {
        return { timestamp: -1, offset: this.logStart, leaderEpoch: this.leaderEpochCache.epochForOffset(this.logStart) ?? -1 };
      }
      if (timestamp === LATEST_TIMESTAMP) {
        return { timestamp: -1, offset: this.nextOffset, leaderEpoch: this.leaderEpochCache.latestEpoch() ?? -1 };
      }
      if (timestamp === MAX_TIMESTAMP) return await offsetOfMaxTimestamp(this.segs.all());
      if (timestamp < 0) throw new StorageError('INVALID_REQUEST', `unsupported ListOffsets timestamp ${timestamp}`);
      return await offsetForTimestamp(this.segs.all(), timestamp, this.logStart);
    } catch (err) {
      throw this.failure('offset look-up by timestamp', err);
    }
  }

  // ------------------------------------------------------------------ flush

  /**
   * fsyncs every segment holding offsets in [recoveryPoint, upTo) (default: the log end) and moves
   * the recovery point there (Kafka's flush). Serialised with other flushes, not with appends.
   */
  async flush(upTo?: number): Promise<void> {
    this.ensureUsable();
    await this.flushLock.run(async () => {
      const target = Math.min(upTo ?? this.nextOffset, this.nextOffset);
      const truncations = this.truncations;
      if (target <= this.recoveryPt && !this.dirDirty) return;
      try {
        for (const seg of this.segs.range(this.recoveryPt, target)) {
          if (seg.isClosed) continue;
          try {
            await seg.flush();
          } catch (err) {
            if (!(err instanceof SegmentClosedError)) throw err;
          }
        }
        if (this.dirDirty) {
          this.dirDirty = false;
          await this.io.syncDir(this.dir);
        }
      } catch (err) {
        throw this.failure('flush', err);
      }
      if (this.truncations === truncations && target > this.recoveryPt) this.recoveryPt = target;
      this.lastFlushMs = this.clock.now();
    });
  }

  // ------------------------------------------------------------------ retention and log start

  /**
   * Kafka's deleteOldSegments: with cleanup.policy delete, segments past retention.ms or beyond
   * retention.bytes; always, segments wholly below the log start offset. Returns how many went.
   */
  async deleteOldSegments(): Promise<number> {
    this.ensureUsable();
    return this.lock.run(async () => {
      this.ensureUsable();
      let deleted = 0;
      try {
        if (isDeleteEnabled(this.cfg)) {
          const byTime = retentionMsBreached(this.cfg.retentionMs, this.clock.now());
          if (byTime) deleted += await this.deleteSegmentsLocked(byTime);
          const bySize = retentionSizeBreached(this.cfg.retentionBytes, this.size);
          if (bySize) deleted += await this.deleteSegmentsLocked(bySize);
        }
        deleted += await this.deleteSegmentsLocked(logStartOffsetBreached(this.logStart));
      } catch (err) {
        throw this.failure('deleting old segments', err);
      }
      return deleted;
    });
  }

  private async deleteSegmentsLocked(predicate: DeletionPredicate): Promise<number> {
    const all = this.segs.all();
    const doomed = await deletableSegments(all, this.nextOffset, this.highWatermark, predicate);
    if (doomed.length === 0) return 0;
    // Kafka keeps an active segment: deleting every segment first rolls a fresh, empty one.
    if (doomed.length === all.length) await this.rollLocked(this.nextOffset);
    this.segs.remove(doomed);
    await this.incrementLogStartOffset(this.segs.first()!.baseOffset);
    await this.producerState.deleteSnapshotsBefore(this.segs.first()!.baseOffset);
    await this.deleteSegmentFiles(doomed);
    return doomed.length;
  }

  private async incrementLogStartOffset(offset: number): Promise<void> {
    if (offset <= this.logStart) return;
    this.logStart = offset;
    if (this.hw < offset) this.hw = offset;
    await this.leaderEpochCache.truncateFromStart(offset);
    this.onLogStartChanged?.(this, offset);
  }

  /** Renames segment files to `.deleted` now and removes them after file.delete.delay.ms. */
  private async deleteSegmentFiles(segments: readonly LogSegment[]): Promise<void> {
    for (const seg of segments) await seg.changeFileSuffix(DELETED_SUFFIX);
    this.scheduleDeletion(segments);
  }

  /**
   * Closes and unlinks segments already renamed `.deleted`, after file.delete.delay.ms so reads that
   * started before the deletion finish on the open files (as Kafka's asynchronous delete).
   */
  private scheduleDeletion(segments: readonly LogSegment[]): void {
    for (const seg of segments) this.pendingDeletes.add(seg);
    this.dirDirty = true;
    const remove = async () => {
      for (const seg of segments) if (this.pendingDeletes.delete(seg)) await seg.deleteFiles();
    };
    const delay = this.cfg.fileDeleteDelayMs;
    if (delay <= 0) this.inBackground(remove());
    else this.scheduler.scheduleOnce(`delete-segments-${this.name}`, delay, () => this.inBackground(remove()));
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (at most the high watermark) and
   * deletes the segments wholly below it. Returns the new log start offset (the low watermark).
   */
  async deleteRecordsBefore(offset: number): Promise<number> {
    this.ensureUsable();
    return this.lock.run(async () => {
      this.ensureUsable();
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.highWatermark) {
        throw new StorageError(
          'OFFSET_OUT_OF_RANGE',
          `Cannot increment the log start offset to ${offset} of partition ${this.name} since it is larger than the high watermark ${this.highWatermark}`,
        );
      }
      try {
        await this.incrementLogStartOffset(offset);
        await this.deleteSegmentsLocked(logStartOffsetBreached(this.logStart));
      } catch (err) {
        throw this.failure('deleting records', err);
      }
      return this.logStart;
    });
  }

  // ------------------------------------------------------------------ truncation (replication)

  /**
   * Removes everything at or after targetOffset (a follower diverged from its leader). The batch
   * holding targetOffset goes whole, so the log end offset becomes that batch's base offset when
   * targetOffset falls inside one. Returns whether anything was truncated.
   */
  async truncateTo(targetOffset: number): Promise<boolean> {
    this.ensureUsable();
    if (!Number.isSafeInteger(targetOffset) || targetOffset < 0) {
      throw new StorageError('INVALID_REQUEST', `cannot truncate ${this.name} to offset ${targetOffset}`);
    }
    return this.lock.run(async () => {
      this.ensureUsable();
      if (targetOffset >= this.nextOffset) return false;
      try {
        this.truncations++;
        if (targetOffset < this.segs.first()!.baseOffset) {
          await this.truncateFullyAndStartAtLocked(targetOffset);
          this.onTruncated?.(this, targetOffset);
          return true;
        }
        const doomed = this.segs.all().filter((s) => s.baseOffset > targetOffset);
        this.segs.remove(doomed);
        await this.deleteSegmentFiles(doomed);
        const active = this.activeSegment;
        // The log end becomes the target, or the base of the batch holding the target (that batch
        // is removed whole, so a follower refetches it from its start). After compaction the target
        // may fall in a gap: the end is still the target, never the end of the surviving data, or
        // offsets below the target would be handed out again.
        const holder = await active.translateOffset(targetOffset);
        const newEnd = holder ? Math.min(targetOffset, holder.baseOffset) : targetOffset;
        await active.truncateTo(targetOffset, this.clock.now());
        await active.ensureIndexes();
        this.nextOffset = Math.max(await active.readNextOffset(), newEnd);
        this.logStart = Math.min(this.logStart, this.nextOffset);
        this.recoveryPt = Math.min(this.recoveryPt, this.nextOffset);
        this.hw = Math.min(this.hw, this.nextOffset);
        await this.leaderEpochCache.truncateFromEnd(this.nextOffset);
        await this.rebuildProducerStateLocked();
        this.onTruncated?.(this, this.nextOffset);
        return true;
      } catch (err) {
        throw this.failure('truncation', err);
      }
    });
  }

  /** Deletes every segment and restarts the log empty at newOffset (Kafka's truncateFullyAndStartAt). */
  async truncateFullyAndStartAt(newOffset: number): Promise<void> {
    this.ensureUsable();
    if (!Number.isSafeInteger(newOffset) || newOffset < 0) {
      throw new StorageError('INVALID_REQUEST', `cannot restart ${this.name} at offset ${newOffset}`);
    }
    await this.lock.run(async () => {
      this.ensureUsable();
      try {
        this.truncations++;
        await this.truncateFullyAndStartAtLocked(newOffset);
        this.onTruncated?.(this, newOffset);
      } catch (err) {
        throw this.failure('truncation', err);
      }
    });
  }

  private async truncateFullyAndStartAtLocked(newOffset: number): Promise<void> {
    const doomed = [...this.segs.all()];
    this.segs.clear();
    await this.deleteSegmentFiles(doomed);
    const seg = await this.newSegment(newOffset);
    await seg.ensureIndexes();
    this.segs.add(seg);
    this.rollJitter.set(seg, this.randomJitter());
    this.nextOffset = newOffset;
    this.logStart = newOffset;
    this.recoveryPt = newOffset;
    this.hw = newOffset;
    await this.leaderEpochCache.clear();
    await this.producerState.truncateFullyAndStartAt(newOffset);
    this.onLogStartChanged?.(this, newOffset);
  }

  // ------------------------------------------------------------------ producer state

  /** Drops producers idle for producer.id.expiration.ms (Kafka runs this periodically). */
  removeExpiredProducers(nowMs = this.clock.now()): number[] {
    return this.producerState.removeExpiredProducers(nowMs);
  }

  private async rebuildProducerStateLocked(): Promise<void> {
    await this.rebuildProducerState(false);
  }

  /**
   * Restores producer state from the newest snapshot at or below the log end and replays the
   * batches after it; with `snapshotAfter`, snapshots the result so the next start skips the replay.
   *
   * `recovered` lists the segments recovery re-read: their transaction indexes are rebuilt (Kafka
   * does it in LogSegment.recover, with the producer state loaded up to the segment). Those holding
   * control batches get their entries back from the markers during the replay, which then starts at
   * a snapshot at or below the first of them; the others are simply emptied.
   */
  private async rebuildProducerState(snapshotAfter: boolean, recovered: readonly RecoveredSegment[] = []): Promise<void> {
    const end = this.nextOffset;
    let from = await this.producerState.truncateTo(end, this.logStart);
    const byBase = new Map(recovered.map((r) => [r.baseOffset, r]));
    const targets = new Set<LogSegment>();
    for (const seg of this.segs.all()) {
      const r = byBase.get(seg.baseOffset);
      if (r?.hasControlBatches) targets.add(seg);
      else if (r && (seg.txnIndex.entries > 0 || seg.txnIndexNeedsRebuild)) await seg.resetTxnIndex();
    }
    const firstTarget = [...targets][0];
    if (firstTarget !== undefined && from > firstTarget.baseOffset) {
      from = await this.producerState.loadSnapshotUpTo(firstTarget.baseOffset, this.logStart);
    }
    for (const seg of targets) await seg.resetTxnIndex();
    if (from < end) {
      const writes: Promise<void>[] = [];
      await replayProducerState(
        this.segs.all(),
        this.producerState,
        from,
        end,
        targets.size === 0
          ? undefined
          : (seg, txn) => {
              if (txn.isAborted && targets.has(seg)) writes.push(seg.appendAbortedTxn(this.abortedTxnEntry(txn)));
            },
      );
      await Promise.all(writes);
      if (snapshotAfter) await this.producerState.takeSnapshot(end);
    }
    for (const seg of targets) await seg.txnIndex.flush();
    this.producerState.updateMapEndOffset(end);
  }

  // ------------------------------------------------------------------ cleaner support

  /** A new, empty segment written under `.cleaned` names, for the cleaner to fill and hand to replaceSegments. */
  async createCleanedSegment(baseOffset: number): Promise<LogSegment> {
    this.ensureUsable();
    try {
      return await this.newSegment(baseOffset, CLEANED_SUFFIX);
    } catch (err) {
      throw this.failure('creating a cleaned segment', err);
    }
  }

  /**
   * Swaps `old` (contiguous, live, not active) for `cleaned` crash-safely, as Kafka's
   * replaceSegments: cleaned is flushed and renamed `.swap`, the old segments leave the list and are
   * renamed `.deleted`, then the swap takes its live name. A crash at any point is completed or
   * undone when the log is next opened.
   */
  async replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): Promise<void> {
    this.ensureUsable();
    await this.lock.run(async () => {
      this.ensureUsable();
      const all = this.segs.all();
      const first = all.indexOf(old[0]!);
      const problem =
        old.length === 0
          ? 'no segments to replace'
          : first < 0 || old.some((s, i) => all[first + i] !== s)
            ? 'the segments to replace are no longer live and contiguous'
            : old.includes(this.activeSegment)
              ? 'the active segment cannot be replaced'
              : cleaned.baseOffset !== old[0]!.baseOffset
                ? `cleaned segment base ${cleaned.baseOffset} differs from ${old[0]!.baseOffset}`
                : undefined;
      if (problem) {
        await cleaned.deleteFiles().catch(() => undefined);
        throw new CleaningAbortedError(`replaceSegments on ${this.name}: ${problem}`);
      }
      try {
        await cleaned.onBecomeInactive();
        await cleaned.flush();
        await cleaned.changeFileSuffix(SWAP_SUFFIX);
        await this.io.syncDir(this.dir);
        this.segs.remove(old);
        for (const seg of old) await seg.changeFileSuffix(DELETED_SUFFIX);
        await cleaned.changeFileSuffix('');
        cleaned.indexIntervalForRebuild = this.cfg.indexIntervalBytes;
        this.segs.add(cleaned);
        await this.io.syncDir(this.dir);
      } catch (err) {
        throw this.failure('replacing segments', err);
      }
      this.scheduleDeletion(old);
    });
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Closes the log: waits for background work, flushes (unless told not to) and snapshots producer
   * state at the log end, finishes pending file deletions and closes every segment.
   */
  async close(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    await this.lock.run(async () => {
      if (this.closed) return;
      await Promise.allSettled([...this.background]);
      let firstError: unknown;
      if (!this.offlineError) {
        try {
          if (opts.flush ?? true) await this.flush();
          await this.producerState.takeSnapshot(this.nextOffset);
        } catch (err) {
          firstError = this.failure('close', err);
        }
      }
      this.closed = true;
      for (const seg of [...this.pendingDeletes]) {
        this.pendingDeletes.delete(seg);
        await seg.deleteFiles().catch(() => undefined);
      }
      for (const seg of this.segs.all()) {
        try {
          if (this.offlineError) await seg.closeQuietly();
          else await seg.close();
        } catch (err) {
          firstError ??= this.failure('close', err);
        }
      }
      if (firstError) throw firstError;
    });
  }

  /** Waits for background work (post-roll flushes, file deletions) to settle. For tests and shutdown. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }
}
