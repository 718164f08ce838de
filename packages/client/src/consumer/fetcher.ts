import { ApiKey, ErrorCode, type FetchRequest, type FetchResponse, KafkaError, ProtocolError } from '@tributary/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { isRetriableError } from '../errors.js';
import { CompletedFetch, type IsolationLevel } from './completed-fetch.js';
import type { OffsetResetPolicy, PartitionState, SubscriptionState } from './subscription-state.js';
import type { ConsumerBatch } from './types.js';

export interface FetcherConfig {
  /** fetch.min.bytes */
  minBytes: number;
  /** fetch.max.bytes */
  maxBytes: number;
  /** fetch.max.wait.ms */
  maxWaitMs: number;
  /** max.partition.fetch.bytes */
  maxPartitionBytes: number;
  isolation: IsolationLevel;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  autoOffsetReset: OffsetResetPolicy;
  /**
   * Fetched responses a partition may hold before the application consumed them. Above 1 the
   * next fetch is sent while the application still works on the previous one, hiding the round trip.
   */
  maxBufferedPerPartition: number;
  /** Fetch requests outstanding per broker, each for a different share of its partitions. */
  maxFetchesPerBroker: number;
}

/** Partition errors that mean our leader information is stale. */
const STALE_LEADER = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

const ZERO_UUID = Buffer.alloc(16);

/**
 * Fetches assigned partitions from their leaders: one Fetch request per leader at a time, all
 * leaders in parallel, each request long-polling (fetch.max.wait.ms) for fetch.min.bytes. Fetched
 * data waits per partition until poll() hands it out, at most max.poll.records at a time, taking
 * partitions in turn so none starves. A seek or reset discards data fetched for the old position.
 */
export class Fetcher {
  private readonly fetchesInFlight = new Map<number, number>();
  private readonly pendingErrors: unknown[] = [];
  private waiters: Array<() => void> = [];
  private nextPartition = 0;
  private closed = false;
  private metadataRefreshing = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    private readonly config: FetcherConfig,
    /** Called when a partition's position must be looked up again (OFFSET_OUT_OF_RANGE). */
    private readonly onResetNeeded: () => void,
  ) {}

  /** Sends a Fetch to every leader that has fetchable partitions and no request outstanding. */
  sendFetches(): void {
    if (this.closed) return;
    const now = Date.now();
    const byLeader = new Map<number, PartitionState[]>();
    let leaderMissing = false;
    for (const s of this.subscriptions.all()) {
      if (s.paused || s.fetchInFlight || s.fetchOffset === null || s.position === null || s.retryAt > now) continue;
      if (s.buffered.length >= this.config.maxBufferedPerPartition) continue;
      const leader = this.cluster.metadata.leaderFor(s.topic, s.partition);
      if (leader < 0) {
        leaderMissing = true;
        continue;
      }
      if ((this.fetchesInFlight.get(leader) ?? 0) >= this.config.maxFetchesPerBroker) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(s);
    }
    if (leaderMissing) this.refreshMetadata();
    for (const [leader, states] of byLeader) {
      // Share the partitions among the requests this broker may still take.
      const requests = Math.min(states.length, this.config.maxFetchesPerBroker - (this.fetchesInFlight.get(leader) ?? 0));
      const size = Math.ceil(states.length / requests);
      for (let i = 0; i < states.length; i += size) this.fetchFrom(leader, states.slice(i, i + size));
    }
  }

  /** Records ready now, up to max, without waiting. Throws an error a fetch ran into (once). */
  async collect(max: number): Promise<ConsumerBatch[]> {
    if (this.pendingErrors.length > 0) throw this.pendingErrors.shift();
    const out: ConsumerBatch[] = [];
    const states = this.subscriptions.all();
    let remaining = max;
    for (let i = 0; i < states.length && remaining > 0; i++) {
      const s = states[(this.nextPartition + i) % states.length]!;
      while (remaining > 0 && !s.paused && s.position !== null && s.buffered.length > 0) {
        const cf = s.buffered[0]!;
        const epoch = s.epoch;
        if (cf.fetchEpoch !== epoch) {
          s.buffered.shift();
          continue;
        }
        let taken: { records: ConsumerBatch['messages']; position: bigint };
        try {
          taken = await cf.take(remaining, s.position);
        } catch (err) {
          // A corrupt batch: drop what is left of the response and let the application decide.
          s.buffered.shift();
          s.fetchOffset = s.position;
          throw err;
        }
        if (s.epoch !== epoch) break; // seeked while decoding
        s.position = taken.position;
        if (cf.isExhausted) s.buffered.shift();
        if (taken.records.length > 0) {
          out.push({ topic: s.topic, partition: s.partition, messages: taken.records, highWatermark: cf.highWatermark });
          remaining -= taken.records.length;
        }
      }
    }
    this.nextPartition = states.length === 0 ? 0 : (this.nextPartition + 1) % states.length;
    this.sendFetches();
    return out;
  }

  /** Whether poll() could return something (or an error) right now. */
  hasData(): boolean {
    if (this.pendingErrors.length > 0) return true;
    return this.subscriptions.all().some((s) => !s.paused && s.position !== null && s.buffered.some((cf) => cf.fetchEpoch === s.epoch));
  }

  /** Resolves when a fetch lands (with data or an error) or after timeoutMs. */
  waitForData(timeoutMs: number): Promise<void> {
    if (this.hasData() || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Wakes poll() (a rebalance or close needs its attention). */
  wakeup(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  close(): void {
    this.closed = true;
    this.wakeup();
  }

  private fetchFrom(nodeId: number, states: PartitionState[]): void {
    this.fetchesInFlight.set(nodeId, (this.fetchesInFlight.get(nodeId) ?? 0) + 1);
    const sent = states.map((s) => ({ state: s, epoch: s.epoch, offset: s.fetchOffset! }));
    for (const s of states) s.fetchInFlight = true;
    const byTopic = new Map<string, FetchRequest['topics'][number]>();
    for (const { state, offset } of sent) {
      let t = byTopic.get(state.topic);
      if (!t) byTopic.set(state.topic, (t = { topic: state.topic, topicId: ZERO_UUID, partitions: [] }));
      t.partitions.push({
        partition: state.partition,
        currentLeaderEpoch: -1,
        fetchOffset: offset,
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: this.config.maxPartitionBytes,
        replicaDirectoryId: ZERO_UUID,
      });
    }
    const body: FetchRequest = {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: this.config.maxWaitMs,
      minBytes: this.config.minBytes,
      maxBytes: this.config.maxBytes,
      isolationLevel: this.config.isolation === 'read_committed' ? 1 : 0,
      // No fetch session: every request is a full fetch.
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: [],
      rackId: '',
    };
    let broker;
    try {
      broker = this.cluster.broker(nodeId);
    } catch (err) {
      this.landed(nodeId, sent.map((x) => x.state));
      this.onRequestError(sent.map((x) => x.state), err);
      return;
    }
    broker
      .request(ApiKey.Fetch, () => body, { timeoutMs: this.config.requestTimeoutMs + this.config.maxWaitMs })
      .then(
        (response) => {
          this.landed(nodeId, sent.map((x) => x.state));
          try {
            this.onResponse(response, sent);
          } catch (err) {
            this.pendingErrors.push(err);
          }
        },
        (err: unknown) => {
          this.landed(nodeId, sent.map((x) => x.state));
          this.onRequestError(sent.map((x) => x.state), err);
        },
      )
      .finally(() => {
        this.wakeup();
        this.sendFetches();
      });
  }

  private landed(nodeId: number, states: PartitionState[]): void {
    this.fetchesInFlight.set(nodeId, (this.fetchesInFlight.get(nodeId) ?? 1) - 1);
    for (const s of states) s.fetchInFlight = false;
  }

  private onResponse(response: FetchResponse, sent: Array<{ state: PartitionState; epoch: number; offset: bigint }>): void {
    if (response.errorCode !== 0) {
      this.onRequestError(
        sent.map((x) => x.state),
        new KafkaError(response.errorCode, 'Fetch'),
      );
      return;
    }
    const now = Date.now();
    const byKey = new Map(sent.map((x) => [`${x.state.topic}\0${x.state.partition}`, x]));
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const entry = byKey.get(`${t.topic}\0${p.partitionIndex}`);
        // Unasked, unassigned since, or sought elsewhere meanwhile: the data is for nobody.
        if (!entry || entry.state.epoch !== entry.epoch || this.subscriptions.get(t.topic, p.partitionIndex) !== entry.state) continue;
        const s = entry.state;
        if (p.errorCode === ErrorCode.NONE) {
          let cf: CompletedFetch;
          try {
            cf = new CompletedFetch(t.topic, p.partitionIndex, p.records, entry.offset, p.highWatermark, s.epoch, this.config.isolation, p.abortedTransactions);
          } catch (err) {
            this.pendingErrors.push(err instanceof ProtocolError ? err : new KafkaError(ErrorCode.CORRUPT_MESSAGE, String(err)));
            s.retryAt = now + this.config.retryBackoffMs;
            continue;
          }
          s.highWatermark = p.highWatermark;
          if (!cf.isEmpty) {
            s.buffered.push(cf);
            s.fetchOffset = cf.nextFetchOffset;
          }
        } else if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (this.config.autoOffsetReset === 'none') {
            this.pendingErrors.push(new KafkaError(p.errorCode, `${t.topic}-${p.partitionIndex} at offset ${entry.offset} and auto.offset.reset is none`));
            s.retryAt = now + this.config.retryBackoffMs;
          } else {
            s.requestReset(this.config.autoOffsetReset);
            this.onResetNeeded();
          }
        } else if (STALE_LEADER.has(p.errorCode)) {
          s.retryAt = now + this.config.retryBackoffMs;
          this.refreshMetadata();
        } else {
          this.pendingErrors.push(new KafkaError(p.errorCode, `Fetch ${t.topic}-${p.partitionIndex}`));
          s.retryAt = now + this.config.retryBackoffMs;
        }
      }
    }
  }

  private onRequestError(states: PartitionState[], err: unknown): void {
    const retryAt = Date.now() + this.config.retryBackoffMs;
    for (const s of states) s.retryAt = retryAt;
    if (isRetriableError(err)) this.refreshMetadata();
    else if (!this.closed) this.pendingErrors.push(err);
    // Try again once the backoff has passed (nothing else may trigger a fetch meanwhile).
    setTimeout(() => this.sendFetches(), this.config.retryBackoffMs).unref();
  }

  private refreshMetadata(): void {
    if (this.metadataRefreshing) return;
    this.metadataRefreshing = true;
    this.cluster
      .refreshMetadata()
      .catch(() => undefined)
      .finally(() => {
        this.metadataRefreshing = false;
        setTimeout(() => this.sendFetches(), this.config.retryBackoffMs).unref();
      });
  }
}
