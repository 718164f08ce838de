import type { Cluster } from '../cluster/cluster.js';
import { ClosedError, IllegalStateError } from '../errors.js';
import { type OffsetToCommit, commitOffsets, fetchCommittedOffsets } from '../offsets/group-offsets.js';
import { sleep } from '../util/backoff.js';
import { type ConsumerConfig, type ResolvedConsumerConfig, resolveConsumerConfig } from './consumer-config.js';
import { Fetcher, type FetcherConfig } from './fetcher.js';
import { GroupMember } from './group-member.js';
import { PositionResolver } from './position-resolver.js';
import { type OffsetResetPolicy, type PartitionState, SubscriptionState } from './subscription-state.js';
import { type ConsumerBatch, type ConsumerRecord, type TopicPartition, type TopicPartitionOffset, toOffset, tpKey } from './types.js';

/** How long close() waits for run() to finish the handler or rebalance in progress. */
const CLOSE_GRACE_MS = 10_000;

/** Longest stretch of back-to-back rounds before pollOnce yields to the event loop. */
const YIELD_EVERY_MS = 50;

/**
 * Records run() hands to its handlers per round. Large enough to amortise a round's overhead,
 * small enough that decoded records die young (100,000 doubled the CPU per record in GC).
 */
const RUN_BATCH_RECORDS = 10_000;

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: ConsumerRecord;
  /** Heartbeats run in the background; kept for kafkajs compatibility. */
  heartbeat(): Promise<void>;
  /** Pauses this partition; returns a function that resumes it. */
  pause(): () => void;
}

export interface EachBatchPayload {
  batch: ConsumerBatch;
  /** Marks records up to this offset processed (committed by auto-commit or commit()). */
  resolveOffset(offset: bigint): void;
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition was revoked: stop working on the batch. */
  isRunning(): boolean;
  pause(): () => void;
}

export interface RunOptions {
  eachMessage?: (payload: EachMessagePayload) => Promise<void> | void;
  eachBatch?: (payload: EachBatchPayload) => Promise<void> | void;
  /** Mark every record of a batch processed when eachBatch returns (default true, as kafkajs). */
  eachBatchAutoResolve?: boolean;
}

export interface SubscribeOptions {
  /** Topic names and/or patterns. */
  topics: Array<string | RegExp> | string | RegExp;
  /** kafkajs style: start from the earliest offset where the group has none committed. */
  fromBeginning?: boolean;
}

/**
 * Reads records from Kafka, alone (assign) or as a member of a consumer group (subscribe).
 *
 * Three ways to consume, all on the same machinery:
 * - `poll()` returns up to max.poll.records, Java style;
 * - `for await (const batch of consumer)` iterates batches;
 * - `run({ eachMessage })` / `run({ eachBatch })` runs handlers in the background, kafkajs style.
 *
 * Offsets are committed for records the application is done with: those returned by the
 * previous poll (Java's semantics, also for the iterator), or those whose handler returned (run).
 */
export class Consumer implements AsyncIterable<ConsumerBatch> {
  readonly config: ResolvedConsumerConfig;
  private readonly subscriptions = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly fetcherConfig: FetcherConfig;
  private readonly member: GroupMember | null;
  private topicNames = new Set<string>();
  private patterns: RegExp[] = [];
  private mode: 'none' | 'subscribe' | 'assign' = 'none';
  private connecting: Promise<void> | null = null;
  private connected = false;
  private closed = false;
  private resetPolicy: OffsetResetPolicy;
  /** Batches the last poll() returned: done with once poll() is called again. */
  private lastReturned: ConsumerBatch[] = [];
  /** Next offset to commit per partition (processed records). */
  private readonly committable = new Map<string, OffsetToCommit>();
  private readonly committed = new Map<string, bigint>();
  private lastAutoCommit = Date.now();
  private readonly positions: PositionResolver;
  private readonly pendingSeeks = new Map<string, bigint>();
  private running = false;
  private runLoop: Promise<void> | null = null;
  private readonly errorListeners: Array<(err: unknown) => void> = [];
  /** When pollOnce last let the event loop run (see YIELD_EVERY_MS). */
  private lastYield = 0;
  /** Topics a pattern subscription matched at the last metadata refresh. */
  private lastPatternTopics = '';

  constructor(
    private readonly cluster: Cluster,
    config: ConsumerConfig = {},
  ) {
    this.config = resolveConsumerConfig(config);
    this.resetPolicy = this.config.autoOffsetReset;
    this.fetcherConfig = {
      minBytes: this.config.fetchMinBytes,
      maxBytes: this.config.fetchMaxBytes,
      maxWaitMs: this.config.fetchMaxWaitMs,
      maxPartitionBytes: this.config.maxPartitionFetchBytes,
      isolation: this.config.isolationLevel,
      requestTimeoutMs: this.config.requestTimeoutMs,
      retryBackoffMs: this.config.retryBackoffMs,
      autoOffsetReset: this.resetPolicy,
      maxBufferedPerPartition: this.config.prefetchResponses,
      maxFetchesPerBroker: this.config.fetchesPerBroker,
    };
    this.fetcher = new Fetcher(cluster, this.subscriptions, this.fetcherConfig, () => this.scheduleReset());
    this.positions = new PositionResolver(cluster, this.subscriptions, {
      groupId: this.config.groupId,
      readCommitted: this.config.isolationLevel === 'read_committed',
      resetPolicy: () => this.resetPolicy,
      afterUpdate: () => {
        this.fetcher.sendFetches();
        this.fetcher.wakeup();
      },
    });
    this.member =
      this.config.groupId === null
        ? null
        : new GroupMember(
            cluster,
            {
              groupId: this.config.groupId,
              groupInstanceId: this.config.groupInstanceId,
              sessionTimeoutMs: this.config.sessionTimeoutMs,
              rebalanceTimeoutMs: this.config.maxPollIntervalMs,
              heartbeatIntervalMs: this.config.heartbeatIntervalMs,
              assignors: this.config.assignors,
              rackId: this.config.rackId,
              retryBackoffMs: this.config.retryBackoffMs,
              retryBackoffMaxMs: this.config.retryBackoffMaxMs,
              requestTimeoutMs: this.config.requestTimeoutMs,
            },
            {
              topics: () => this.subscribedTopics(),
              owned: () => this.subscriptions.assignment(),
              onRevoked: (tps) => this.onRevoked(tps),
              onAssigned: (tps) => this.onAssigned(tps),
              onLost: (tps) => this.onLost(tps),
              onRejoinNeeded: () => this.fetcher.wakeup(),
            },
          );
    cluster.onMetadataUpdate(() => this.onMetadata());
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('consumer'));
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.cluster
      .connect()
      .then(() => {
        this.connected = true;
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  /** Called when a handler in run() throws, or a background operation fails. */
  onError(listener: (err: unknown) => void): void {
    this.errorListeners.push(listener);
  }

  /** Subscribes to topics by name or pattern; needs a groupId. Replaces an earlier subscription. */
  async subscribe(options: SubscribeOptions | string[] | string): Promise<void> {
    if (this.member === null) throw new IllegalStateError('subscribe() needs a groupId; use assign() without one');
    if (this.mode === 'assign') throw new IllegalStateError('the consumer uses manual assignment; subscribe() and assign() do not mix');
    const o: SubscribeOptions = typeof options === 'string' || Array.isArray(options) ? { topics: options } : options;
    const list = Array.isArray(o.topics) ? o.topics : [o.topics];
    this.topicNames = new Set(list.filter((t): t is string => typeof t === 'string'));
    this.patterns = list.filter((t): t is RegExp => t instanceof RegExp);
    if (o.fromBeginning) this.setResetPolicy('earliest');
    this.mode = 'subscribe';
    this.cluster.addTopics(this.topicNames);
    this.cluster.watchAllTopics(this.patterns.length > 0);
    await this.connect();
    if (this.patterns.length > 0) await this.cluster.refreshMetadata();
    this.member.requestRejoin();
  }

  /** Takes partitions directly, without a group rebalance. Positions: committed offsets (with a groupId) or auto.offset.reset. */
  async assign(partitions: TopicPartition[]): Promise<void> {
    if (this.mode === 'subscribe') throw new IllegalStateError('the consumer is subscribed; subscribe() and assign() do not mix');
    this.mode = 'assign';
    await this.connect();
    const wanted = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    this.subscriptions.remove(this.subscriptions.assignment().filter((tp) => !wanted.has(tpKey(tp.topic, tp.partition))));
    this.cluster.addTopics(new Set(partitions.map((tp) => tp.topic)));
    await this.cluster.topics([...new Set(partitions.map((tp) => tp.topic))], this.config.requestTimeoutMs);
    for (const s of this.subscriptions.add(partitions)) {
      if (this.config.groupId === null) s.resetPending = this.resetPolicy;
    }
    this.applyPendingSeeks();
    this.scheduleReset();
  }

  assignment(): TopicPartition[] {
    return this.subscriptions.assignment();
  }

  /**
   * Moves a partition's position; the next records come from `offset`. On a partition not yet
   * assigned (right after subscribe/run), the seek applies when it is assigned.
   */
  seek(tp: TopicPartitionOffset): void {
    const offset = toOffset(tp.offset);
    const s = this.subscriptions.get(tp.topic, tp.partition);
    if (!s) {
      this.pendingSeeks.set(tpKey(tp.topic, tp.partition), offset);
      return;
    }
    s.seek(offset);
    this.fetcher.sendFetches();
  }

  /** Moves partitions to their earliest or latest offsets. */
  async seekToBeginning(tps: TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of tps) this.subscriptions.get(tp.topic, tp.partition)?.requestReset('earliest');
    await this.updatePositions();
  }

  async seekToEnd(tps: TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of tps) this.subscriptions.get(tp.topic, tp.partition)?.requestReset('latest');
    await this.updatePositions();
  }

  /** The next offset poll() would return for a partition (looked up if not yet known). */
  async position(tp: TopicPartition): Promise<bigint> {
    const s = this.subscriptions.get(tp.topic, tp.partition);
    if (!s) throw new IllegalStateError(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    if (s.position === null) await this.updatePositions();
    return s.position ?? -1n;
  }

  /** Stops fetching these partitions; records already fetched stay until resume(). */
  pause(tps: Array<TopicPartition | { topic: string; partitions?: number[] }>): void {
    for (const s of this.matching(tps)) s.paused = true;
  }

  resume(tps: Array<TopicPartition | { topic: string; partitions?: number[] }>): void {
    for (const s of this.matching(tps)) s.paused = false;
    this.fetcher.sendFetches();
    this.fetcher.wakeup();
  }

  paused(): TopicPartition[] {
    return this.subscriptions
      .all()
      .filter((s) => s.paused)
      .map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /**
   * Commits offsets: the given ones, or every processed record (those returned by poll() so far,
   * or resolved in run()). Offsets are "next to read", i.e. last processed + 1.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    const groupId = this.requireGroup();
    let list: OffsetToCommit[];
    if (offsets) {
      list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: toOffset(o.offset) }));
    } else {
      this.markReturnedProcessed();
      list = [...this.committable.values()];
    }
    await commitOffsets(this.cluster, groupId, this.commitIdentity(), list);
    for (const o of list) this.committed.set(tpKey(o.topic, o.partition), o.offset);
  }

  /** The group's committed offsets for these partitions (-1 where none). */
  async committedOffsets(tps: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const groupId = this.requireGroup();
    await this.connect();
    const found = await fetchCommittedOffsets(this.cluster, groupId, tps, this.config.isolationLevel === 'read_committed');
    return tps.map((tp) => ({ ...tp, offset: found.get(tpKey(tp.topic, tp.partition))?.offset ?? -1n }));
  }

  /**
   * Java-style poll: joins or rebalances the group as needed, then returns up to max.poll.records
   * records, waiting up to timeoutMs for some to arrive.
   */
  async poll(timeoutMs = 1000): Promise<ConsumerBatch[]> {
    this.markReturnedProcessed();
    const batches = await this.pollOnce(timeoutMs, this.config.maxPollRecords);
    this.lastReturned = batches;
    return batches;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerBatch> {
    while (!this.closed) {
      const batches = await this.poll(this.config.fetchMaxWaitMs * 2);
      for (const b of batches) {
        if (this.subscriptions.has(b.topic, b.partition)) yield b;
      }
    }
  }

  /** Runs handlers on every record in the background (kafkajs style); resolves once started. */
  async run(options: RunOptions): Promise<void> {
    if (this.running) throw new IllegalStateError('the consumer is already running');
    if (!options.eachMessage && !options.eachBatch) throw new IllegalStateError('run() needs eachMessage or eachBatch');
    await this.connect();
    this.running = true;
    this.runLoop = this.loop(options).catch((err: unknown) => {
      this.running = false;
      this.report(err);
    });
  }

  /** Stops run() after the handler in progress; commits what was processed. */
  async stop(): Promise<void> {
    this.running = false;
    this.fetcher.wakeup();
    await this.runLoop;
    this.runLoop = null;
  }

  /**
   * Stops run(), commits what was processed (auto-commit), leaves the group and closes the
   * connections. A run() handler or rebalance still busy after CLOSE_GRACE_MS is cut off: its
   * requests fail when the connections close.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const stopped = this.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    if (this.member && this.config.autoCommit && this.mode === 'subscribe') {
      this.markReturnedProcessed();
      await this.commitProcessed().catch((err: unknown) => this.report(err));
    }
    this.closed = true;
    await this.member?.leave();
    this.fetcher.close();
    this.cluster.close();
    await stopped;
  }

  private async loop(options: RunOptions): Promise<void> {
    while (this.running) {
      let batches: ConsumerBatch[];
      try {
        // Handlers get whole fetched batches, as kafkajs's do; max.poll.records is poll()'s limit.
        batches = await this.pollOnce(this.config.fetchMaxWaitMs * 2, RUN_BATCH_RECORDS);
      } catch (err) {
        this.report(err);
        // Closed, or out of the group for good (fenced, not authorized): stop, as kafkajs crashes.
        if (err instanceof ClosedError || (this.member?.failure ?? null) !== null) {
          this.running = false;
          return;
        }
        await sleep(this.config.retryBackoffMs);
        continue;
      }
      for (const batch of batches) {
        if (!this.running) break;
        const state = this.subscriptions.get(batch.topic, batch.partition);
        if (!state || state.paused) continue;
        const ok = options.eachBatch ? await this.runBatch(options, batch, state) : await this.runMessages(options, batch, state);
        if (!ok) await sleep(this.config.retryBackoffMs);
      }
      await this.maybeAutoCommit();
    }
    if (this.member && this.config.autoCommit) await this.commitProcessed().catch((err: unknown) => this.report(err));
  }

  private async runMessages(options: RunOptions, batch: ConsumerBatch, state: PartitionState): Promise<boolean> {
    const key = tpKey(batch.topic, batch.partition);
    for (const message of batch.messages) {
      if (!this.running || this.subscriptions.get(batch.topic, batch.partition) !== state || state.paused) return true;
      try {
        await options.eachMessage!({
          topic: batch.topic,
          partition: batch.partition,
          message,
          heartbeat: () => Promise.resolve(),
          pause: () => this.pauseOne(batch.topic, batch.partition),
        });
      } catch (err) {
        // Redeliver from the failed record, as kafkajs does.
        state.seek(message.offset);
        this.report(err);
        return false;
      }
      this.committable.set(key, { topic: batch.topic, partition: batch.partition, offset: message.offset + 1n });
    }
    return true;
  }

  private async runBatch(options: RunOptions, batch: ConsumerBatch, state: PartitionState): Promise<boolean> {
    const key = tpKey(batch.topic, batch.partition);
    let resolved: bigint | null = null;
    const resolveOffset = (offset: bigint) => {
      resolved = offset;
      this.committable.set(key, { topic: batch.topic, partition: batch.partition, offset: offset + 1n });
    };
    try {
      await options.eachBatch!({
        batch,
        resolveOffset,
        heartbeat: () => Promise.resolve(),
        isRunning: () => this.running && this.subscriptions.get(batch.topic, batch.partition) === state,
        pause: () => this.pauseOne(batch.topic, batch.partition),
      });
    } catch (err) {
      const next: bigint = resolved === null ? batch.messages[0]!.offset : (resolved as bigint) + 1n;
      state.seek(next);
      this.report(err);
      return false;
    }
    if (options.eachBatchAutoResolve !== false && batch.messages.length > 0) resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    return true;
  }

  private pauseOne(topic: string, partition: number): () => void {
    this.pause([{ topic, partition }]);
    return () => this.resume([{ topic, partition }]);
  }

  /** One round: commit if due, rebalance if needed, look up positions, return what is fetched. */
  private async pollOnce(timeoutMs: number, maxRecords: number): Promise<ConsumerBatch[]> {
    if (this.closed) throw new ClosedError('consumer');
    // Awaiting data that is already here never yields to the event loop; after a while without
    // a yield, give it a turn so timers (heartbeats, auto-commit) and sockets are serviced.
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    await this.connect();
    await this.maybeAutoCommit();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.member && this.mode === 'subscribe') await this.member.ensureActive();
      if (this.subscriptions.all().some((s) => s.resetPending !== null)) await this.updatePositions();
      this.fetcher.sendFetches();
      const batches = await this.fetcher.collect(maxRecords);
      if (batches.length > 0) return batches;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closed || (!this.running && this.runLoop !== null)) return [];
      if (this.member?.needsRejoin && this.mode === 'subscribe') continue;
      await this.fetcher.waitForData(remaining);
      if (this.closed) return [];
    }
  }

  private markReturnedProcessed(): void {
    for (const b of this.lastReturned) {
      const last = b.messages[b.messages.length - 1];
      if (last && this.subscriptions.has(b.topic, b.partition)) {
        this.committable.set(tpKey(b.topic, b.partition), { topic: b.topic, partition: b.partition, offset: last.offset + 1n });
      }
    }
    this.lastReturned = [];
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.member || !this.config.autoCommit || Date.now() - this.lastAutoCommit < this.config.autoCommitIntervalMs) return;
    this.lastAutoCommit = Date.now();
    await this.commitProcessed().catch((err: unknown) => this.report(err));
  }

  /** Commits processed offsets that changed since the last commit, for partitions still owned. */
  private async commitProcessed(only?: Set<string>): Promise<void> {
    if (!this.member || this.config.groupId === null) return;
    const list = [...this.committable]
      .filter(([k, o]) => (only ? only.has(k) : this.subscriptions.has(o.topic, o.partition)) && this.committed.get(k) !== o.offset)
      .map(([, o]) => o);
    if (list.length === 0) return;
    await commitOffsets(this.cluster, this.config.groupId, this.commitIdentity(), list);
    for (const o of list) this.committed.set(tpKey(o.topic, o.partition), o.offset);
  }

  private commitIdentity() {
    return this.member && this.mode === 'subscribe' ? this.member.identity() : { generationId: -1, memberId: '', groupInstanceId: null };
  }

  private requireGroup(): string {
    if (this.config.groupId === null) throw new IllegalStateError('committing offsets needs a groupId');
    return this.config.groupId;
  }

  private async onRevoked(tps: TopicPartition[]): Promise<void> {
    this.markReturnedProcessed();
    if (this.config.autoCommit) {
      await this.commitProcessed(new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)))).catch((err: unknown) => this.report(err));
    }
    await this.callListener(() => this.config.rebalanceListener.onPartitionsRevoked?.(tps));
    this.drop(tps);
  }

  private async onLost(tps: TopicPartition[]): Promise<void> {
    await this.callListener(() => this.config.rebalanceListener.onPartitionsLost?.(tps));
    this.drop(tps);
  }

  private async onAssigned(tps: TopicPartition[]): Promise<void> {
    this.subscriptions.add(tps);
    this.applyPendingSeeks();
    await this.callListener(() => this.config.rebalanceListener.onPartitionsAssigned?.(tps));
    this.scheduleReset();
  }

  private drop(tps: TopicPartition[]): void {
    this.subscriptions.remove(tps);
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      this.committable.delete(k);
      this.committed.delete(k);
    }
    this.lastReturned = this.lastReturned.filter((b) => this.subscriptions.has(b.topic, b.partition));
  }

  private async callListener(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.report(err);
    }
  }

  private applyPendingSeeks(): void {
    for (const [k, offset] of this.pendingSeeks) {
      const [topic, p] = k.split('\0') as [string, string];
      const s = this.subscriptions.get(topic, Number(p));
      if (s) {
        s.seek(offset);
        this.pendingSeeks.delete(k);
      }
    }
  }

  private scheduleReset(): void {
    this.updatePositions().catch((err: unknown) => this.report(err));
  }

  private updatePositions(): Promise<void> {
    return this.positions.update();
  }

  private setResetPolicy(policy: OffsetResetPolicy): void {
    this.resetPolicy = policy;
    this.fetcherConfig.autoOffsetReset = policy;
  }

  private subscribedTopics(): string[] {
    const out = new Set(this.topicNames);
    if (this.patterns.length > 0) {
      for (const [name, info] of this.cluster.metadata.topics) {
        if (!info.isInternal && this.patterns.some((p) => p.test(name))) out.add(name);
      }
    }
    return [...out].sort();
  }

  private onMetadata(): void {
    if (this.mode !== 'subscribe' || !this.member) return;
    if (this.patterns.length > 0) {
      const now = this.subscribedTopics().join('\0');
      if (this.lastPatternTopics !== '' && now !== this.lastPatternTopics) this.member.requestRejoin();
      this.lastPatternTopics = now;
    }
    this.member.checkMetadata();
  }

  private matching(tps: Array<TopicPartition | { topic: string; partitions?: number[] }>): PartitionState[] {
    const out: PartitionState[] = [];
    for (const tp of tps) {
      if ('partition' in tp) {
        const s = this.subscriptions.get(tp.topic, tp.partition);
        if (s) out.push(s);
      } else {
        for (const s of this.subscriptions.all()) if (s.topic === tp.topic && (!tp.partitions || tp.partitions.includes(s.partition))) out.push(s);
      }
    }
    return out;
  }

  private report(err: unknown): void {
    for (const l of this.errorListeners) l(err);
  }
}
