import { ApiKey, ErrorCode, type JoinGroupRequest } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { encodeConsumerProtocolSubscription } from '../coordinator/group/consumer-protocol.js';
import { callHandler } from '../coordinator/test-support/direct-call.js';
import { WireClient } from '../coordinator/test-support/wire-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { joinGroupHandler } from './join-group.js';
import { syncGroupHandler } from './sync-group.js';

const metadata = (topic: string) => encodeConsumerProtocolSubscription({ version: 0, topics: [topic], ownedPartitions: [] });
const join = (groupId: string, extra: Partial<JoinGroupRequest> = {}): Partial<JoinGroupRequest> => ({
  groupId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: metadata('orders') }],
  ...extra,
});

/** Whether the promise settles within ms (a held request does not). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return r;
}

describe('JoinGroup, SyncGroup, Heartbeat and LeaveGroup on the wire', () => {
  let broker: RunningBroker;
  let cleanup: () => Promise<void>;
  const clients: WireClient[] = [];
  const connect = async () => {
    const c = await WireClient.connect(broker.port);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    broker = await startBroker({
      port: 0,
      dataDir: t.dir,
      logger: silentLogger(),
      config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 },
    });
    await (await connect()).call(ApiKey.FindCoordinator, 0, { key: 'any' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await broker.stop();
    await cleanup();
  });

  it('v4+: a new member first gets MEMBER_ID_REQUIRED with its id, then joins with it and leads', async () => {
    const c = await connect();
    const first = await c.call(ApiKey.JoinGroup, 4, join('v4-group'));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^wire-test-/);
    const joined = await c.call(ApiKey.JoinGroup, 4, join('v4-group', { memberId: first.memberId }));
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range', leader: first.memberId, memberId: first.memberId });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: metadata('orders') }]);
    const sync = await c.call(ApiKey.SyncGroup, 3, {
      groupId: 'v4-group',
      generationId: 1,
      memberId: first.memberId,
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('all of it') }],
    });
    expect(sync).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('all of it') });
    expect((await c.call(ApiKey.Heartbeat, 3, { groupId: 'v4-group', generationId: 1, memberId: first.memberId })).errorCode).toBe(ErrorCode.NONE);
  });

  it('v0-3: a second member rebalances the group; heartbeats say REBALANCE_IN_PROGRESS; followers wait for the leader in SyncGroup', async () => {
    const a = await connect();
    const b = await connect();
    const first = await a.call(ApiKey.JoinGroup, 0, join('pair', { rebalanceTimeoutMs: -1 }));
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, leader: first.memberId });
    await a.call(ApiKey.SyncGroup, 0, { groupId: 'pair', generationId: 1, memberId: first.memberId, assignments: [{ memberId: first.memberId, assignment: Buffer.from('a1') }] });

    const bJoin = b.call(ApiKey.JoinGroup, 1, join('pair'));
    expect(await settlesWithin(bJoin, 200)).toBe(false);
    expect((await a.call(ApiKey.Heartbeat, 0, { groupId: 'pair', generationId: 1, memberId: first.memberId })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const aJoin = await a.call(ApiKey.JoinGroup, 2, join('pair', { memberId: first.memberId }));
    const bJoined = await bJoin;
    expect(aJoin).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: first.memberId });
    expect(bJoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: first.memberId, members: [] });
    expect(aJoin.members.map((m) => m.memberId).sort()).toEqual([first.memberId, bJoined.memberId].sort());

    const bSync = b.call(ApiKey.SyncGroup, 1, { groupId: 'pair', generationId: 2, memberId: bJoined.memberId, assignments: [] });
    expect(await settlesWithin(bSync, 200)).toBe(false);
    const aSync = await a.call(ApiKey.SyncGroup, 2, {
      groupId: 'pair',
      generationId: 2,
      memberId: first.memberId,
      assignments: [
        { memberId: first.memberId, assignment: Buffer.from('a2') },
        { memberId: bJoined.memberId, assignment: Buffer.from('b2') },
      ],
    });
    expect(aSync.assignment).toEqual(Buffer.from('a2'));
    expect(await bSync).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('b2') });
    expect((await b.call(ApiKey.Heartbeat, 1, { groupId: 'pair', generationId: 1, memberId: bJoined.memberId })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);

    const described = await a.call(ApiKey.DescribeGroups, 0, { groups: ['pair'] });
    expect(described.groups[0]!.members.map((m) => [m.clientId, m.clientHost])).toEqual([
      ['wire-test', '/127.0.0.1'],
      ['wire-test', '/127.0.0.1'],
    ]);

    // v0-2 LeaveGroup: one member, one error code.
    expect((await b.call(ApiKey.LeaveGroup, 1, { groupId: 'pair', memberId: bJoined.memberId })).errorCode).toBe(ErrorCode.NONE);
    expect((await b.call(ApiKey.LeaveGroup, 0, { groupId: 'pair', memberId: 'ghost' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await a.call(ApiKey.Heartbeat, 2, { groupId: 'pair', generationId: 2, memberId: first.memberId })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('v3 LeaveGroup removes a batch of members and answers each one', async () => {
    const c = await connect();
    const joined = await c.call(ApiKey.JoinGroup, 3, join('batch-leave'));
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const left = await c.call(ApiKey.LeaveGroup, 3, {
      groupId: 'batch-leave',
      members: [
        { memberId: joined.memberId, groupInstanceId: null, reason: null },
        { memberId: 'ghost', groupInstanceId: null, reason: null },
      ],
    });
    expect(left).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(left.members).toEqual([
      { memberId: joined.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE },
      { memberId: 'ghost', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    ]);
    expect((await c.call(ApiKey.DescribeGroups, 1, { groups: ['batch-leave'] })).groups[0]!.groupState).toBe('Empty');
  });

  it('v5: a static member joins without MEMBER_ID_REQUIRED and is fenced by its replacement', async () => {
    const c = await connect();
    const joined = await c.call(ApiKey.JoinGroup, 5, join('static', { groupInstanceId: 'instance-1' }));
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    await c.call(ApiKey.SyncGroup, 3, {
      groupId: 'static',
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: 'instance-1',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('s') }],
    });
    const replacement = await c.call(ApiKey.JoinGroup, 5, join('static', { groupInstanceId: 'instance-1' }));
    expect(replacement).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(replacement.memberId).not.toBe(joined.memberId);
    const stale = await c.call(ApiKey.Heartbeat, 3, { groupId: 'static', generationId: 1, memberId: joined.memberId, groupInstanceId: 'instance-1' });
    expect(stale.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('an error carries an empty protocol name before v7 and a null one from v7', async () => {
    const c = await connect();
    const wire = await c.call(ApiKey.JoinGroup, 5, join('bad-session', { sessionTimeoutMs: 1 }));
    expect(wire).toMatchObject({ errorCode: ErrorCode.INVALID_SESSION_TIMEOUT, protocolName: '', generationId: -1 });
    const v7 = await callHandler(broker, joinGroupHandler, 7, join('bad-session', { sessionTimeoutMs: 1 }));
    expect(v7).toMatchObject({ errorCode: ErrorCode.INVALID_SESSION_TIMEOUT, protocolName: null, protocolType: null });
  });

  it('v5+ SyncGroup without the protocol type or name is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const r = await callHandler(broker, syncGroupHandler, 5, { groupId: 'pair', generationId: 2, memberId: 'x', protocolType: null, protocolName: 'range' });
    expect(r.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});
