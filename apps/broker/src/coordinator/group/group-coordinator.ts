import type {
  DeleteGroupsResult,
  DescribedGroup,
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupRequest,
  LeaveGroupResult,
  ListGroupsRequest,
  ListGroupsResult,
  OffsetCommitRequest,
  OffsetCommitResult,
  OffsetDeleteRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  OffsetFetchResult,
  SyncGroupRequest,
  SyncGroupResult,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResult,
} from './api-types.js';
import { type GroupCoordinatorConfig, resolveGroupCoordinatorConfig } from './config.js';
import type { CoordinatorContext } from './coordinator-context.js';
import type { CoordinatorLog } from './coordinator-log.js';
import { GroupAdmin } from './group-admin.js';
import { GroupMetadataManager } from './group-metadata-manager.js';
import { GroupMembership } from './membership.js';
import { OffsetApis } from './offset-apis.js';
import { type Scheduler, type TimerHandle, systemScheduler } from './scheduler.js';

export interface GroupCoordinatorOptions {
  /** __consumer_offsets, bound by the broker to its log store. */
  readonly log: CoordinatorLog;
  /** Time and timers; ManualScheduler in tests. Default: real time. */
  readonly scheduler?: Scheduler;
  /** Overrides of Kafka's defaults. */
  readonly config?: Partial<GroupCoordinatorConfig>;
  /** Unexpected failures of background work (bugs); default console.error. */
  readonly onError?: (err: unknown) => void;
}

/**
 * The consumer-group coordinator for classic groups: membership (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup), committed offsets (OffsetCommit, OffsetFetch, OffsetDelete) and group administration
 * (DescribeGroups, ListGroups, DeleteGroups), with state persisted in __consumer_offsets. It only
 * serves groups of partitions it has loaded (loadPartition); other groups get NOT_COORDINATOR.
 * Handlers translate wire messages to these calls and back; no networking happens here.
 */
export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly scheduler: Scheduler;
  private readonly manager: GroupMetadataManager;
  private readonly membership: GroupMembership;
  private readonly offsetApis: OffsetApis;
  private readonly admin: GroupAdmin;
  private active = true;
  private expiryTimer: TimerHandle | null = null;

  constructor(options: GroupCoordinatorOptions) {
    this.config = resolveGroupCoordinatorConfig(options.config);
    this.scheduler = options.scheduler ?? systemScheduler;
    this.manager = new GroupMetadataManager(this.config, options.log, () => this.scheduler.now());
    const reportError = options.onError ?? ((err: unknown) => console.error('group coordinator:', err));
    const ctx: CoordinatorContext = {
      config: this.config,
      scheduler: this.scheduler,
      manager: this.manager,
      isActive: () => this.active,
      reportError,
    };
    this.membership = new GroupMembership(ctx);
    this.offsetApis = new OffsetApis(ctx, this.membership);
    this.admin = new GroupAdmin(ctx);
    this.scheduleOffsetExpiry(reportError);
  }

  /** The __consumer_offsets partition that holds the group (FindCoordinator answers with its leader). */
  partitionFor(groupId: string): number {
    return this.manager.partitionFor(groupId);
  }

  ownsPartition(partition: number): boolean {
    return this.manager.isPartitionOwned(partition);
  }

  /**
   * Becomes coordinator for a partition of __consumer_offsets: replays it and then serves its
   * groups (requests for them meanwhile get COORDINATOR_LOAD_IN_PROGRESS). Rejects with a
   * GroupCoordinatorError('CORRUPT_RECORD') if a record does not decode; the partition is then not served.
   */
  async loadPartition(partition: number): Promise<void> {
    if (!this.active) return;
    await this.manager.loadPartition(partition, (group) => this.membership.onGroupLoaded(group));
    if (!this.active) this.unloadPartition(partition);
  }

  /** Stops coordinating a partition (leadership moved): its waiting members get NOT_COORDINATOR. */
  unloadPartition(partition: number): void {
    this.manager.unloadPartition(partition, (group) => this.membership.onGroupUnloaded(group));
  }

  /** Shuts the coordinator down: every partition is unloaded, timers stop, later requests get COORDINATOR_NOT_AVAILABLE. */
  onClose(): void {
    this.active = false;
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    for (const partition of this.manager.ownedPartitionIds()) this.unloadPartition(partition);
  }

  /** Held until the join phase completes (or answered at once on error or MEMBER_ID_REQUIRED). */
  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.membership.joinGroup(req);
  }

  /** A follower's request is held until the leader's assignment has been written. */
  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    return this.membership.syncGroup(req);
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResult> {
    return this.membership.heartbeat(req);
  }

  async leaveGroup(req: LeaveGroupRequest): Promise<LeaveGroupResult> {
    return this.membership.leaveGroup(req);
  }

  async describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    return this.admin.describeGroups(groupIds);
  }

  async listGroups(req: ListGroupsRequest = {}): Promise<ListGroupsResult> {
    return this.admin.listGroups(req);
  }

  deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupsResult> {
    return this.admin.deleteGroups(groupIds);
  }

  commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitResult> {
    return this.offsetApis.commitOffsets(req);
  }

  /** TxnOffsetCommit: resolves once written; the offsets stay invisible until the transaction commits. */
  commitTransactionalOffsets(req: TxnOffsetCommitRequest): Promise<TxnOffsetCommitResult> {
    return this.offsetApis.commitTransactionalOffsets(req);
  }

  /**
   * The producer's transaction ended and its COMMIT (commit true) or ABORT marker has been written
   * to these partitions of __consumer_offsets (Kafka's scheduleHandleTxnCompletion): the producer's
   * pending offsets in the groups of those partitions become committed or are dropped.
   */
  async completeTransaction(producerId: number, offsetsPartitions: readonly number[], commit: boolean): Promise<void> {
    if (!this.active) return;
    await this.manager.completeTransaction(producerId, offsetsPartitions, commit);
  }

  async fetchOffsets(req: OffsetFetchRequest): Promise<OffsetFetchResult> {
    return this.offsetApis.fetchOffsets(req);
  }

  deleteOffsets(req: OffsetDeleteRequest): Promise<OffsetDeleteResult> {
    return this.offsetApis.deleteOffsets(req);
  }

  /** Runs the offset-retention purge now (it also runs every offsets.retention.check.interval.ms); resolves to the offsets removed. */
  async expireOffsets(): Promise<number> {
    if (!this.active) return 0;
    return this.manager.expireOffsets();
  }

  private scheduleOffsetExpiry(reportError: (err: unknown) => void): void {
    // Fixed rate, rescheduled before running so a slow purge never delays the next one.
    this.expiryTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      if (!this.active) return;
      this.scheduleOffsetExpiry(reportError);
      this.manager.expireOffsets().catch(reportError);
    });
  }
}
