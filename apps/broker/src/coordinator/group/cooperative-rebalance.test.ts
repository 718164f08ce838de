import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { JoinGroupResult, SyncGroupResult } from './api-types.js';
import { decodeConsumerProtocolSubscription } from './consumer-protocol.js';
import { type Harness, createHarness, flush, formStableGroup, joinRequest, subscription, track } from './test-support/harness.js';

/** A cooperative-sticky style member: its metadata declares the partitions it owns. */
function coopJoin(h: Harness, memberId: string, owned: number[]): Promise<JoinGroupResult> {
  return h.coordinator.joinGroup(
    joinRequest({
      groupId: 'g',
      memberId,
      protocols: [{ name: 'cooperative-sticky', metadata: subscription(['t'], owned.length ? [{ topic: 't', partitions: owned }] : []) }],
    }),
  );
}

const assignment = (partitions: number[]) => Buffer.from(JSON.stringify(partitions));
const partitionsOf = (r: SyncGroupResult) => JSON.parse(r.assignment.toString()) as number[];

function sync(h: Harness, generationId: number, memberId: string, assignments: Record<string, number[]> = {}, protocolName = 'cooperative-sticky') {
  return h.coordinator.syncGroup({
    groupId: 'g',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName,
    assignments: Object.entries(assignments).map(([id, p]) => ({ memberId: id, assignment: assignment(p) })),
  });
}

describe('rebalance protocols', () => {
  it('converges with cooperative two-round rebalancing: revoke first, then reassign', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(
      h,
      'g',
      [{ clientId: 'a', protocols: [{ name: 'cooperative-sticky', metadata: subscription(['t']) }] }],
      () => assignment([0, 1, 2, 3]),
    );
    const A = a!.memberId;
    expect(partitionsOf(a!.sync)).toEqual([0, 1, 2, 3]);

    // B arrives: round one. A learns of it from its heartbeat and rejoins declaring what it owns.
    const firstB = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'b', protocols: [{ name: 'cooperative-sticky', metadata: subscription(['t']) }] }));
    const jb = track(coopJoin(h, firstB.memberId, []));
    await flush();
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: A, groupInstanceId: null })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ja = await coopJoin(h, A, [0, 1, 2, 3]);
    expect(ja.generationId).toBe(2);
    // The leader sees the owned partitions in the metadata and only revokes (2,3 stay unassigned).
    const owned = ja.members.map((m) => decodeConsumerProtocolSubscription(m.metadata).ownedPartitions);
    expect(owned).toEqual([[{ topic: 't', partitions: [0, 1, 2, 3] }], []]);
    const B = jb.value.memberId;
    const sb = track(sync(h, 2, B));
    const sa = await sync(h, 2, A, { [A]: [0, 1], [B]: [] });
    await flush();
    expect(partitionsOf(sa)).toEqual([0, 1]);
    expect(partitionsOf(sb.value)).toEqual([]);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');

    // Round two: A revoked 2 and 3 and rejoins at once with its new ownership; B follows.
    const ja2 = track(coopJoin(h, A, [0, 1]));
    await flush();
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: B, groupInstanceId: null })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const jb2 = await coopJoin(h, B, []);
    expect(jb2.generationId).toBe(3);
    expect(ja2.value.generationId).toBe(3);
    const sb2 = track(sync(h, 3, B));
    const sa2 = await sync(h, 3, A, { [A]: [0, 1], [B]: [2, 3] });
    await flush();
    expect(partitionsOf(sa2)).toEqual([0, 1]);
    expect(partitionsOf(sb2.value)).toEqual([2, 3]);
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m) => JSON.parse(m.memberAssignment.toString()))).toEqual([[0, 1], [2, 3]]);
    // Stable: heartbeats are quiet again.
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 3, memberId: B, groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);
  });

  it('in a Stable group, rebalances for a follower whose metadata changed but not for one whose metadata is the same', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const same = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId }));
    expect(same).toMatchObject({ errorCode: 0, generationId: 1, leader: a!.memberId, members: [] });
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');

    const changed = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId, protocols: [{ name: 'range', metadata: subscription(['orders', 'payments']) }] })));
    await flush();
    expect(changed.done).toBe(false);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('PreparingRebalance');
  });

  it('in CompletingRebalance, answers a rejoin with unchanged metadata from the current generation and rebalances on changed metadata', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    // New generation 2, now waiting for the leader's assignment.
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    const jb = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId })));
    await flush();
    expect(ja.value.generationId).toBe(2);
    const heldSync = track(sync(h, 2, b!.memberId, {}, 'range'));
    await flush();
    expect(heldSync.done).toBe(false);

    // The leader lost its JoinGroup response and asks again: same generation, members again, no rebalance.
    const again = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId }));
    expect(again).toMatchObject({ generationId: 2, leader: a!.memberId });
    expect(again.members.map((m) => m.memberId)).toEqual([a!.memberId, b!.memberId]);
    expect(heldSync.done).toBe(false);

    // b rejoins with new metadata: the waiting SyncGroup is told to rejoin and the group rebalances.
    const jb2 = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId, protocols: [{ name: 'range', metadata: subscription(['new-topic']) }] })));
    await flush();
    expect(heldSync.value.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('PreparingRebalance');
    const ja2 = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect(ja2.value.generationId).toBe(3);
    expect(jb2.value.generationId).toBe(3);
    expect(jb.value.generationId).toBe(2);
  });

  it('fails the held SyncGroups and rebalances when writing the assignment fails', async () => {
    const h = await createHarness();
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3 })));
    const jb = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3 })));
    await h.advance(0);
    const sb = track(h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: jb.value.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }));
    h.log.failWith = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const sa = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: ja.value.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: ja.value.memberId, assignment: Buffer.from('x') }] });
    await flush();
    expect(sa).toEqual({ errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    expect(sb.value.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('PreparingRebalance');
  });
});
