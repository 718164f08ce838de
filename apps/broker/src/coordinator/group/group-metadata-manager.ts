import { ErrorCode } from '@tributary/protocol';
import type { OffsetFetchPartitionResult, OffsetFetchRequestGroup } from './api-types.js';
import { appendFailureCode, offsetCommitErrorFor, storeGroupErrorFor } from './append-errors.js';
import type { GroupCoordinatorConfig } from './config.js';
import type { CoordinatorLog, CoordinatorRecord, TransactionalProducer } from './coordinator-log.js';
import {
  type GroupMetadataValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './coordinator-records.js';
import { GroupCoordinatorError } from './errors.js';
import { GroupMetadata } from './group-metadata.js';
import type { OffsetAndMetadata } from './group-offsets.js';
import type { GroupState } from './group-state.js';
import { MemberMetadata } from './member-metadata.js';
import { expiredOffsets } from './offset-expiry.js';
import { partitionForGroup } from './partition-for-group.js';
import { replayPartition } from './partition-replay.js';
import { TopicPartitionMap } from './topic-partition-map.js';

export interface OffsetToStore {
  readonly topic: string;
  readonly partition: number;
  readonly value: OffsetAndMetadata;
}

/**
 * The coordinator's storage side (Kafka's GroupMetadataManager): the cache of groups, which
 * partitions of __consumer_offsets this coordinator owns or is loading, and every write to and read
 * from the log: group metadata, offset commits, tombstones, loading a partition back.
 */
export class GroupMetadataManager {
  private readonly groups = new Map<string, GroupMetadata>();
  private readonly ownedPartitions = new Set<number>();
  private readonly loadingPartitions = new Set<number>();
  /** The replay of each partition being loaded (a transaction completing meanwhile waits for it). */
  private readonly loads = new Map<number, Promise<void>>();
  /** Kafka's openGroupsForProducer: the groups holding a producer's uncommitted offsets. */
  private readonly openGroupsForProducer = new Map<number, Set<string>>();

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly log: CoordinatorLog,
    private readonly clock: () => number,
  ) {}

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.config.offsetsTopicNumPartitions);
  }

  isPartitionOwned(partition: number): boolean {
    return this.ownedPartitions.has(partition);
  }

  isPartitionLoading(partition: number): boolean {
    return this.loadingPartitions.has(partition);
  }

  isGroupLocal(groupId: string): boolean {
    return this.ownedPartitions.has(this.partitionFor(groupId));
  }

  isGroupLoading(groupId: string): boolean {
    return this.loadingPartitions.has(this.partitionFor(groupId));
  }

  get isLoading(): boolean {
    return this.loadingPartitions.size > 0;
  }

  ownedPartitionIds(): number[] {
    return [...this.ownedPartitions];
  }

  /** The group is ours and there is no live group by that id. */
  groupNotExists(groupId: string): boolean {
    if (!this.isGroupLocal(groupId)) return false;
    const g = this.groups.get(groupId);
    return !g || g.is('Dead');
  }

  newGroup(groupId: string, state: GroupState = 'Empty'): GroupMetadata {
    return new GroupMetadata(groupId, state, this.clock);
  }

  getGroup(groupId: string): GroupMetadata | undefined {
    return this.groups.get(groupId);
  }

  getOrMaybeCreateGroup(groupId: string, create: boolean): GroupMetadata | undefined {
    const g = this.groups.get(groupId);
    if (g || !create) return g;
    return this.addGroup(this.newGroup(groupId));
  }

  /** Adds the group unless one with its id is cached already; returns the cached one. */
  addGroup(group: GroupMetadata): GroupMetadata {
    const existing = this.groups.get(group.groupId);
    if (existing) return existing;
    this.groups.set(group.groupId, group);
    return group;
  }

  currentGroups(): GroupMetadata[] {
    return [...this.groups.values()];
  }

  private removeFromCache(group: GroupMetadata): boolean {
    if (this.groups.get(group.groupId) !== group) return false;
    this.groups.delete(group.groupId);
    return true;
  }

  /**
   * Persists the group's membership with the given assignment (every member must have one);
   * resolves to the Kafka error code the members should see (NONE when written).
   */
  async storeGroup(group: GroupMetadata, assignment: ReadonlyMap<string, Buffer>): Promise<number> {
    const value = encodeGroupMetadataValue(this.groupMetadataValue(group, assignment));
    try {
      await this.log.append(this.partitionFor(group.groupId), [{ key: encodeGroupMetadataKey(group.groupId), value }]);
      return ErrorCode.NONE;
    } catch (err) {
      return storeGroupErrorFor(appendFailureCode(err));
    }
  }

  private groupMetadataValue(group: GroupMetadata, assignment: ReadonlyMap<string, Buffer>): GroupMetadataValue {
    const protocol = group.protocolName;
    const members = group.allMembers().map((m) => {
      if (protocol === null) {
        throw new GroupCoordinatorError('ILLEGAL_STATE', `group ${group.groupId} has members but no selected protocol`);
      }
      const a = assignment.get(m.memberId);
      if (!a) throw new GroupCoordinatorError('ILLEGAL_STATE', `member ${m.memberId} of ${group.groupId} has no assignment to store`);
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadata(protocol),
        assignment: a,
      };
    });
    return {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderOrNull,
      currentStateTimestamp: group.currentStateTimestamp ?? -1,
      members,
    };
  }

  /** Kafka compares String.length(), i.e. UTF-16 units, despite the setting's name. */
  validMetadata(metadata: string): boolean {
    return metadata.length <= this.config.offsetMetadataMaxBytes;
  }

  /**
   * Appends the commits as one batch and, once the append resolved, makes them visible. Resolves to
   * one error code per input entry: OFFSET_METADATA_TOO_LARGE for oversized metadata (those are
   * not written), else the outcome of the append.
   */
  async storeOffsets(group: GroupMetadata, entries: readonly OffsetToStore[]): Promise<number[]> {
    const written = this.writableOffsets(entries);
    if (written.length === 0) return entries.map(() => ErrorCode.OFFSET_METADATA_TOO_LARGE);
    const records = offsetRecords(group.groupId, written);
    const seq = group.offsets.beginWrite(written.map(([t, p]) => [t, p] as const));
    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(this.partitionFor(group.groupId), records);
    } catch (err) {
      error = offsetCommitErrorFor(appendFailureCode(err));
    }
    for (const [topic, partition, value] of written) {
      // A group deleted while the commit was in flight stays deleted (as in Kafka).
      if (error === ErrorCode.NONE && !group.is('Dead')) group.offsets.completeWrite(seq, topic, partition, value);
      else group.offsets.failWrite(topic, partition);
    }
    return entries.map((e) => (this.validMetadata(e.value.metadata) ? error : ErrorCode.OFFSET_METADATA_TOO_LARGE));
  }

  /**
   * A TxnOffsetCommit (Kafka's storeOffsets with a producer id): appends the offsets as one batch
   * of the producer's transaction. They stay pending, invisible to OffsetFetch, until the
   * transaction's marker is written (completeTransaction, or a replay that reads the marker).
   * Resolves to one error code per entry, as storeOffsets.
   */
  async storeTxnOffsets(group: GroupMetadata, producer: TransactionalProducer, entries: readonly OffsetToStore[]): Promise<number[]> {
    const written = this.writableOffsets(entries);
    if (written.length === 0) return entries.map(() => ErrorCode.OFFSET_METADATA_TOO_LARGE);
    const records = offsetRecords(group.groupId, written);
    const { producerId } = producer;
    this.addProducerGroup(producerId, group.groupId);
    const seq = group.offsets.beginTxnWrite(producerId, written);
    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(this.partitionFor(group.groupId), records, producer);
    } catch (err) {
      error = offsetCommitErrorFor(appendFailureCode(err));
    }
    // A group deleted meanwhile dropped its pending offsets already.
    if (!group.is('Dead')) {
      for (const [topic, partition] of written) {
        if (error === ErrorCode.NONE) group.offsets.completeTxnWrite(producerId, seq, topic, partition);
        else group.offsets.failTxnWrite(producerId, seq, topic, partition);
      }
    }
    if (!group.offsets.hasPendingTxnFrom(producerId)) this.removeProducerGroup(producerId, group.groupId);
    return entries.map((e) => (this.validMetadata(e.value.metadata) ? error : ErrorCode.OFFSET_METADATA_TOO_LARGE));
  }

  /**
   * The producer's transaction ended with markers written to these partitions of
   * __consumer_offsets (Kafka's handleTxnCompletion): its pending offsets in the groups of those
   * partitions are committed or dropped. A partition still loading is waited for, since its
   * replay may or may not have read the marker.
   */
  async completeTransaction(producerId: number, partitions: readonly number[], commit: boolean): Promise<void> {
    const loading = partitions.flatMap((p) => this.loads.get(p) ?? []);
    if (loading.length > 0) await Promise.all(loading.map((l) => l.catch(() => undefined)));
    const groupIds = this.openGroupsForProducer.get(producerId);
    if (!groupIds) return;
    const completed = new Set(partitions);
    for (const groupId of [...groupIds]) {
      if (!completed.has(this.partitionFor(groupId))) continue;
      const group = this.groups.get(groupId);
      if (group && !group.is('Dead')) group.offsets.completeTxn(producerId, commit);
      this.removeProducerGroup(producerId, groupId);
    }
  }

  /** The group leaves the cache (deleted or unloaded): its open transactions' offsets go with it. */
  private forgetPendingTxn(group: GroupMetadata): void {
    for (const producerId of group.offsets.pendingTxnProducers()) this.removeProducerGroup(producerId, group.groupId);
    group.offsets.clearPendingTxn();
  }

  private addProducerGroup(producerId: number, groupId: string): void {
    let groups = this.openGroupsForProducer.get(producerId);
    if (!groups) this.openGroupsForProducer.set(producerId, (groups = new Set()));
    groups.add(groupId);
  }

  private removeProducerGroup(producerId: number, groupId: string): void {
    const groups = this.openGroupsForProducer.get(producerId);
    if (groups?.delete(groupId) && groups.size === 0) this.openGroupsForProducer.delete(producerId);
  }

  /** The entries worth writing: valid metadata, the latest entry for a partition named twice (as in Kafka's map of offsets). */
  private writableOffsets(entries: readonly OffsetToStore[]): Array<[string, number, OffsetAndMetadata]> {
    const toWrite = new TopicPartitionMap<OffsetAndMetadata>();
    for (const e of entries) if (this.validMetadata(e.value.metadata)) toWrite.set(e.topic, e.partition, e.value);
    return [...toWrite.entries()];
  }

  /**
   * Committed offsets of one group: the requested partitions (-1 and no metadata where nothing is
   * committed) or, for topics null, every committed partition.
   */
  getOffsets(
    groupId: string,
    requireStable: boolean,
    topics: OffsetFetchRequestGroup['topics'],
  ): Array<{ name: string; partitions: OffsetFetchPartitionResult[] }> {
    const group = this.groups.get(groupId);
    const live = group && !group.is('Dead') ? group : null;
    const partitionResult = (topic: string, partitionIndex: number): OffsetFetchPartitionResult => {
      if (live && requireStable && (live.offsets.hasPending(topic, partitionIndex) || live.offsets.hasPendingTxn(topic, partitionIndex))) {
        return noOffset(partitionIndex, ErrorCode.UNSTABLE_OFFSET_COMMIT);
      }
      const o = live?.offsets.get(topic, partitionIndex);
      if (!o) return noOffset(partitionIndex, ErrorCode.NONE);
      return { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    };

    if (topics !== null) {
      return topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => partitionResult(t.name, p)) }));
    }
    if (!live) return [];
    const byTopic = new Map<string, OffsetFetchPartitionResult[]>();
    for (const [topic, partition] of live.offsets.entries()) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(partitionResult(topic, partition));
    }
    return [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  }

  /**
   * Deletes whole groups (already marked Dead by the caller): tombstones for every offset and, for
   * groups that ever had a generation, for the group metadata. Only once they are written is the
   * group dropped from memory; if the write fails the group is brought back as Empty and the
   * mapped error is returned.
   */
  async deleteGroups(groups: readonly GroupMetadata[]): Promise<Map<string, number>> {
    const results = new Map<string, number>();
    await Promise.all(
      groups.map(async (group) => {
        const tombstones: CoordinatorRecord[] = [];
        for (const [topic, partition] of group.offsets.entries()) {
          tombstones.push({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null });
        }
        if (group.generationId > 0) tombstones.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
        try {
          if (tombstones.length > 0) await this.log.append(this.partitionFor(group.groupId), tombstones);
        } catch (err) {
          group.reviveAfterFailedDeletion();
          results.set(group.groupId, offsetCommitErrorFor(appendFailureCode(err)));
          return;
        }
        for (const [topic, partition] of [...group.offsets.entries()]) group.offsets.remove(topic, partition);
        this.forgetPendingTxn(group);
        this.removeFromCache(group);
        results.set(group.groupId, ErrorCode.NONE);
      }),
    );
    return results;
  }

  /**
   * Deletes some offsets of a group with tombstones; resolves to the error for all of them (NONE
   * once written). A group left Empty without offsets is then removed, as Kafka's cleanup does.
   */
  async deleteOffsets(group: GroupMetadata, partitions: ReadonlyArray<readonly [string, number]>): Promise<number> {
    const seq = group.offsets.beginWrite(partitions);
    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(
        this.partitionFor(group.groupId),
        partitions.map(([topic, partition]) => ({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null })),
      );
    } catch (err) {
      error = offsetCommitErrorFor(appendFailureCode(err));
    }
    for (const [topic, partition] of partitions) {
      if (error === ErrorCode.NONE) group.offsets.completeWrite(seq, topic, partition, null);
      else group.offsets.failWrite(topic, partition);
    }
    if (error === ErrorCode.NONE) await this.removeGroupIfGone(group);
    return error;
  }

  /**
   * The periodic purge: drops expired offsets (with tombstones) and groups that are Empty with no
   * offsets left. As in Kafka the tombstones are best effort: one lost now is written again by a
   * later purge after the next load. Resolves to the number of offsets removed.
   */
  async expireOffsets(): Promise<number> {
    const now = this.clock();
    let removed = 0;
    const writes: Array<Promise<void>> = [];
    for (const group of this.currentGroups()) {
      // A Dead group is being deleted (its tombstones are in flight); leave it to that deletion.
      if (group.is('Dead')) continue;
      const expired = expiredOffsets(group, now, this.config.offsetsRetentionMs);
      for (const [topic, partition] of expired) group.offsets.remove(topic, partition);
      removed += expired.length;
      const tombstones: CoordinatorRecord[] = expired.map(([topic, partition]) => ({
        key: encodeOffsetCommitKey(group.groupId, topic, partition),
        value: null,
      }));
      tombstones.push(...this.markDeadIfGone(group));
      if (tombstones.length > 0) writes.push(this.bestEffortAppend(group.groupId, tombstones));
    }
    await Promise.all(writes);
    return removed;
  }

  private async removeGroupIfGone(group: GroupMetadata): Promise<void> {
    const tombstones = this.markDeadIfGone(group);
    if (tombstones.length > 0) await this.bestEffortAppend(group.groupId, tombstones);
  }

  /** An Empty group without offsets is over: Dead, out of the cache, and a group tombstone if it was ever written. */
  private markDeadIfGone(group: GroupMetadata): CoordinatorRecord[] {
    if (!group.is('Empty') || group.offsets.hasOffsets()) return [];
    group.transitionTo('Dead');
    // A group that never had a generation only stored offsets: there is no metadata record to delete.
    if (this.removeFromCache(group) && group.generationId > 0) {
      return [{ key: encodeGroupMetadataKey(group.groupId), value: null }];
    }
    return [];
  }

  private async bestEffortAppend(groupId: string, records: CoordinatorRecord[]): Promise<void> {
    try {
      await this.log.append(this.partitionFor(groupId), records);
    } catch {
      // Kafka appends cleanup tombstones with acks=0 and ignores failures: state in memory is already
      // gone, and a reload followed by the next purge removes it again.
    }
  }

  /**
   * Becomes coordinator for a partition: replays its records (latest wins, tombstones delete),
   * rebuilds groups and offsets, and only then serves the partition. Groups with members come back
   * Stable, the others Empty. Transactional offset commits count once their producer's COMMIT
   * marker follows them (an ABORT drops them); transactions without a marker yet stay pending. A
   * record that does not decode fails the load (the partition is then not served) with a
   * GroupCoordinatorError('CORRUPT_RECORD'); unknown key versions are skipped.
   */
  async loadPartition(partition: number, onGroupLoaded: (group: GroupMetadata) => void): Promise<void> {
    if (this.ownedPartitions.has(partition) || this.loadingPartitions.has(partition)) return;
    this.loadingPartitions.add(partition);
    const load = this.replayAndServe(partition, onGroupLoaded).finally(() => {
      this.loadingPartitions.delete(partition);
      if (this.loads.get(partition) === load) this.loads.delete(partition);
    });
    this.loads.set(partition, load);
    await load;
  }

  private async replayAndServe(partition: number, onGroupLoaded: (group: GroupMetadata) => void): Promise<void> {
    const replayed = await replayPartition(this.log, partition);
    const loaded: GroupMetadata[] = [];
    for (const [groupId, value] of replayed.groups) loaded.push(this.groupFromValue(partition, groupId, value));
    // Groups that only committed offsets (or only have some in an open transaction) have no metadata record.
    const offsetOnly = new Set(replayed.pending.keys());
    for (const [groupId, forGroup] of replayed.offsets) if (forGroup.size > 0) offsetOnly.add(groupId);
    for (const groupId of offsetOnly) if (!replayed.groups.has(groupId)) loaded.push(this.newGroup(groupId));
    for (const group of loaded) {
      for (const [topic, p, o] of replayed.offsets.get(group.groupId)?.entries() ?? []) group.offsets.load(topic, p, o.value, o.position);
      const open = replayed.pending.get(group.groupId) ?? new Map<number, never>();
      for (const [producerId, forGroup] of open) {
        for (const [topic, p, o] of forGroup.entries()) group.offsets.loadPendingTxn(producerId, topic, p, o.value, o.position);
      }
      group.offsets.resumeAfter(replayed.lastPosition);
      const cached = this.addGroup(group);
      if (cached !== group) continue;
      for (const producerId of open.keys()) this.addProducerGroup(producerId, group.groupId);
      onGroupLoaded(group);
    }
    this.ownedPartitions.add(partition);
  }

  private groupFromValue(partition: number, groupId: string, value: GroupMetadataValue): GroupMetadata {
    const group = this.newGroup(groupId, value.members.length > 0 ? 'Stable' : 'Empty');
    group.generationId = value.generation;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.currentStateTimestamp = value.currentStateTimestamp === -1 ? null : value.currentStateTimestamp;
    if (value.members.length > 0 && value.protocol === null) {
      throw new GroupCoordinatorError('CORRUPT_RECORD', `__consumer_offsets-${partition}: group ${groupId} has members but no protocol`);
    }
    for (const m of value.members) {
      const member = new MemberMetadata(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeout,
        m.sessionTimeout,
        value.protocolType,
        [{ name: value.protocol!, metadata: m.subscription }],
      );
      member.assignment = m.assignment;
      group.add(member);
    }
    group.restoreLeader(value.leader);
    group.refreshSubscribedTopics();
    return group;
  }

  /** Stops serving a partition: its groups leave the cache after onGroupUnloaded released their waiters. */
  unloadPartition(partition: number, onGroupUnloaded: (group: GroupMetadata) => void): void {
    this.ownedPartitions.delete(partition);
    this.loadingPartitions.delete(partition);
    for (const group of this.currentGroups()) {
      if (this.partitionFor(group.groupId) === partition) {
        onGroupUnloaded(group);
        this.forgetPendingTxn(group);
        this.removeFromCache(group);
      }
    }
  }
}

function offsetRecords(groupId: string, offsets: ReadonlyArray<readonly [string, number, OffsetAndMetadata]>): CoordinatorRecord[] {
  return offsets.map(([topic, partition, value]) => ({ key: encodeOffsetCommitKey(groupId, topic, partition), value: encodeOffsetCommitValue(value) }));
}

function noOffset(partitionIndex: number, errorCode: number): OffsetFetchPartitionResult {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode };
}
