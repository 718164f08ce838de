import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { encodeConsumerProtocolSubscription } from './consumer-protocol.js';
import { createHarness, flush, formStableGroup, joinNew, joinRequest, protocols, track } from './test-support/harness.js';

const sync = (groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }> = []) => ({
  groupId,
  generationId,
  memberId,
  groupInstanceId: null,
  protocolType: null,
  protocolName: null,
  assignments,
});

describe('JoinGroup: member ids', () => {
  it('answers a v4+ first join with MEMBER_ID_REQUIRED and a clientId-uuid member id, then accepts that id', async () => {
    const h = await createHarness();
    const first = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'app-1' }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^app-1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(first.generationId).toBe(-1);

    const second = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'app-1', memberId: first.memberId })));
    await h.advance(0);
    expect(second.value).toMatchObject({ errorCode: ErrorCode.NONE, memberId: first.memberId, generationId: 1, leader: first.memberId, protocolName: 'range', protocolType: 'consumer' });
  });

  it('gives v0-v3 members an id at once', async () => {
    const h = await createHarness();
    const join = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, clientId: 'old' })));
    await h.advance(0);
    expect(join.value.errorCode).toBe(ErrorCode.NONE);
    expect(join.value.memberId).toMatch(/^old-/);
    expect(join.value.generationId).toBe(1);
  });

  it('forgets a pending member id that is not used within the session timeout', async () => {
    const h = await createHarness();
    const first = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', sessionTimeoutMs: 10_000 }));
    await h.advance(10_000);
    const late = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: first.memberId }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('rejects a made-up member id for a group that does not exist', async () => {
    const h = await createHarness();
    const r = await h.coordinator.joinGroup(joinRequest({ groupId: 'nope', memberId: 'invented' }));
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('enforces group.min/max.session.timeout.ms', async () => {
    const h = await createHarness({ config: { groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 60_000 } });
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g', sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g', sessionTimeoutMs: 60_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g', sessionTimeoutMs: 6000 }))).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  });

  it('rejects an empty group id with INVALID_GROUP_ID', async () => {
    const h = await createHarness();
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('refuses members beyond group.max.size', async () => {
    const h = await createHarness({ config: { groupMaxSize: 2 } });
    await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const third = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3 }));
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });
});

describe('JoinGroup: protocols', () => {
  it('selects the protocol all members support with the most first-choice votes', async () => {
    const h = await createHarness();
    const a = await joinNew(h, { groupId: 'g', clientId: 'a', protocols: protocols('range', 'roundrobin') });
    const b = await joinNew(h, { groupId: 'g', clientId: 'b', protocols: protocols('roundrobin', 'range') });
    const c = await joinNew(h, { groupId: 'g', clientId: 'c', protocols: protocols('roundrobin', 'range', 'sticky') });
    await h.advance(0);
    for (const j of [a, b, c]) expect(j.value.protocolName).toBe('roundrobin');
  });

  it('never selects a protocol that some member lacks, however popular', async () => {
    const h = await createHarness();
    const a = await joinNew(h, { groupId: 'g', clientId: 'a', protocols: protocols('sticky', 'range') });
    const b = await joinNew(h, { groupId: 'g', clientId: 'b', protocols: protocols('sticky', 'range') });
    const c = await joinNew(h, { groupId: 'g', clientId: 'c', protocols: protocols('range') });
    await h.advance(0);
    for (const j of [a, b, c]) expect(j.value.protocolName).toBe('range');
  });

  it('refuses a member with no protocol in common, or another protocol type, with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const h = await createHarness();
    await formStableGroup(h, 'g', [{ protocols: protocols('range') }]);
    const noCommon = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, protocols: protocols('sticky') }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noProtocols = await h.coordinator.joinGroup(joinRequest({ groupId: 'fresh', apiVersion: 3, protocols: [] }));
    expect(noProtocols.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('join, sync and stable', () => {
  it('forms a three-member group: the first joiner leads and alone receives the members', async () => {
    const h = await createHarness();
    const meta = (t: string) => encodeConsumerProtocolSubscription({ topics: [t] });
    const a = await joinNew(h, { groupId: 'g', clientId: 'a', protocols: [{ name: 'range', metadata: meta('a') }] });
    const b = await joinNew(h, { groupId: 'g', clientId: 'b', protocols: [{ name: 'range', metadata: meta('b') }] });
    const c = await joinNew(h, { groupId: 'g', clientId: 'c', protocols: [{ name: 'range', metadata: meta('c') }] });
    expect(a.done || b.done || c.done).toBe(false);
    await h.advance(0);

    const leaderId = a.value.memberId;
    for (const j of [a, b, c]) expect(j.value).toMatchObject({ errorCode: 0, generationId: 1, leader: leaderId, protocolName: 'range' });
    expect(a.value.members.map((m) => [m.memberId, m.metadata])).toEqual([
      [a.value.memberId, meta('a')],
      [b.value.memberId, meta('b')],
      [c.value.memberId, meta('c')],
    ]);
    expect(b.value.members).toEqual([]);
    expect(c.value.members).toEqual([]);

    // Followers are held until the leader's SyncGroup supplies the assignment.
    const sb = track(h.coordinator.syncGroup(sync('g', 1, b.value.memberId)));
    const sc = track(h.coordinator.syncGroup(sync('g', 1, c.value.memberId)));
    await flush();
    expect(sb.done || sc.done).toBe(false);
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('CompletingRebalance');

    const sa = track(
      h.coordinator.syncGroup(
        sync('g', 1, leaderId, [
          { memberId: leaderId, assignment: Buffer.from('A') },
          { memberId: b.value.memberId, assignment: Buffer.from('B') },
        ]),
      ),
    );
    await flush();
    expect(sa.value).toEqual({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('A') });
    expect(sb.value.assignment).toEqual(Buffer.from('B'));
    // A member the leader did not assign anything gets empty bytes.
    expect(sc.value).toEqual({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.alloc(0) });
    const described = (await h.coordinator.describeGroups(['g']))[0]!;
    expect(described.groupState).toBe('Stable');
    expect(described.protocolData).toBe('range');

    // Once Stable, a late SyncGroup gets the current assignment straight away.
    expect((await h.coordinator.syncGroup(sync('g', 1, b.value.memberId))).assignment).toEqual(Buffer.from('B'));
  });

  it('rejects SyncGroup from unknown members, old generations, mismatched protocols, and during PreparingRebalance', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    expect((await h.coordinator.syncGroup(sync('g', 1, 'stranger'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.coordinator.syncGroup(sync('g', 0, b!.memberId))).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await h.coordinator.syncGroup({ ...sync('g', 1, b!.memberId), protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.coordinator.syncGroup({ ...sync('g', 1, b!.memberId), protocolName: 'sticky' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.coordinator.syncGroup({ ...sync('g', 1, b!.memberId), protocolType: 'consumer', protocolName: 'range' })).errorCode).toBe(ErrorCode.NONE);
    expect((await h.coordinator.syncGroup(sync('nope', 1, b!.memberId))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // The leader rejoins: the group prepares a rebalance and SyncGroup is refused meanwhile.
    track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect((await h.coordinator.syncGroup(sync('g', 1, b!.memberId))).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('keeps the leader when it rejoins, increments the generation, and drops members that do not rejoin in time', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [
      { clientId: 'a', rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 },
      { clientId: 'b', rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 },
    ]);
    const rejoin = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 })));
    await flush();
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b!.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await h.advance(19_999);
    expect(rejoin.done).toBe(false);
    await h.advance(1);
    expect(rejoin.value).toMatchObject({ errorCode: 0, generationId: 2, leader: a!.memberId });
    expect(rejoin.value.members.map((m) => m.memberId)).toEqual([a!.memberId]);
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: b!.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('uses the session timeout as the rebalance timeout for JoinGroup v0', async () => {
    const h = await createHarness();
    const a = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 0, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 900_000 })));
    const b = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 0, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 900_000 })));
    await h.advance(0);
    const syncAll = (memberId: string) =>
      h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await Promise.all([syncAll(a.value.memberId), syncAll(b.value.memberId)]);
    const rejoin = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 0, memberId: a.value.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 900_000 })));
    await h.advance(9_999);
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b.value.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(rejoin.done).toBe(false);
    await h.advance(1);
    expect(rejoin.value).toMatchObject({ generationId: 2, members: [{ memberId: a.value.memberId }] });
  });

  it('completes the join phase as soon as every member has rejoined', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect(ja.done).toBe(false);
    const jb = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId })));
    await flush();
    expect(ja.value.generationId).toBe(2);
    expect(jb.value.generationId).toBe(2);
    expect(jb.value.leader).toBe(a!.memberId);
  });

  it('waits for a member that was told MEMBER_ID_REQUIRED before completing the join phase', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const pending = await h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'c' }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    // Handing out an id does not by itself disturb a Stable group.
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');

    const ja = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    const jb = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId })));
    await flush();
    expect(ja.done || jb.done).toBe(false);
    const jc = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', clientId: 'c', memberId: pending.memberId })));
    await flush();
    expect(jc.value.generationId).toBe(2);
    expect(ja.value.members).toHaveLength(3);
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('delays the first rebalance of a new group and extends the delay while members arrive', async () => {
    const h = await createHarness({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const a = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, rebalanceTimeoutMs: 10_000 })));
    await h.advance(2000);
    const b = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, rebalanceTimeoutMs: 10_000 })));
    await h.advance(1000); // t=3000: a member arrived during the delay, so wait another 3000
    expect(a.done).toBe(false);
    await h.advance(2999);
    expect(a.done).toBe(false);
    await h.advance(1); // t=6000
    expect(a.value.generationId).toBe(1);
    expect(b.value.generationId).toBe(1);
  });

  it('never delays beyond the rebalance timeout however many members keep arriving', async () => {
    const h = await createHarness({ config: { groupInitialRebalanceDelayMs: 3000 } });
    const first = track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, rebalanceTimeoutMs: 10_000 })));
    for (let t = 0; t < 9500; t += 500) {
      await h.advance(500);
      if (first.done) break;
      track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', apiVersion: 3, rebalanceTimeoutMs: 10_000 })));
    }
    expect(first.done).toBe(false); // t=9500
    await h.advance(500);
    expect(first.value.generationId).toBe(1);
  });
});
