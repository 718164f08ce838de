import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
} from '../checkpoint/offset-checkpoint-file.js';
import { systemClock, type Clock } from '../clock.js';
import { DEFAULT_LOG_CONFIG, isCompacted, type LogConfig } from '../config/log-config.js';
import { storageFailure, StorageError } from '../errors.js';
import { nodeFileIO, type FileIO } from '../io/file-io.js';
import { Log } from '../log/log.js';
import { Scheduler } from '../scheduler.js';
import { CLEAN_SHUTDOWN_FILE, DELETE_DIR_SUFFIX, parsePartitionDirName, partitionDirName, tpKey, type TopicPartition } from '../util/file-names.js';

/** The log manager's view of a compaction engine (LogCleaner fits it). */
export interface LogCleanerHook {
  /** One cleaning pass over the given compacted, online logs. */
  cleanOnce(logs: readonly Log[], nowMs: number): Promise<unknown>;
  /** The log was truncated to end at offset (the cleaner checkpoint must not stay above it). */
  onLogTruncated?(log: Log, offset: number): Promise<unknown>;
  /** The log was deleted (forget its checkpoint). */
  onLogDeleted?(log: Log): Promise<unknown>;
  close?(): Promise<unknown>;
}

export interface LogManagerOptions {
  /** log.dirs: one or more data directories. */
  logDirs: readonly string[];
  /** Broker-level defaults for every topic (Kafka's log.* settings mapped to topic names). */
  defaultConfig?: LogConfig;
  /** A topic's own config (topic-level overrides merged over the defaults), if it has one. */
  topicConfig?: (topic: string) => LogConfig | undefined;
  clock?: Clock;
  io?: FileIO;
  cleaner?: LogCleanerHook;
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked (Kafka's default is never; 1 s here). */
  flushCheckIntervalMs?: number;
  /** log.retention.check.interval.ms (300000). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (60000). */
  recoveryPointCheckpointIntervalMs?: number;
  /** log.flush.start.offset.checkpoint.interval.ms (60000). */
  logStartOffsetCheckpointIntervalMs?: number;
  /** producer.id.expiration.check.interval.ms (600000). */
  producerIdExpirationCheckIntervalMs?: number;
  /** producer.id.expiration.ms (86400000). */
  producerIdExpirationMs?: number;
  /** log.cleaner.backoff.ms (15000). */
  cleanerBackoffMs?: number;
  /** Partitions are replicated: high watermarks come from the broker (see Log.updateHighWatermark). */
  externalHighWatermark?: boolean;
  /** See LogOptions.verifyCrcOnRead (default false). */
  verifyCrcOnRead?: boolean;
  /** A log dir failed (I/O error); its logs are offline. */
  onLogDirFailure?: (dir: string, error: StorageError) => void;
  /** A background task failed (default: printed to stderr). */
  onBackgroundError?: (task: string, error: unknown) => void;
}

interface DirState {
  path: string;
  offline: StorageError | undefined;
}

/**
 * All partition logs of a broker (Kafka's LogManager): opens every `<topic>-<partition>` directory
 * under each log dir (recovering after an unclean shutdown), creates and deletes logs, and runs the
 * periodic work — flush by flush.ms, retention, recovery-point and log-start checkpoints, producer
 * expiry and compaction — on a scheduler driven by the injected clock (`tick()` runs what is due).
 * A clean `close()` flushes everything, writes the checkpoints and leaves `.kafka_cleanshutdown` in
 * each dir, so the next open skips recovery.
 */
export class LogManager {
  readonly clock: Clock;
  readonly io: FileIO;
  readonly scheduler: Scheduler;
  private readonly dirs: DirState[];
  private readonly logs = new Map<string, { log: Log; dir: DirState }>();
  private readonly creating = new Map<string, Promise<Log>>();
  private readonly background = new Set<Promise<unknown>>();
  private defaultCfg: LogConfig;
  private closed = false;
  /** A log-start checkpoint write is already scheduled (after DeleteRecords or retention). */
  private logStartCheckpointPending = false;

  private constructor(private readonly opts: LogManagerOptions) {
    if (opts.logDirs.length === 0) throw new StorageError('LOG_DIR_NOT_FOUND', 'log.dirs is empty');
    this.clock = opts.clock ?? systemClock;
    this.io = opts.io ?? nodeFileIO;
    this.defaultCfg = opts.defaultConfig ?? DEFAULT_LOG_CONFIG;
    this.dirs = [...new Set(opts.logDirs)].map((path) => ({ path, offline: undefined }));
    const report =
      opts.onBackgroundError ?? ((task: string, err: unknown) => console.error(`[storage] background task ${task} failed:`, err));
    this.scheduler = new Scheduler(this.clock, report);
  }

  /** Opens every log under log.dirs and schedules the periodic tasks. */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(opts);
    for (const dir of manager.dirs) await manager.loadDir(dir);
    manager.scheduleTasks();
    return manager;
  }

  private async loadDir(dir: DirState): Promise<void> {
    try {
      await this.io.mkdir(dir.path);
      const marker = join(dir.path, CLEAN_SHUTDOWN_FILE);
      const hadCleanShutdown = await this.io.exists(marker);
      const recoveryPoints = await readOffsetCheckpoint(join(dir.path, RECOVERY_POINT_CHECKPOINT), this.io);
      const logStarts = await readOffsetCheckpoint(join(dir.path, LOG_START_OFFSET_CHECKPOINT), this.io);
      const names = (await this.io.readdir(dir.path)).sort();
      const toOpen: TopicPartition[] = [];
      for (const name of names) {
        if (name.endsWith(DELETE_DIR_SUFFIX)) {
          // A topic deletion interrupted by a restart: finish it in the background.
          this.inBackground(this.io.removeTree(join(dir.path, name)));
          continue;
        }
        const tp = parsePartitionDirName(name);
        if (tp) toOpen.push(tp);
      }
      // A few logs at a time: recovery is I/O-bound, and a dir may hold thousands of partitions.
      const concurrency = 4;
      for (let i = 0; i < toOpen.length; i += concurrency) {
        const batch = toOpen.slice(i, i + concurrency);
        const opened = await Promise.all(
          batch.map((tp) =>
            this.openLog(dir, tp, this.configFor(tp.topic), {
              hadCleanShutdown,
              recoveryPoint: recoveryPoints.get(tpKey(tp)) ?? 0,
              logStartOffset: logStarts.get(tpKey(tp)) ?? 0,
            }),
          ),
        );
        for (const log of opened) this.logs.set(tpKey(log.topicPartition), { log, dir });
      }
      // From now on a crash must be treated as unclean.
      if (hadCleanShutdown) await this.io.unlink(marker);
    } catch (err) {
      const e = err instanceof StorageError ? err : storageFailure(`loading log dir ${dir.path}`, err);
      this.failDir(dir, e);
      if (this.dirs.every((d) => d.offline)) throw e;
    }
  }

  private openLog(
    dir: DirState,
    tp: TopicPartition,
    config: LogConfig,
    state: { hadCleanShutdown: boolean; recoveryPoint: number; logStartOffset: number },
  ): Promise<Log> {
    return Log.open({
      dir: join(dir.path, partitionDirName(tp)),
      topicPartition: tp,
      config,
      clock: this.clock,
      io: this.io,
      scheduler: this.scheduler,
      ...state,
      ...(this.opts.producerIdExpirationMs !== undefined ? { producerIdExpirationMs: this.opts.producerIdExpirationMs } : {}),
      externalHighWatermark: this.opts.externalHighWatermark ?? false,
      verifyCrcOnRead: this.opts.verifyCrcOnRead ?? false,
      onOffline: (_log, error) => this.failDir(dir, error),
      onLogStartOffsetChanged: () => this.scheduleLogStartCheckpoint(),
      onTruncated: (log, offset) => {
        if (this.opts.cleaner?.onLogTruncated) this.inBackground(this.opts.cleaner.onLogTruncated(log, offset));
      },
    });
  }

  private configFor(topic: string): LogConfig {
    return this.opts.topicConfig?.(topic) ?? this.defaultCfg;
  }

  /** Kafka's LogDirFailureChannel: one failing log takes its whole dir offline. */
  private failDir(dir: DirState, error: StorageError): void {
    if (dir.offline) return;
    dir.offline = error;
    for (const { log, dir: d } of this.logs.values()) if (d === dir) log.markOffline(error);
    this.opts.onLogDirFailure?.(dir.path, error);
  }

  private inBackground(p: Promise<unknown>): void {
    const tracked = p
      .catch((err) => this.opts.onBackgroundError?.('background', err))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private scheduleTasks(): void {
    const o = this.opts;
    this.scheduler.schedule('log-flusher', o.flushCheckIntervalMs ?? 1000, () => this.flushDirtyLogs());
    this.scheduler.schedule('log-retention', o.retentionCheckIntervalMs ?? 300_000, () => this.cleanupLogs());
    this.scheduler.schedule('recovery-point-checkpoint', o.recoveryPointCheckpointIntervalMs ?? 60_000, () => this.checkpointRecoveryPoints());
    this.scheduler.schedule('log-start-offset-checkpoint', o.logStartOffsetCheckpointIntervalMs ?? 60_000, () => this.checkpointLogStartOffsets());
    this.scheduler.schedule('producer-expiration', o.producerIdExpirationCheckIntervalMs ?? 600_000, () => this.removeExpiredProducers());
    if (o.cleaner) this.scheduler.schedule('log-cleaner', o.cleanerBackoffMs ?? 15_000, () => this.runCleaner());
  }

  private scheduleLogStartCheckpoint(): void {
    if (this.logStartCheckpointPending || this.closed) return;
    this.logStartCheckpointPending = true;
    this.scheduler.scheduleOnce('log-start-offset-checkpoint-now', 0, async () => {
      this.logStartCheckpointPending = false;
      await this.checkpointLogStartOffsets();
    });
  }

  // ------------------------------------------------------------------ logs

  get logDirs(): readonly string[] {
    return this.dirs.map((d) => d.path);
  }

  /** Log dirs taken offline by an I/O error. */
  get offlineLogDirs(): string[] {
    return this.dirs.filter((d) => d.offline).map((d) => d.path);
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(tpKey({ topic, partition }))?.log;
  }

  allLogs(): Log[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** The log dir a partition lives in. */
  dirOf(topic: string, partition: number): string | undefined {
    return this.logs.get(tpKey({ topic, partition }))?.dir.path;
  }

  /**
   * The partition's log, created in the online log dir holding the fewest partitions (Kafka's
   * nextLogDirs) when it does not exist yet.
   */
  async getOrCreateLog(topic: string, partition: number, config?: LogConfig): Promise<Log> {
    this.ensureOpen();
    const tp = { topic, partition };
    const key = tpKey(tp);
    const existing = this.logs.get(key);
    if (existing) return existing.log;
    const pending = this.creating.get(key);
    if (pending) return pending;
    const create = (async () => {
      const dir = this.nextLogDir();
      const log = await this.openLog(dir, tp, config ?? this.configFor(topic), { hadCleanShutdown: true, recoveryPoint: 0, logStartOffset: 0 });
      this.logs.set(key, { log, dir });
      return log;
    })().finally(() => this.creating.delete(key));
    this.creating.set(key, create);
    return create;
  }

  private nextLogDir(): DirState {
    const online = this.dirs.filter((d) => !d.offline);
    if (online.length === 0) throw new StorageError('KAFKA_STORAGE_ERROR', 'no online log dir to create a log in');
    const counts = new Map<DirState, number>(online.map((d) => [d, 0]));
    for (const { dir } of this.logs.values()) if (counts.has(dir)) counts.set(dir, counts.get(dir)! + 1);
    return online.reduce((best, d) => (counts.get(d)! < counts.get(best)! ? d : best));
  }

  /** Applies new topic configs to every open log of that topic (live config updates). */
  updateTopicConfig(topic: string, config: LogConfig): void {
    for (const { log } of this.logs.values()) if (log.topicPartition.topic === topic) log.updateConfig(config);
  }

  /** Changes the default config of topics without their own. */
  updateDefaultConfig(config: LogConfig): void {
    this.defaultCfg = config;
  }

  /**
   * Deletes a partition's log as Kafka does: the log is closed and its directory renamed to
   * `<topic>-<partition>.<uuid>-delete` at once (so a restart never reopens it), then removed in the
   * background after file.delete.delay.ms.
   */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    this.ensureOpen();
    const key = tpKey({ topic, partition });
    const entry = this.logs.get(key);
    if (!entry) return false;
    this.logs.delete(key);
    const { log, dir } = entry;
    await log.close({ flush: false }).catch(() => undefined);
    const doomed = join(dir.path, `${partitionDirName(log.topicPartition)}.${randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`);
    try {
      await this.io.rename(log.dir, doomed);
      await this.io.syncDir(dir.path);
    } catch (err) {
      const e = storageFailure(`renaming ${log.dir} for deletion`, err);
      this.failDir(dir, e);
      throw e;
    }
    if (this.opts.cleaner?.onLogDeleted) this.inBackground(this.opts.cleaner.onLogDeleted(log));
    const remove = () => this.inBackground(this.io.removeTree(doomed));
    const delay = this.defaultCfg.fileDeleteDelayMs;
    if (delay <= 0) remove();
    else this.scheduler.scheduleOnce(`delete-log-${key}`, delay, remove);
    this.inBackground(this.checkpointAll());
    return true;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('UNKNOWN_TOPIC_OR_PARTITION', 'the log manager is closed');
  }

  private onlineLogs(): Log[] {
    return [...this.logs.values()].filter((e) => !e.dir.offline && !e.log.isOffline && !e.log.isClosed).map((e) => e.log);
  }

  // ------------------------------------------------------------------ periodic work

  /** Runs every scheduled task that is due at the clock's current time. */
  tick(): Promise<void> {
    return this.scheduler.runDue();
  }

  /** Polls the scheduler on a real timer (for a server running on the system clock). */
  startTimer(intervalMs = 100): void {
    this.scheduler.startTimer(intervalMs);
  }

  /** Flushes logs whose flush.ms has elapsed since their last flush. */
  async flushDirtyLogs(): Promise<void> {
    const now = this.clock.now();
    for (const log of this.onlineLogs()) {
      if (now - log.lastFlushTime >= log.config.flushMs) await log.flush().catch(() => undefined);
    }
  }

  /** Retention for every log (segments past retention.ms / retention.bytes / below the log start). */
  async cleanupLogs(): Promise<number> {
    let deleted = 0;
    for (const log of this.onlineLogs()) deleted += await log.deleteOldSegments().catch(() => 0);
    return deleted;
  }

  removeExpiredProducers(): void {
    const now = this.clock.now();
    for (const log of this.onlineLogs()) log.removeExpiredProducers(now);
  }

  /** One compaction pass over the compacted logs. */
  async runCleaner(): Promise<void> {
    const cleaner = this.opts.cleaner;
    if (!cleaner) return;
    const logs = this.onlineLogs().filter((l) => isCompacted(l.config));
    if (logs.length > 0) await cleaner.cleanOnce(logs, this.clock.now());
  }

  private logsByDir(dir: DirState): Log[] {
    return [...this.logs.values()].filter((e) => e.dir === dir).map((e) => e.log);
  }

  /** Writes `recovery-point-offset-checkpoint` in every online dir. */
  async checkpointRecoveryPoints(): Promise<void> {
    for (const dir of this.dirs) {
      if (dir.offline) continue;
      const entries = new Map(this.logsByDir(dir).filter((l) => !l.isOffline).map((l) => [tpKey(l.topicPartition), l.recoveryPoint] as const));
      await this.writeCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, entries);
    }
  }

  /** Writes `log-start-offset-checkpoint` in every online dir. */
  async checkpointLogStartOffsets(): Promise<void> {
    for (const dir of this.dirs) {
      if (dir.offline) continue;
      const entries = new Map(this.logsByDir(dir).filter((l) => !l.isOffline).map((l) => [tpKey(l.topicPartition), l.logStartOffset] as const));
      await this.writeCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT, entries);
    }
  }

  private async checkpointAll(): Promise<void> {
    await this.checkpointRecoveryPoints();
    await this.checkpointLogStartOffsets();
  }

  private async writeCheckpoint(dir: DirState, name: string, entries: Map<string, number>): Promise<void> {
    try {
      await writeOffsetCheckpoint(join(dir.path, name), entries, this.io);
    } catch (err) {
      const e = err instanceof StorageError ? err : storageFailure(`writing ${name} in ${dir.path}`, err);
      this.failDir(dir, e);
      throw e;
    }
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Clean shutdown: stops background work, flushes and closes every log, writes both checkpoints and
   * then the clean-shutdown marker of each online dir.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.scheduler.shutdown();
    await this.opts.cleaner?.close?.();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await Promise.allSettled([...this.creating.values()]);
    let firstError: unknown;
    for (const { log } of this.logs.values()) {
      try {
        await log.close();
      } catch (err) {
        firstError ??= err;
      }
    }
    for (const dir of this.dirs) {
      if (dir.offline) continue;
      try {
        const logs = this.logsByDir(dir);
        await this.writeCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, new Map(logs.map((l) => [tpKey(l.topicPartition), l.recoveryPoint] as const)));
        await this.writeCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT, new Map(logs.map((l) => [tpKey(l.topicPartition), l.logStartOffset] as const)));
        if (logs.every((l) => !l.isOffline)) {
          await this.io.writeFile(join(dir.path, CLEAN_SHUTDOWN_FILE), '');
          await this.io.syncDir(dir.path);
        }
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
  }
}
