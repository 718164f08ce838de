import { ApiKey, ErrorCode, KafkaError, type JoinGroupResponse } from '@tributary/protocol';
import { type Cluster, CoordinatorType } from '../cluster/cluster.js';
import type { BrokerConnection } from '../cluster/broker-connection.js';
import { ClosedError, IllegalStateError, isRetriableError } from '../errors.js';
import { COORDINATOR_MOVED, type CommitIdentity } from '../offsets/group-offsets.js';
import { backoffMs, sleep } from '../util/backoff.js';
import type { Assignor, MemberSubscription, RebalanceProtocol } from './assignors/assignor.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import type { TopicPartition } from './types.js';

export interface GroupConfig {
  groupId: string;
  /** group.instance.id: static membership (a restart within the session timeout keeps the assignment). */
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** max.poll.interval.ms: how long the coordinator waits for members to rejoin. */
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  assignors: Assignor[];
  rackId: string | null;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  requestTimeoutMs: number;
}

/** What the member needs from its consumer, and tells it. */
export interface MembershipHooks {
  /** Topics the consumer subscribes to now. */
  topics(): string[];
  /** Partitions the consumer owns now. */
  owned(): TopicPartition[];
  /** Partitions given up in a rebalance (commit their offsets first). */
  onRevoked(tps: TopicPartition[]): Promise<void>;
  onAssigned(tps: TopicPartition[]): Promise<void>;
  /** Partitions taken away without a rebalance (session expired, fenced): nothing can be committed. */
  onLost(tps: TopicPartition[]): Promise<void>;
  /** A rebalance is needed: poll() should run it. */
  onRejoinNeeded(): void;
}

/** Errors after which the member must start over with a new member id or generation. */
const MEMBER_RESET = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.FENCED_INSTANCE_ID]);

/**
 * One consumer's membership in a group (Kafka's AbstractCoordinator + ConsumerCoordinator):
 * FindCoordinator, JoinGroup (retrying with the member id the coordinator assigns on
 * MEMBER_ID_REQUIRED), the leader's assignment, SyncGroup, heartbeats, LeaveGroup. Eager
 * assignors revoke everything before joining; cooperative ones keep their partitions and revoke
 * only what moved, then rejoin once more so the moved partitions reach their new owners.
 */
export class GroupMember {
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  isLeader = false;
  /** The rebalance protocol every configured assignor supports. */
  readonly protocol: RebalanceProtocol;
  private rejoinNeeded = true;
  private joining: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private fatal: unknown = null;
  /** Leader only: partition counts the assignment was computed from, to notice changes. */
  private assignedFromMetadata: Map<string, number> | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: GroupConfig,
    private readonly hooks: MembershipHooks,
  ) {
    if (config.assignors.length === 0) throw new IllegalStateError('a group consumer needs at least one assignor');
    this.protocol = config.assignors.every((a) => a.protocol === 'cooperative') ? 'cooperative' : 'eager';
  }

  /** The error that ended membership for good (authorization, fencing, bad config), or null. */
  get failure(): unknown {
    return this.fatal;
  }

  get needsRejoin(): boolean {
    return this.rejoinNeeded;
  }

  identity(): CommitIdentity {
    return { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId };
  }

  requestRejoin(): void {
    if (this.rejoinNeeded) return;
    this.rejoinNeeded = true;
    this.hooks.onRejoinNeeded();
  }

  /**
   * The leader rebalances when a subscribed topic's partition count changed (or a topic appeared);
   * called after metadata refreshes.
   */
  checkMetadata(): void {
    if (!this.isLeader || this.assignedFromMetadata === null || this.rejoinNeeded) return;
    for (const [topic, count] of this.assignedFromMetadata) {
      if ((this.cluster.metadata.topics.get(topic)?.partitions.length ?? 0) !== count) {
        this.requestRejoin();
        return;
      }
    }
  }

  /** Joins (or rejoins) the group if needed and returns once the member holds its assignment. */
  async ensureActive(): Promise<void> {
    if (this.fatal) throw this.fatal;
    if (this.closed) throw new ClosedError('consumer group membership');
    while (this.rejoinNeeded) {
      this.joining ??= this.rebalance().finally(() => {
        this.joining = null;
      });
      await this.joining;
    }
  }

  /** Leaves the group (dynamic members only, as Kafka: a static member keeps its place). */
  async leave(): Promise<void> {
    this.closed = true;
    this.stopHeartbeats();
    if (this.memberId === '' || this.config.groupInstanceId !== null) return;
    const memberId = this.memberId;
    this.memberId = '';
    this.generationId = -1;
    try {
      const coordinator = await this.cluster.coordinator(this.config.groupId);
      await coordinator.request(ApiKey.LeaveGroup, (version) => ({
        groupId: this.config.groupId,
        memberId: version <= 2 ? memberId : '',
        members: version >= 3 ? [{ memberId, groupInstanceId: null, reason: version >= 5 ? 'the consumer is closing' : null }] : [],
      }));
    } catch {
      // The coordinator will expire the member after the session timeout anyway.
    }
  }

  private async rebalance(): Promise<void> {
    this.stopHeartbeats();
    // Eager: give everything up before joining, so nothing is consumed twice.
    if (this.protocol === 'eager') {
      const owned = this.hooks.owned();
      if (owned.length > 0) await this.hooks.onRevoked(owned);
    }
    for (let attempt = 0; this.rejoinNeeded; attempt++) {
      if (this.closed) throw new ClosedError('consumer group membership');
      try {
        this.rejoinNeeded = false;
        await this.joinAndSync();
        this.startHeartbeats();
        return;
      } catch (err) {
        this.rejoinNeeded = true;
        if (err instanceof KafkaError && err.code === ErrorCode.FENCED_INSTANCE_ID) {
          this.fatal = err;
          throw err;
        }
        if (!(err instanceof KafkaError || isRetriableError(err)) || (err instanceof KafkaError && !this.isRecoverable(err))) {
          this.fatal = err;
          throw err;
        }
        await sleep(backoffMs(Math.min(attempt, 8), { initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }));
      }
    }
  }

  /** Errors a rejoin gets past (the rest are the application's: authorization, bad config...). */
  private isRecoverable(err: KafkaError): boolean {
    return err.retriable || MEMBER_RESET.has(err.code) || err.code === ErrorCode.REBALANCE_IN_PROGRESS || err.code === ErrorCode.MEMBER_ID_REQUIRED;
  }

  private async coordinator(): Promise<BrokerConnection> {
    return this.cluster.coordinator(this.config.groupId, CoordinatorType.Group);
  }

  private fail(code: number, what: string): KafkaError {
    const err = new KafkaError(code, `${what} for group ${this.config.groupId}`);
    if (COORDINATOR_MOVED.has(code)) this.cluster.invalidateCoordinator(this.config.groupId);
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_INSTANCE_ID) this.memberId = '';
    if (MEMBER_RESET.has(code)) this.generationId = -1;
    return err;
  }

  private async joinAndSync(): Promise<void> {
    const topics = this.hooks.topics();
    const owned = this.protocol === 'cooperative' ? groupTopics(this.hooks.owned()) : new Map<string, number[]>();
    let joined: JoinGroupResponse;
    for (;;) {
      const coordinator = await this.coordinator();
      const memberId = this.memberId;
      const metadata = encodeSubscription({ topics, userData: null, ownedPartitions: owned, generationId: this.generationId, rackId: this.config.rackId });
      joined = await coordinator
        .request(
          ApiKey.JoinGroup,
          (version) => ({
            groupId: this.config.groupId,
            sessionTimeoutMs: this.config.sessionTimeoutMs,
            rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
            memberId,
            groupInstanceId: version >= 5 ? this.config.groupInstanceId : null,
            protocolType: CONSUMER_PROTOCOL_TYPE,
            protocols: this.config.assignors.map((a) => ({ name: a.name, metadata })),
            reason: null,
          }),
          { timeoutMs: Math.max(this.config.requestTimeoutMs, this.config.rebalanceTimeoutMs + 5000) },
        )
        .catch((err: unknown) => {
          // The coordinator may have gone with the connection.
          this.cluster.invalidateCoordinator(this.config.groupId);
          throw err;
        });
      if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        // KIP-394: the coordinator assigned an id and wants it back in a second JoinGroup.
        this.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode !== ErrorCode.NONE) throw this.fail(joined.errorCode, 'JoinGroup');
      break;
    }
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.protocolName = joined.protocolName;
    this.isLeader = joined.leader === joined.memberId;
    const assignments = this.isLeader && !joined.skipAssignment ? await this.assign(joined) : [];

    const coordinator = await this.coordinator();
    const synced = await coordinator.request(ApiKey.SyncGroup, (version) => ({
      groupId: this.config.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: version >= 3 ? this.config.groupInstanceId : null,
      protocolType: version >= 5 ? CONSUMER_PROTOCOL_TYPE : null,
      protocolName: version >= 5 ? this.protocolName : null,
      assignments,
    }));
    if (synced.errorCode !== ErrorCode.NONE) throw this.fail(synced.errorCode, 'SyncGroup');

    const assigned = decodeAssignment(synced.assignment).partitions;
    const before = this.hooks.owned();
    const assignedList = flatten(assigned);
    const isAssigned = new Set(assignedList.map((tp) => `${tp.topic}\0${tp.partition}`));
    const wasOwned = new Set(before.map((tp) => `${tp.topic}\0${tp.partition}`));
    const revoked = before.filter((tp) => !isAssigned.has(`${tp.topic}\0${tp.partition}`));
    const added = assignedList.filter((tp) => !wasOwned.has(`${tp.topic}\0${tp.partition}`));
    if (revoked.length > 0) {
      await this.hooks.onRevoked(revoked);
      // Cooperative: what we gave up goes to its new owner in the next rebalance.
      if (this.protocol === 'cooperative') this.rejoinNeeded = true;
    }
    await this.hooks.onAssigned(added);
    // Our subscription changed while we were joining: go again.
    const now = this.hooks.topics();
    if (now.length !== topics.length || now.some((t) => !topics.includes(t))) this.rejoinNeeded = true;
    if (this.rejoinNeeded) this.hooks.onRejoinNeeded();
  }

  /** Leader: decode every member's subscription, run the chosen assignor, encode the results. */
  private async assign(joined: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.config.assignors.find((a) => a.name === joined.protocolName);
    if (!assignor) throw new IllegalStateError(`the group chose assignor ${joined.protocolName}, which this consumer does not have`);
    const subscriptions = new Map<string, MemberSubscription>();
    for (const m of joined.members) {
      const s = decodeSubscription(m.metadata);
      subscriptions.set(m.memberId, { memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...s });
    }
    const topics = [...new Set([...subscriptions.values()].flatMap((s) => s.topics))];
    this.cluster.addTopics(topics);
    await this.cluster.refreshMetadata();
    const partitionsPerTopic = new Map<string, number>();
    for (const t of topics) {
      const info = this.cluster.metadata.topics.get(t);
      if (info) partitionsPerTopic.set(t, info.partitions.length);
    }
    this.assignedFromMetadata = new Map(topics.map((t) => [t, partitionsPerTopic.get(t) ?? 0]));
    const assignment = assignor.assign(partitionsPerTopic, subscriptions);
    return [...assignment].map(([memberId, parts]) => ({ memberId, assignment: encodeAssignment(parts) }));
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    const beat = async () => {
      if (this.closed || this.rejoinNeeded) return;
      try {
        const coordinator = await this.coordinator();
        const response = await coordinator.request(ApiKey.Heartbeat, (version) => ({
          groupId: this.config.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: version >= 3 ? this.config.groupInstanceId : null,
        }));
        await this.onHeartbeat(response.errorCode);
      } catch {
        // The coordinator may have moved or died: look it up again on the next beat.
        this.cluster.invalidateCoordinator(this.config.groupId);
      }
      if (!this.closed && !this.rejoinNeeded) {
        this.heartbeatTimer = setTimeout(() => void beat(), this.config.heartbeatIntervalMs);
        this.heartbeatTimer.unref();
      }
    };
    this.heartbeatTimer = setTimeout(() => void beat(), this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private async onHeartbeat(code: number): Promise<void> {
    if (code === ErrorCode.NONE) return;
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.requestRejoin();
      return;
    }
    if (code === ErrorCode.FENCED_INSTANCE_ID) {
      // Another consumer took our group.instance.id: this one must stop, as in Java.
      this.fatal = this.fail(code, 'Heartbeat');
      const owned = this.hooks.owned();
      if (owned.length > 0) await this.hooks.onLost(owned);
      this.rejoinNeeded = true;
      this.hooks.onRejoinNeeded();
      return;
    }
    if (MEMBER_RESET.has(code)) {
      this.fail(code, 'Heartbeat');
      // Our partitions may already be someone else's: they are lost, not revoked.
      const owned = this.hooks.owned();
      if (owned.length > 0) await this.hooks.onLost(owned);
      this.requestRejoin();
      return;
    }
    if (COORDINATOR_MOVED.has(code)) this.cluster.invalidateCoordinator(this.config.groupId);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}

function groupTopics(tps: TopicPartition[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const tp of tps) {
    let list = out.get(tp.topic);
    if (!list) out.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return out;
}

function flatten(m: Map<string, number[]>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const [topic, ps] of m) for (const partition of ps) out.push({ topic, partition });
  return out;
}
