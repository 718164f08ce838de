import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { OffsetCommitRequest } from './api-types.js';
import { decodeCoordinatorKey } from './coordinator-records.js';
import { type Harness, createHarness, flush, formStableGroup, joinRequest, protocols, subscription, track } from './test-support/harness.js';

const DAY = 24 * 60 * 60 * 1000;
const RETENTION = 7 * DAY;

function commit(groupId: string, generation: number, memberId: string, topic: string, partition: number, offset: bigint, extra: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  return {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: null }] }],
    ...extra,
  };
}

async function committed(h: Harness, groupId: string) {
  const r = await h.coordinator.fetchOffsets({ groups: [{ groupId, topics: null }] });
  return r.groups[0]!.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`));
}

describe('offset expiry (offsets.retention.minutes)', () => {
  // The periodic purge is pushed out of the way where a test runs expireOffsets() itself.
  const manual = { offsetsRetentionMs: RETENTION, offsetsRetentionCheckIntervalMs: 1000 * DAY };

  it('counts retention from when a consumer group became Empty, not from the commit', async () => {
    const h = await createHarness({ config: manual });
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 30_000 }]);
    await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, 'orders', 0, 42n));
    // The member stays (heartbeating) for 10 days: nothing expires while the group is active.
    for (let t = 0; t < 10 * DAY; t += 25_000) {
      await h.advance(25_000);
      await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId, groupInstanceId: null });
    }
    expect(await h.coordinator.expireOffsets()).toBe(0);
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null }] });
    await flush();
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Empty');

    await h.advance(RETENTION - 1);
    expect(await h.coordinator.expireOffsets()).toBe(0);
    expect(await committed(h, 'g')).toEqual(['orders-0=42']);
    await h.advance(1);
    expect(await h.coordinator.expireOffsets()).toBe(1);
    expect(await committed(h, 'g')).toEqual([]);
    // An Empty group without offsets is gone, with tombstones for the offset and the group metadata.
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Dead');
    const tail = h.log.records(h.coordinator.partitionFor('g')).slice(-2);
    expect(tail.map((r) => [decodeCoordinatorKey(r.key).kind, r.value])).toEqual([
      ['offset', null],
      ['group', null],
    ]);
  });

  it('expires offsets of a group that only stores offsets by their commit time, on the periodic check', async () => {
    const h = await createHarness({ config: { offsetsRetentionMs: RETENTION, offsetsRetentionCheckIntervalMs: DAY } });
    await h.coordinator.commitOffsets(commit('s', -1, '', 't', 0, 1n));
    await h.advance(3 * DAY);
    await h.coordinator.commitOffsets(commit('s', -1, '', 't', 1, 2n));
    await h.advance(4 * DAY); // the periodic purge at day 7 drops partition 0 only
    expect(await committed(h, 's')).toEqual(['t-1=2']);
    await h.advance(3 * DAY);
    expect(await committed(h, 's')).toEqual([]);
    expect((await h.coordinator.listGroups()).groups.map((g) => g.groupId)).not.toContain('s');
    // Never had a generation: no group metadata record, so no group tombstone either.
    const keys = h.log.records(h.coordinator.partitionFor('s')).map((r) => decodeCoordinatorKey(r.key).kind);
    expect(keys).not.toContain('group');
  });

  it('in a Stable consumer group, expires only offsets of topics no member subscribes to', async () => {
    const h = await createHarness({ config: manual });
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: subscription(['live']) }] }]);
    await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, 'live', 0, 1n));
    await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, 'abandoned', 0, 2n));
    for (let t = 0; t < RETENTION; t += 25_000) {
      await h.advance(25_000);
      await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId, groupInstanceId: null });
    }
    expect(await h.coordinator.expireOffsets()).toBe(1);
    expect(await committed(h, 'g')).toEqual(['live-0=1']);
  });

  it('honours an explicit retention time from OffsetCommit v2-v4', async () => {
    const h = await createHarness({ config: manual });
    await h.coordinator.commitOffsets(commit('s', -1, '', 't', 0, 1n, { retentionTimeMs: 60_000n }));
    await h.advance(59_999);
    expect(await h.coordinator.expireOffsets()).toBe(0);
    await h.advance(1);
    expect(await h.coordinator.expireOffsets()).toBe(1);
  });

  it('never expires a partition whose commit is still being written', async () => {
    const h = await createHarness({ config: manual });
    await h.coordinator.commitOffsets(commit('s', -1, '', 't', 0, 1n));
    await h.advance(RETENTION);
    h.log.holdAppends = true;
    const pending = track(h.coordinator.commitOffsets(commit('s', -1, '', 't', 0, 2n)));
    await flush();
    expect(await h.coordinator.expireOffsets()).toBe(0);
    h.log.holdAppends = false;
    h.log.release();
    await pending.promise;
    expect(await committed(h, 's')).toEqual(['t-0=2']);
  });
});

describe('DeleteGroups', () => {
  it('deletes an Empty group with its offsets, refuses groups with members and reports unknown groups', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('empty', -1, '', 't', 0, 5n));
    await formStableGroup(h, 'busy', [{ clientId: 'a' }]);
    const r = await h.coordinator.deleteGroups(['empty', 'busy', 'missing', 'empty']);
    expect(r.results).toEqual([
      { groupId: 'empty', errorCode: ErrorCode.NONE },
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(await committed(h, 'empty')).toEqual([]);
    expect((await h.coordinator.describeGroups(['empty']))[0]!.groupState).toBe('Dead');
    const last = h.log.records(h.coordinator.partitionFor('empty')).at(-1)!;
    expect([decodeCoordinatorKey(last.key), last.value]).toEqual([{ kind: 'offset', version: 1, group: 'empty', topic: 't', partition: 0 }, null]);
    // The id is free again.
    expect((await h.coordinator.commitOffsets(commit('empty', -1, '', 't', 0, 1n))).topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('writes a group tombstone for a group that had generations', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a' }]);
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null }] });
    await flush();
    expect((await h.coordinator.deleteGroups(['g'])).results[0]!.errorCode).toBe(0);
    const last = h.log.records(h.coordinator.partitionFor('g')).at(-1)!;
    expect([decodeCoordinatorKey(last.key).kind, last.value]).toEqual(['group', null]);
  });

  it('keeps the group and reports the error when the tombstones cannot be written', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', 't', 0, 5n));
    h.log.failWith = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    expect((await h.coordinator.deleteGroups(['s'])).results).toEqual([{ groupId: 's', errorCode: ErrorCode.NOT_COORDINATOR }]);
    h.log.failWith = null;
    expect((await h.coordinator.describeGroups(['s']))[0]!.groupState).toBe('Empty');
    expect(await committed(h, 's')).toEqual(['t-0=5']);
  });
});

describe('DescribeGroups and ListGroups', () => {
  it('describes a Stable group with protocol, member metadata and assignments', async () => {
    const h = await createHarness();
    const meta = subscription(['orders']);
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'app', clientHost: '/10.0.0.1', groupInstanceId: 'i1', protocols: [{ name: 'range', metadata: meta }] }], () => Buffer.from('asg'));
    expect(await h.coordinator.describeGroups(['g'])).toEqual([
      {
        errorCode: 0,
        groupId: 'g',
        groupState: 'Stable',
        protocolType: 'consumer',
        protocolData: 'range',
        members: [{ memberId: a!.memberId, groupInstanceId: 'i1', clientId: 'app', clientHost: '/10.0.0.1', memberMetadata: meta, memberAssignment: Buffer.from('asg') }],
        authorizedOperations: -2147483648,
      },
    ]);
  });

  it('omits protocol and member data outside Stable, describes unknown groups as Dead, and checks ownership', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId, protocols: protocols('range', 'other') })));
    await flush();
    const [prep, unknown] = await h.coordinator.describeGroups(['g', 'unknown']);
    expect(prep).toMatchObject({ groupState: 'PreparingRebalance', protocolType: 'consumer', protocolData: '' });
    expect(prep!.members[0]).toMatchObject({ memberId: a!.memberId, memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) });
    expect(unknown).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] });

    h.coordinator.unloadPartition(h.coordinator.partitionFor('x'));
    expect((await h.coordinator.describeGroups(['x']))[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('lists groups filtered by state (case-insensitively) and by type', async () => {
    const h = await createHarness();
    await formStableGroup(h, 'stable', [{ clientId: 'a' }]);
    await h.coordinator.commitOffsets(commit('empty', -1, '', 't', 0, 1n));
    const all = await h.coordinator.listGroups();
    expect(all.errorCode).toBe(0);
    expect(all.groups.map((g) => [g.groupId, g.groupState, g.protocolType, g.groupType]).sort()).toEqual([
      ['empty', 'Empty', '', 'classic'],
      ['stable', 'Stable', 'consumer', 'classic'],
    ]);
    expect((await h.coordinator.listGroups({ statesFilter: ['stable'] })).groups.map((g) => g.groupId)).toEqual(['stable']);
    expect((await h.coordinator.listGroups({ statesFilter: ['Empty', 'PreparingRebalance'] })).groups.map((g) => g.groupId)).toEqual(['empty']);
    expect((await h.coordinator.listGroups({ typesFilter: ['consumer'] })).groups).toEqual([]);
    expect((await h.coordinator.listGroups({ typesFilter: ['Classic'] })).groups).toHaveLength(2);
  });
});
