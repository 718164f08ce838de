import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { CoordinatorLog, CoordinatorLogEntry } from './coordinator-log.js';
import {
  decodeCoordinatorKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './coordinator-records.js';
import { GroupCoordinatorError } from './errors.js';
import { GroupCoordinator } from './group-coordinator.js';
import { ManualScheduler } from './scheduler.js';
import { InMemoryCoordinatorLog } from './test-support/in-memory-coordinator-log.js';
import { START_MS, TEST_PARTITIONS, createHarness, flush, formStableGroup, joinRequest, subscription, track } from './test-support/harness.js';

const offsetCommit = (groupId: string, generation: number, memberId: string, topic: string, partition: number, offset: bigint, metadata: string | null = null) => ({
  groupId,
  generationIdOrMemberEpoch: generation,
  memberId,
  groupInstanceId: null,
  topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 3, committedMetadata: metadata }] }],
});

describe('persistence in __consumer_offsets', () => {
  it('rebuilds groups, members, assignments and offsets when a new coordinator loads the log', async () => {
    const h = await createHarness();
    const members = await formStableGroup(
      h,
      'g',
      [
        { clientId: 'a', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, protocols: [{ name: 'range', metadata: subscription(['orders']) }] },
        { clientId: 'b', groupInstanceId: 'inst-b', sessionTimeoutMs: 12_000, protocols: [{ name: 'range', metadata: subscription(['orders', 'refunds']) }] },
      ],
      (i) => Buffer.from(`part-${i}`),
    );
    const [a, b] = members;
    await h.coordinator.commitOffsets(offsetCommit('g', 1, a!.memberId, 'orders', 0, 10n, 'first'));
    await h.coordinator.commitOffsets(offsetCommit('g', 1, a!.memberId, 'orders', 0, 11n, 'second'));
    await h.coordinator.commitOffsets(offsetCommit('g', 1, b!.memberId, 'refunds', 2, 5n));
    await h.coordinator.commitOffsets(offsetCommit('simple', -1, '', 'logs', 0, 99n));
    await h.coordinator.commitOffsets(offsetCommit('simple', -1, '', 'logs', 1, 98n));
    await h.coordinator.deleteOffsets({ groupId: 'simple', topics: [{ name: 'logs', partitions: [{ partitionIndex: 1 }] }] });
    const describedBefore = await h.coordinator.describeGroups(['g', 'simple']);
    const offsetsBefore = await h.coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: null }, { groupId: 'simple', topics: null }] });

    // The old coordinator steps down (its timers stop) before the new one loads the same log.
    h.coordinator.onClose();
    const reloaded = await createHarness({ log: h.log, scheduler: h.scheduler });
    expect(await reloaded.coordinator.describeGroups(['g', 'simple'])).toEqual(describedBefore);
    expect(await reloaded.coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: null }, { groupId: 'simple', topics: null }] })).toEqual(offsetsBefore);
    expect(offsetsBefore.groups[0]!.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.committedOffset, p.metadata, p.committedLeaderEpoch]))).toEqual([
      ['orders', 11n, 'second', 3],
      ['refunds', 5n, '', 3],
    ]);
    expect(offsetsBefore.groups[1]!.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset))).toEqual([99n]);

    // The loaded group works: same generation, same members, assignments served on SyncGroup.
    const c = reloaded.coordinator;
    expect((await c.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId, groupInstanceId: null })).errorCode).toBe(0);
    expect((await c.heartbeat({ groupId: 'g', generationId: 1, memberId: b!.memberId, groupInstanceId: 'inst-b' })).errorCode).toBe(0);
    const s = await c.syncGroup({ groupId: 'g', generationId: 1, memberId: b!.memberId, groupInstanceId: 'inst-b', protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(s.assignment).toEqual(Buffer.from('part-1'));
    // The leader survived the reload: its rejoin is what forces a new rebalance.
    const rejoinB = await c.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId, groupInstanceId: 'inst-b', sessionTimeoutMs: 12_000, protocols: [{ name: 'range', metadata: subscription(['orders', 'refunds']) }] }));
    expect(rejoinB).toMatchObject({ generationId: 1, leader: a!.memberId });
    // And the loaded members' sessions run: without heartbeats both expire.
    await reloaded.advance(12_000);
    expect((await c.describeGroups(['g']))[0]!.groupState).toBe('Empty');
  });

  it('writes GroupMetadataKey v2 / GroupMetadataValue v3 on sync, and the empty generation when the group empties', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', rebalanceTimeoutMs: 20_000 }], () => Buffer.from('x'));
    const groupRecords = () =>
      h.log
        .records(h.coordinator.partitionFor('g'))
        .filter((r) => decodeCoordinatorKey(r.key).kind === 'group')
        .map((r) => ({ version: r.value!.readInt16BE(0), value: decodeGroupMetadataValue(r.value!) }));
    expect(groupRecords()).toEqual([
      {
        version: 3,
        value: {
          protocolType: 'consumer',
          generation: 1,
          protocol: 'range',
          leader: a!.memberId,
          currentStateTimestamp: START_MS,
          members: [
            { memberId: a!.memberId, groupInstanceId: null, clientId: 'a', clientHost: '/127.0.0.1', rebalanceTimeout: 20_000, sessionTimeout: 10_000, subscription: subscription(['orders']), assignment: Buffer.from('x') },
          ],
        },
      },
    ]);
    await h.advance(1000);
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null }] });
    await flush();
    expect(groupRecords().at(-1)!.value).toEqual({ protocolType: 'consumer', generation: 2, protocol: null, leader: null, currentStateTimestamp: START_MS + 1000, members: [] });
    const offsetValue = encodeOffsetCommitValue({ offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 0, expireTimestamp: null });
    expect(offsetValue.readInt16BE(0)).toBe(3);
  });

  it('applies records in log order on load: the latest value wins and tombstones delete', async () => {
    const log = new InMemoryCoordinatorLog();
    const h = await createHarness({ log, load: false });
    const p = h.coordinator.partitionFor('g');
    // A second group on the same partition, whose records end in tombstones.
    const gone = Array.from({ length: 50 }, (_, i) => `gone-${i}`).find((id) => h.coordinator.partitionFor(id) === p)!;
    const value = (offset: bigint, commitTimestamp: number) => encodeOffsetCommitValue({ offset, leaderEpoch: -1, metadata: '', commitTimestamp, expireTimestamp: null });
    log.inject(p, [
      { key: encodeOffsetCommitKey('g', 't', 0), value: value(1n, START_MS) },
      { key: encodeOffsetCommitKey('g', 't', 1), value: value(2n, START_MS) },
      { key: encodeOffsetCommitKey('g', 't', 0), value: value(3n, START_MS) },
      { key: encodeOffsetCommitKey('g', 't', 1), value: null },
      // A key version this coordinator does not know (e.g. a newer record type) is skipped.
      { key: Buffer.from([0, 7, 0, 1, 0x67]), value: Buffer.from([1, 2, 3]) },
      { key: encodeOffsetCommitKey(gone, 't', 0), value: value(4n, START_MS) },
      { key: encodeOffsetCommitKey(gone, 't', 0), value: null },
      { key: encodeGroupMetadataKey(gone), value: null },
    ]);
    await h.coordinator.loadPartition(p);
    const r = await h.coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: null }] });
    expect(r.groups[0]!.topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }]);
    expect((await h.coordinator.describeGroups([gone]))[0]!).toMatchObject({ errorCode: 0, groupState: 'Dead' });
    expect((await h.coordinator.listGroups()).groups.map((g) => g.groupId)).toEqual(['g']);
  });

  it('serves nothing of a partition before it is loaded, and COORDINATOR_LOAD_IN_PROGRESS while it loads', async () => {
    let releaseRead!: () => void;
    const gate = new Promise<void>((resolve) => (releaseRead = resolve));
    const inner = new InMemoryCoordinatorLog();
    const slowLog: CoordinatorLog = {
      append: (p, r) => inner.append(p, r),
      async *readAll(p): AsyncIterable<CoordinatorLogEntry> {
        await gate;
        yield* inner.readAll(p);
      },
    };
    const coordinator = new GroupCoordinator({ log: slowLog, scheduler: new ManualScheduler(START_MS), config: { offsetsTopicNumPartitions: 1 } });
    expect((await coordinator.joinGroup(joinRequest({ groupId: 'g' }))).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: null }] })).groups[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);

    const loading = coordinator.loadPartition(0);
    await flush();
    expect((await coordinator.joinGroup(joinRequest({ groupId: 'g' }))).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // Heartbeats are answered blindly and SyncGroup asks for a rejoin while loading, as in Kafka.
    expect((await coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);
    expect((await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await coordinator.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    releaseRead();
    await loading;
    expect((await coordinator.joinGroup(joinRequest({ groupId: 'g' }))).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    coordinator.onClose();
  });

  it('refuses to serve a partition holding a record that does not decode', async () => {
    const log = new InMemoryCoordinatorLog();
    log.inject(0, [{ key: encodeOffsetCommitKey('g', 't', 0), value: Buffer.from([0, 3, 0, 0]) }]);
    const coordinator = new GroupCoordinator({ log, scheduler: new ManualScheduler(START_MS), config: { offsetsTopicNumPartitions: 1 } });
    const err = await coordinator.loadPartition(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupCoordinatorError);
    expect((err as GroupCoordinatorError).kind).toBe('CORRUPT_RECORD');
    expect(coordinator.ownsPartition(0)).toBe(false);
    expect((await coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: null }] })).groups[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('releases held requests with NOT_COORDINATOR on unload and refuses everything after onClose', async () => {
    const h = await createHarness({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const held = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3 })));
    await flush();
    expect(held.done).toBe(false);
    h.coordinator.onClose();
    await flush();
    expect(held.value.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g' }))).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.coordinator.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.scheduler.pendingTimers).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('keeps offsets of other partitions when one partition is unloaded, and gets them back on reload', async () => {
    const h = await createHarness();
    const groups = Array.from({ length: 12 }, (_, i) => `group-${i}`);
    for (const g of groups) await h.coordinator.commitOffsets(offsetCommit(g, -1, '', 't', 0, BigInt(g.length)));
    const unloaded = h.coordinator.partitionFor(groups[0]!);
    h.coordinator.unloadPartition(unloaded);
    for (const g of groups) {
      const r = await h.coordinator.fetchOffsets({ groups: [{ groupId: g, topics: null }] });
      expect(r.groups[0]!.errorCode).toBe(h.coordinator.partitionFor(g) === unloaded ? ErrorCode.NOT_COORDINATOR : ErrorCode.NONE);
    }
    await h.coordinator.loadPartition(unloaded);
    const back = await h.coordinator.fetchOffsets({ groups: [{ groupId: groups[0]!, topics: null }] });
    expect(back.groups[0]!.topics[0]!.partitions[0]!.committedOffset).toBe(BigInt(groups[0]!.length));
    expect(TEST_PARTITIONS).toBeGreaterThan(1);
  });

  it('stores exactly what was committed: offset, leader epoch, metadata and commit time', async () => {
    const h = await createHarness();
    await h.advance(500);
    await h.coordinator.commitOffsets(offsetCommit('s', -1, '', 't', 4, 123n, 'meta'));
    const rec = h.log.records(h.coordinator.partitionFor('s')).at(-1)!;
    expect(decodeOffsetCommitValue(rec.value!)).toEqual({ offset: 123n, leaderEpoch: 3, metadata: 'meta', commitTimestamp: START_MS + 500, expireTimestamp: null });
  });
});
