import { ApiKey, ErrorCode, KafkaError, isRetriable } from '@tributary/protocol';
import { ClosedError, TimeoutError } from '../errors.js';
import type { ConnectionOptions } from '../network/connection.js';
import { sleep } from '../util/backoff.js';
import { type RetryOptions, withRetry } from '../util/retry.js';
import { BrokerConnection, type ReconnectOptions } from './broker-connection.js';
import { MetadataSnapshot, type TopicInfo } from './metadata.js';

export interface ClusterOptions extends Omit<ConnectionOptions, 'host' | 'port'>, ReconnectOptions {
  /** Bootstrap addresses, "host:port". */
  brokers: readonly string[];
  /** metadata.max.age.ms: metadata is refreshed at least this often; default 300000. */
  metadataMaxAgeMs: number;
  /** allow.auto.create.topics: ask the broker to create unknown topics named in Metadata requests. */
  allowAutoTopicCreation: boolean;
  /** Retry policy for cluster-level requests (Metadata, FindCoordinator). */
  retry: Omit<RetryOptions, 'shouldRetry' | 'onRetry' | 'signal'>;
}

export const enum CoordinatorType {
  Group = 0,
  Transaction = 1,
}

/** Parses "host:port" (IPv6 as "[::1]:9092"). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`broker address "${address}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * The client's view of the cluster: brokers by node id, topic metadata with partition leaders,
 * group coordinators, and connections to each. Metadata is fetched for the topics someone is
 * interested in, refreshed when a request reports stale leadership (NOT_LEADER_OR_FOLLOWER,
 * UNKNOWN_TOPIC_OR_PARTITION...) and at least every metadata.max.age.ms.
 */
export class Cluster {
  private snapshot = MetadataSnapshot.empty();
  private readonly brokers = new Map<number, BrokerConnection>();
  private readonly coordinatorConnections = new Map<number, BrokerConnection>();
  private readonly bootstrap: BrokerConnection[];
  private readonly interest = new Set<string>();
  private readonly coordinators = new Map<string, Promise<BrokerConnection>>();
  private refreshing: Promise<void> | null = null;
  private queuedRefresh: Promise<void> | null = null;
  private wantAllTopics = false;
  private ageTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private nextBootstrap = 0;
  private readonly connectionOptions: Omit<ConnectionOptions, 'host' | 'port'> & ReconnectOptions;
  private readonly updateListeners: Array<(snapshot: MetadataSnapshot) => void> = [];

  constructor(private readonly options: ClusterOptions) {
    if (options.brokers.length === 0) throw new Error('at least one bootstrap broker address is needed');
    const { brokers: _brokers, metadataMaxAgeMs: _age, allowAutoTopicCreation: _auto, retry: _retry, ...connectionOptions } = options;
    this.connectionOptions = connectionOptions;
    this.bootstrap = options.brokers.map((a, i) => {
      const { host, port } = parseAddress(a);
      return new BrokerConnection(-1 - i, host, port, connectionOptions);
    });
  }

  get metadata(): MetadataSnapshot {
    return this.snapshot;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  /** Fetches initial metadata (brokers and the topics of interest). */
  async connect(): Promise<void> {
    await this.refreshMetadata();
    this.scheduleAgeRefresh();
  }

  /** Called after every metadata refresh (pattern subscriptions, the group leader's partition watch). */
  onMetadataUpdate(listener: (snapshot: MetadataSnapshot) => void): void {
    this.updateListeners.push(listener);
  }

  /** Adds topics whose metadata every refresh should include. */
  addTopics(topics: Iterable<string>): void {
    for (const t of topics) this.interest.add(t);
  }

  /** Makes every refresh fetch all topics (pattern subscriptions need the full list). */
  watchAllTopics(on: boolean): void {
    this.wantAllTopics = on;
  }

  /**
   * Refreshes metadata for the topics of interest (or all topics). Concurrent callers share one
   * request; a call made while a request is in flight gets a fresh one after it, so a caller never
   * sees a response sent before it asked.
   */
  refreshMetadata(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('client'));
    if (this.refreshing) {
      this.queuedRefresh ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.queuedRefresh = null;
          return this.refreshMetadata();
        });
      return this.queuedRefresh;
    }
    this.refreshing = this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Metadata for these topics, waiting (with refreshes) until each is known or timeoutMs passes. */
  async topics(names: readonly string[], timeoutMs: number): Promise<TopicInfo[]> {
    this.addTopics(names);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const missing = names.filter((n) => !this.snapshot.topics.has(n));
      if (missing.length === 0) return names.map((n) => this.snapshot.topics.get(n)!);
      for (const n of missing) {
        const code = this.snapshot.topicErrors.get(n);
        // A topic the broker refuses for good (invalid name, not authorized) will not appear by waiting.
        if (code !== undefined && !isRetriable(code) && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaError(code, `topic ${n}`);
      }
      if (Date.now() >= deadline || this.closed) {
        const code = this.snapshot.topicErrors.get(missing[0]!);
        throw new TimeoutError(
          `topic ${missing.join(', ')} not present in metadata after ${timeoutMs} ms${code !== undefined ? ` (${new KafkaError(code).type})` : ''}`,
        );
      }
      if (attempt > 0) await sleep(Math.min(this.options.retry.initialMs * 2 ** Math.min(attempt, 4), Math.max(0, deadline - Date.now())));
      await this.refreshMetadata().catch(() => undefined);
    }
  }

  /** The connection to a broker by node id, from the latest metadata. */
  broker(nodeId: number): BrokerConnection {
    const existing = this.brokers.get(nodeId);
    if (existing) return existing;
    const info = this.snapshot.brokers.get(nodeId);
    if (!info) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    const conn = new BrokerConnection(nodeId, info.host, info.port, this.connectionOptions);
    this.brokers.set(nodeId, conn);
    return conn;
  }

  /** The broker leading a partition, or null when metadata knows no leader. */
  leader(topic: string, partition: number): BrokerConnection | null {
    const leader = this.snapshot.leaderFor(topic, partition);
    if (leader < 0 || !this.snapshot.brokers.has(leader)) return null;
    return this.broker(leader);
  }

  /**
   * A broker for requests any broker can answer: the connected one with the fewest requests in
   * flight (Kafka's least-loaded node); else a known broker, then a bootstrap address, preferring
   * ones not backing off after a failed connect. Bootstrap addresses are tried in turn, so one
   * dead address costs one attempt, not a coin flip on every retry.
   */
  anyBroker(): BrokerConnection {
    let best: BrokerConnection | null = null;
    for (const b of this.brokers.values()) {
      if (b.current && this.snapshot.brokers.has(b.nodeId) && (best === null || b.inFlight < best.inFlight)) best = b;
    }
    if (best) return best;
    const known = [...this.snapshot.brokers.keys()].map((id) => this.broker(id));
    const ready = known.filter((b) => !b.isBackingOff);
    if (ready.length > 0) return ready[Math.floor(Math.random() * ready.length)]!;
    for (let i = 0; i < this.bootstrap.length; i++) {
      const b = this.bootstrap[this.nextBootstrap++ % this.bootstrap.length]!;
      if (!b.isBackingOff) return b;
    }
    if (known.length > 0) return known[Math.floor(Math.random() * known.length)]!;
    return this.bootstrap[this.nextBootstrap++ % this.bootstrap.length]!;
  }

  /** The controller, for CreateTopics and friends; any broker when none is known (KRaft forwards). */
  controller(): BrokerConnection {
    const id = this.snapshot.controllerId;
    return id >= 0 && this.snapshot.brokers.has(id) ? this.broker(id) : this.anyBroker();
  }

  /**
   * The coordinator of a group or transactional id, looked up once and cached until
   * invalidateCoordinator. It gets its own connection (as Kafka's clients do), so group traffic
   * does not queue behind a long-polling Fetch to the same broker.
   */
  coordinator(key: string, type: CoordinatorType = CoordinatorType.Group): Promise<BrokerConnection> {
    const cacheKey = `${type}:${key}`;
    let found = this.coordinators.get(cacheKey);
    if (!found) {
      found = this.findCoordinator(key, type);
      this.coordinators.set(cacheKey, found);
      found.catch(() => this.coordinators.delete(cacheKey));
    }
    return found;
  }

  /** Forgets a coordinator after NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE or a dropped connection. */
  invalidateCoordinator(key: string, type: CoordinatorType = CoordinatorType.Group): void {
    this.coordinators.delete(`${type}:${key}`);
  }

  /** Runs fn with this client's retry policy (retriable errors only), refreshing metadata between attempts. */
  retry<T>(fn: (attempt: number) => Promise<T>, extra?: Partial<RetryOptions>): Promise<T> {
    return withRetry(fn, {
      ...this.options.retry,
      onRetry: () => this.refreshMetadata().catch(() => undefined),
      ...extra,
    });
  }

  close(): void {
    this.closed = true;
    if (this.ageTimer) clearTimeout(this.ageTimer);
    for (const b of [...this.brokers.values(), ...this.coordinatorConnections.values(), ...this.bootstrap]) b.close();
  }

  private async findCoordinator(key: string, type: CoordinatorType): Promise<BrokerConnection> {
    return this.retry(async () => {
      const response = await this.anyBroker().request(ApiKey.FindCoordinator, (version) => ({
        key: version <= 3 ? key : '',
        keyType: type,
        coordinatorKeys: version >= 4 ? [key] : [],
      }));
      let errorCode = response.errorCode;
      let nodeId = response.nodeId;
      let host = response.host;
      let port = response.port;
      let message = response.errorMessage;
      const batched = response.coordinators.find((c) => c.key === key);
      if (batched) ({ errorCode, nodeId, host, port, errorMessage: message } = batched);
      if (errorCode !== 0) throw new KafkaError(errorCode, `FindCoordinator(${key})${message ? `: ${message}` : ''}`);
      let conn = this.coordinatorConnections.get(nodeId);
      if (conn) conn.updateAddress(host, port);
      else {
        conn = new BrokerConnection(nodeId, host, port, this.connectionOptions);
        this.coordinatorConnections.set(nodeId, conn);
      }
      return conn;
    });
  }

  private async doRefresh(): Promise<void> {
    const all = this.wantAllTopics;
    const names = [...this.interest];
    await this.retry(async () => {
      const broker = this.anyBroker();
      const response = await broker.request(ApiKey.Metadata, (version) => ({
        topics: all ? null : names.map((name) => ({ topicId: Buffer.alloc(16), name })),
        // Before v4 the broker decides alone (the field does not exist, and defaults to true).
        allowAutoTopicCreation: version < 4 || this.options.allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }));
      this.snapshot = this.snapshot.merge(response, Date.now(), all);
      for (const [id, info] of this.snapshot.brokers) this.brokers.get(id)?.updateAddress(info.host, info.port);
      // Brokers are known by id now; the bootstrap connection would only duplicate one of them.
      if (broker.nodeId < 0 && this.snapshot.brokers.size > 0) broker.disconnect();
    }, { onRetry: () => undefined });
    for (const l of this.updateListeners) l(this.snapshot);
  }

  private scheduleAgeRefresh(): void {
    if (this.closed) return;
    this.ageTimer = setTimeout(() => {
      this.refreshMetadata()
        .catch(() => undefined)
        .finally(() => this.scheduleAgeRefresh());
    }, this.options.metadataMaxAgeMs);
    this.ageTimer.unref();
  }
}
