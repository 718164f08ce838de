import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { NEW_MEMBER_JOIN_TIMEOUT_MS } from './membership.js';
import { createHarness, flush, formStableGroup, joinNew, joinRequest, track } from './test-support/harness.js';

const hb = (groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null) => ({ groupId, generationId, memberId, groupInstanceId });

describe('Heartbeat', () => {
  it('answers NONE in a Stable group and rejects unknown members, old generations and unknown groups', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a' }]);
    expect((await h.coordinator.heartbeat(hb('g', 1, a!.memberId))).errorCode).toBe(ErrorCode.NONE);
    expect((await h.coordinator.heartbeat(hb('g', 1, 'stranger'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coordinator.heartbeat(hb('g', 0, a!.memberId))).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await h.coordinator.heartbeat(hb('other', 1, a!.memberId))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coordinator.heartbeat(hb('', 1, a!.memberId))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('signals REBALANCE_IN_PROGRESS while preparing a rebalance, and NONE between JoinGroup and SyncGroup (as Kafka)', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect((await h.coordinator.heartbeat(hb('g', 1, b!.memberId))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const jb = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId })));
    await flush();
    expect(ja.value.generationId).toBe(2);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('CompletingRebalance');
    expect((await h.coordinator.heartbeat(hb('g', 2, jb.value.memberId))).errorCode).toBe(ErrorCode.NONE);
    expect((await h.coordinator.heartbeat(hb('g', 1, jb.value.memberId))).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('keeps a member alive as long as it heartbeats within its session timeout', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 10_000 }]);
    for (let i = 0; i < 5; i++) {
      await h.advance(9_000);
      expect((await h.coordinator.heartbeat(hb('g', 1, a!.memberId))).errorCode).toBe(ErrorCode.NONE);
    }
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');
  });
});

describe('session expiry', () => {
  it('removes a silent member and rebalances the others', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', sessionTimeoutMs: 10_000 },
      { clientId: 'b', sessionTimeoutMs: 10_000 },
    ]);
    await h.advance(6_000);
    expect((await h.coordinator.heartbeat(hb('g', 1, a!.memberId))).errorCode).toBe(ErrorCode.NONE);
    await h.advance(3_999);
    expect((await h.coordinator.describeGroups(['g']))[0]!.members).toHaveLength(2);
    await h.advance(1); // b's session (10s since its SyncGroup) is over
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('PreparingRebalance');
    expect(described.members.map((m) => m.memberId)).toEqual([a!.memberId]);
    expect((await h.coordinator.heartbeat(hb('g', 1, a!.memberId))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await h.coordinator.heartbeat(hb('g', 1, b!.memberId))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const rejoin = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId, sessionTimeoutMs: 10_000 })));
    await flush();
    expect(rejoin.value).toMatchObject({ generationId: 2, leader: a!.memberId });
  });

  it('empties the group when its only member expires', async () => {
    const h = await createHarness();
    await formStableGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 10_000 }]);
    await h.advance(10_000);
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('Empty');
    expect(described.members).toEqual([]);
  });

  it('does not expire members parked in JoinGroup, but expires new members after the new-member join timeout', async () => {
    const h = await createHarness({ config: { groupMaxSessionTimeoutMs: 1_800_000 } });
    const [a, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600_000 },
      { clientId: 'b', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600_000 },
    ]);
    // a rejoins and waits; b keeps heartbeating but never rejoins; c is new.
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600_000 })));
    const jc = await joinNew(h, { groupId: 'g', clientId: 'c', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 600_000 });
    let elapsed = 0;
    while (elapsed + 9_000 < NEW_MEMBER_JOIN_TIMEOUT_MS) {
      await h.advance(9_000);
      elapsed += 9_000;
      expect((await h.coordinator.heartbeat(hb('g', 1, b!.memberId))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    // Far beyond the 10s session of a, which is parked in JoinGroup and so not expired.
    expect(ja.done || jc.done).toBe(false);
    await h.advance(NEW_MEMBER_JOIN_TIMEOUT_MS - elapsed);
    // The new member c timed out and was told to rejoin; a is still waiting for b.
    expect(jc.value.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(ja.done).toBe(false);
    expect((await h.coordinator.describeGroups(['g']))[0]!.members.map((m) => m.memberId)).toEqual([a!.memberId, b!.memberId]);
  });

  it('removes members that never send SyncGroup within the rebalance timeout and rebalances', async () => {
    const h = await createHarness();
    const ja = await joinNew(h, { groupId: 'g', clientId: 'a', rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const jb = await joinNew(h, { groupId: 'g', clientId: 'b', rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    await h.advance(0);
    const leader = ja.value.memberId;
    const sa = track(h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }));
    await flush();
    expect(sa.value.errorCode).toBe(ErrorCode.NONE);
    await h.advance(19_999);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');
    await h.advance(1);
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('PreparingRebalance');
    expect(described.members.map((m) => m.memberId)).toEqual([leader]);
    expect((await h.coordinator.heartbeat(hb('g', 1, jb.value.memberId))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
