import { ErrorCode } from '@tributary/protocol';
import type {
  OffsetCommitRequest,
  OffsetCommitResult,
  OffsetDeleteRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  OffsetFetchResult,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResult,
} from './api-types.js';
import type { CoordinatorContext } from './coordinator-context.js';
import type { OffsetToStore } from './group-metadata-manager.js';
import type { GroupMembership } from './membership.js';
import { validateGroupStatus, validateOffsetCommit } from './validation.js';

/** OffsetCommit, TxnOffsetCommit, OffsetFetch and OffsetDelete, with Kafka's rules for who may do what in which group state. */
export class OffsetApis {
  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly membership: GroupMembership,
  ) {}

  /** Resolves only after the commit has been appended to __consumer_offsets (or failed). */
  async commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitResult> {
    const all = (errorCode: number): OffsetCommitResult => ({
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'OffsetCommit');
    if (statusError !== null) return all(statusError);

    const generationId = req.generationIdOrMemberEpoch;
    let group = this.ctx.manager.getGroup(req.groupId);
    if (!group) {
      // Generation -1: a consumer managing its own partitions (or the admin client) uses Kafka only
      // to store offsets, and that creates the group. Anything else comes from a generation long gone.
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.ctx.manager.addGroup(this.ctx.manager.newGroup(req.groupId));
    }
    const validationError = validateOffsetCommit(group, generationId, req.memberId, req.groupInstanceId);
    if (validationError !== null) return all(validationError);

    switch (group.state) {
      case 'Empty':
        break;
      case 'Stable':
      case 'PreparingRebalance':
        // Allowed during PreparingRebalance: the member learns of the rebalance from its heartbeat.
        // A commit is a sign of life.
        this.membership.heartbeatReceived(group, group.get(req.memberId));
        break;
      case 'CompletingRebalance':
        // A member of the new generation that has not synced yet cannot own partitions to commit.
        return all(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Dead':
        return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }

    const now = this.ctx.scheduler.now();
    const retention = req.retentionTimeMs ?? -1n;
    const expireTimestamp = retention === -1n ? null : now + Number(retention);
    const entries: OffsetToStore[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const commitTimestamp = p.commitTimestamp === undefined || p.commitTimestamp === -1n ? now : Number(p.commitTimestamp);
        entries.push({
          topic: t.name,
          partition: p.partitionIndex,
          value: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch ?? -1,
            metadata: p.committedMetadata ?? '',
            commitTimestamp,
            expireTimestamp,
          },
        });
      }
    }
    const codes = await this.ctx.manager.storeOffsets(group, entries);
    let i = 0;
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i++]! })),
      })),
    };
  }

  /**
   * Kafka's handleTxnCommitOffsets: stores the offsets as part of the producer's transaction and
   * resolves once they are written; they count only when the transaction commits. The group is
   * created if unknown; the member and generation are checked only when the request names them
   * (v3+), and the group state does not matter, as in Kafka.
   */
  async commitTransactionalOffsets(req: TxnOffsetCommitRequest): Promise<TxnOffsetCommitResult> {
    const all = (errorCode: number): TxnOffsetCommitResult => ({
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'TxnOffsetCommit');
    if (statusError !== null) return all(statusError);
    const manager = this.ctx.manager;
    const group = manager.getGroup(req.groupId) ?? manager.addGroup(manager.newGroup(req.groupId));
    const validationError = validateOffsetCommit(group, req.generationId, req.memberId, req.groupInstanceId, true);
    if (validationError !== null) return all(validationError);

    const now = this.ctx.scheduler.now();
    const entries: OffsetToStore[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        entries.push({
          topic: t.name,
          partition: p.partitionIndex,
          value: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? '', commitTimestamp: now, expireTimestamp: null },
        });
      }
    }
    const codes = await manager.storeTxnOffsets(group, { producerId: req.producerId, producerEpoch: req.producerEpoch }, entries);
    let i = 0;
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i++]! })),
      })),
    };
  }

  /** Offsets are answered whatever the group's state: a group may use Kafka only to store them. */
  fetchOffsets(req: OffsetFetchRequest): OffsetFetchResult {
    return {
      groups: req.groups.map((g) => {
        const statusError = validateGroupStatus(this.ctx, g.groupId, 'OffsetFetch');
        if (statusError !== null) return { groupId: g.groupId, errorCode: statusError, topics: [] };
        return { groupId: g.groupId, errorCode: ErrorCode.NONE, topics: this.ctx.manager.getOffsets(g.groupId, req.requireStable ?? false, g.topics) };
      }),
    };
  }

  /**
   * Deletes committed offsets. Any offset of an Empty group may go; while a consumer group has
   * members, offsets of topics it subscribes to are refused with GROUP_SUBSCRIBED_TO_TOPIC; a
   * non-consumer group with members refuses entirely (NON_EMPTY_GROUP).
   */
  async deleteOffsets(req: OffsetDeleteRequest): Promise<OffsetDeleteResult> {
    const groupFailure = (errorCode: number): OffsetDeleteResult => ({ errorCode, topics: [] });
    const statusError = validateGroupStatus(this.ctx, req.groupId, 'OffsetDelete');
    if (statusError !== null) return groupFailure(statusError);
    const manager = this.ctx.manager;
    const missing = () => groupFailure(manager.groupNotExists(req.groupId) ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NOT_COORDINATOR);
    const group = manager.getGroup(req.groupId);
    if (!group || group.is('Dead')) return missing();

    let deletable: (topic: string) => boolean;
    if (group.is('Empty')) {
      deletable = () => true;
    } else if (group.isConsumerGroup) {
      deletable = (topic) => !group.isSubscribedToTopic(topic);
    } else {
      return groupFailure(ErrorCode.NON_EMPTY_GROUP);
    }

    const eligible: Array<[string, number]> = [];
    for (const t of req.topics) {
      if (deletable(t.name)) for (const p of t.partitions) eligible.push([t.name, p.partitionIndex]);
    }
    const deletionError = eligible.length > 0 ? await manager.deleteOffsets(group, eligible) : ErrorCode.NONE;
    return {
      errorCode: ErrorCode.NONE,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: deletable(t.name) ? deletionError : ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
        })),
      })),
    };
  }
}
