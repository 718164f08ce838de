import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { decodeCoordinatorKey, decodeGroupMetadataValue } from './coordinator-records.js';
import { createHarness, flush, formStableGroup, joinNew, joinRequest, protocols, track } from './test-support/harness.js';

const hb = (generationId: number, memberId: string, groupInstanceId: string | null = null) => ({ groupId: 'g', generationId, memberId, groupInstanceId });

describe('static membership', () => {
  it('lets a restarted static member take its place without a rebalance and fences the old member id', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', groupInstanceId: 'inst-a' },
      { clientId: 'b', groupInstanceId: 'inst-b' },
    ]);
    expect(b!.memberId).toMatch(/^inst-b-/);
    const appendsBefore = h.log.appendCount;

    const rejoin = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'b', groupInstanceId: 'inst-b' }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.memberId).not.toBe(b!.memberId);
    expect(rejoin.memberId).toMatch(/^inst-b-/);
    expect(rejoin).toMatchObject({ generationId: 1, leader: a!.memberId, members: [], protocolName: 'range' });

    // No rebalance: same generation, the leader is undisturbed, and the member gets its assignment back.
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m) => m.memberId)).toEqual([a!.memberId, rejoin.memberId]);
    expect((await h.coordinator.heartbeat(hb(1, a!.memberId, 'inst-a'))).errorCode).toBe(ErrorCode.NONE);
    const s = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'inst-b', protocolType: null, protocolName: null, assignments: [] });
    expect(s.assignment).toEqual(b!.sync.assignment);

    // The old incarnation is fenced.
    expect((await h.coordinator.heartbeat(hb(1, b!.memberId, 'inst-b'))).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId, groupInstanceId: 'inst-b' }))).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      (await h.coordinator.commitOffsets({ groupId: 'g', generationIdOrMemberEpoch: 1, memberId: b!.memberId, groupInstanceId: 'inst-b', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] }))
        .topics[0]!.partitions[0]!.errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.coordinator.heartbeat(hb(1, b!.memberId))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // The new member id was persisted before the member was answered.
    expect(h.log.appendCount).toBe(appendsBefore + 1);
    const records = h.log.records(h.coordinator.partitionFor('g'));
    const last = records[records.length - 1]!;
    expect(decodeCoordinatorKey(last.key)).toMatchObject({ kind: 'group', group: 'g' });
    expect(decodeGroupMetadataValue(last.value!).members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([
      [a!.memberId, 'inst-a'],
      [rejoin.memberId, 'inst-b'],
    ]);
  });

  it('does not tell a restarted static leader that it leads before JoinGroup v9, and asks v9 leaders to skip assignment', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', groupInstanceId: 'inst-a' },
      { clientId: 'b', groupInstanceId: 'inst-b' },
    ]);
    const v5 = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-a' }));
    expect(v5).toMatchObject({ errorCode: 0, leader: a!.memberId, skipAssignment: false, members: [] });

    const v9 = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 9, groupInstanceId: 'inst-a' }));
    expect(v9).toMatchObject({ errorCode: 0, leader: v9.memberId, skipAssignment: true, generationId: 1 });
    expect(v9.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([
      [v9.memberId, 'inst-a'],
      [b!.memberId, 'inst-b'],
    ]);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');
  });

  it('rebalances when the rejoining static member changes which protocol the group would select', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [
      { clientId: 'a', groupInstanceId: 'inst-a', protocols: protocols('range', 'roundrobin') },
      { clientId: 'b', groupInstanceId: 'inst-b', protocols: protocols('range', 'roundrobin') },
    ]);
    const rejoin = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-b', protocols: protocols('roundrobin') })));
    await flush();
    expect(rejoin.done).toBe(false);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('PreparingRebalance');
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId, groupInstanceId: 'inst-a', protocols: protocols('range', 'roundrobin') })));
    await flush();
    expect(ja.value).toMatchObject({ generationId: 2, protocolName: 'roundrobin' });
    expect(rejoin.value).toMatchObject({ generationId: 2, protocolName: 'roundrobin' });
  });

  it('rebalances when a static member rejoins while the leader is assigning', async () => {
    const h = await createHarness();
    const a = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-a' })));
    const b = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-b' })));
    await h.advance(0);
    const syncB = track(h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: b.value.memberId, groupInstanceId: 'inst-b', protocolType: null, protocolName: null, assignments: [] }));
    await flush();
    const again = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-b' })));
    await flush();
    // The held SyncGroup under the old id is fenced; the group starts over.
    expect(syncB.value.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('PreparingRebalance');
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a.value.memberId, groupInstanceId: 'inst-a' })));
    await flush();
    expect(ja.value.generationId).toBe(2);
    expect(again.value.generationId).toBe(2);
  });

  it('keeps the old member in place and reports the error when persisting the replacement fails', async () => {
    const h = await createHarness();
    const [, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', groupInstanceId: 'inst-a' },
      { clientId: 'b', groupInstanceId: 'inst-b' },
    ]);
    h.log.failWith = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const rejoin = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', groupInstanceId: 'inst-b' }));
    expect(rejoin.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(rejoin.memberId).toBe('');
    h.log.failWith = null;
    expect((await h.coordinator.heartbeat(hb(1, b!.memberId, 'inst-b'))).errorCode).toBe(ErrorCode.NONE);
  });
});

describe('LeaveGroup', () => {
  it('removes a leaving member and rebalances the rest', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const left = await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: b!.memberId, groupInstanceId: null }] });
    expect(left).toEqual({ errorCode: 0, members: [{ memberId: b!.memberId, groupInstanceId: null, errorCode: 0 }] });
    expect((await h.coordinator.heartbeat(hb(1, a!.memberId))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect(rejoin.value).toMatchObject({ generationId: 2, members: [{ memberId: a!.memberId }] });
  });

  it('handles a batch (v3+) with one result per member: members, static members by instance id, pending members, strangers', async () => {
    const h = await createHarness();
    const [a, , c] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b', groupInstanceId: 'inst-b' }, { clientId: 'c', groupInstanceId: 'inst-c' }]);
    const pending = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'p' }));
    const result = await h.coordinator.leaveGroup({
      groupId: 'g',
      members: [
        { memberId: a!.memberId, groupInstanceId: null },
        { memberId: '', groupInstanceId: 'inst-b' },
        { memberId: 'not-c', groupInstanceId: 'inst-c' },
        { memberId: pending.memberId, groupInstanceId: null },
        { memberId: 'stranger', groupInstanceId: null },
        { memberId: '', groupInstanceId: 'inst-unknown' },
      ],
    });
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(result.members.map((m) => m.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.FENCED_INSTANCE_ID,
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_MEMBER_ID,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect((await h.coordinator.describeGroups(['g']))[0]!.members.map((m) => m.memberId)).toEqual([c!.memberId]);
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: pending.memberId }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('empties the group when the last member leaves, and answers per member for unknown groups', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a' }]);
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null }] });
    expect((await h.coordinator.describeGroups(['g']))[0]!).toMatchObject({ groupState: 'Empty', members: [] });
    const unknown = await h.coordinator.leaveGroup({ groupId: 'none', members: [{ memberId: 'x', groupInstanceId: null }] });
    expect(unknown).toEqual({ errorCode: 0, members: [{ memberId: 'x', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] });
  });

  it('answers the held JoinGroup of a member removed during the join phase with UNKNOWN_MEMBER_ID', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId, groupInstanceId: null }] });
    await flush();
    expect(ja.value.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // b alone remains and has not rejoined yet.
    const jb = await joinNew(h, { groupId: 'g', clientId: 'late' });
    expect(jb.done).toBe(false);
    expect((await h.coordinator.describeGroups(['g']))[0]!.members.map((m) => m.memberId)).toContain(b!.memberId);
  });
});
