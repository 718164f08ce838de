import { ApiKey, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { encodeConsumerProtocolSubscription } from '../coordinator/group/consumer-protocol.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../coordinator/group/group-admin.js';
import { callHandler } from '../coordinator/test-support/direct-call.js';
import { WireClient } from '../coordinator/test-support/wire-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { listGroupsHandler } from './list-groups.js';

/** READ (3), DELETE (6) and DESCRIBE (8) as a bit field: everything a group supports. */
const ALL_GROUP_OPERATIONS = 0b1_0100_1000;

describe('DescribeGroups, ListGroups and DeleteGroups on the wire', () => {
  let broker: RunningBroker;
  let cleanup: () => Promise<void>;
  let c: WireClient;
  let memberId: string;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 } });
    await broker.services.topics.createTopic({ name: 'orders', numPartitions: 1 });
    c = await WireClient.connect(broker.port);
    await c.call(ApiKey.FindCoordinator, 0, { key: 'x' });
    // 'busy' is Stable with one member; 'idle' is Empty with a committed offset.
    const joined = await c.call(ApiKey.JoinGroup, 3, {
      groupId: 'busy',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: [{ name: 'roundrobin', metadata: encodeConsumerProtocolSubscription({ version: 0, topics: ['orders'], ownedPartitions: [] }) }],
    });
    memberId = joined.memberId;
    await c.call(ApiKey.SyncGroup, 2, { groupId: 'busy', generationId: joined.generationId, memberId, assignments: [{ memberId, assignment: Buffer.from('p0') }] });
    await c.call(ApiKey.OffsetCommit, 2, {
      groupId: 'idle',
      generationIdOrMemberEpoch: -1,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
    });
  });
  afterAll(async () => {
    c.close();
    await broker.stop();
    await cleanup();
  });

  it('describes a Stable group with its members, an Empty one, and an unknown one as Dead', async () => {
    const r = await c.call(ApiKey.DescribeGroups, 2, { groups: ['busy', 'idle', 'unknown'] });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType, g.protocolData])).toEqual([
      ['busy', ErrorCode.NONE, 'Stable', 'consumer', 'roundrobin'],
      ['idle', ErrorCode.NONE, 'Empty', '', ''],
      ['unknown', ErrorCode.NONE, 'Dead', '', ''],
    ]);
    expect(r.groups[0]!.members).toEqual([
      {
        memberId,
        groupInstanceId: null,
        clientId: 'wire-test',
        clientHost: '/127.0.0.1',
        memberMetadata: encodeConsumerProtocolSubscription({ version: 0, topics: ['orders'], ownedPartitions: [] }),
        memberAssignment: Buffer.from('p0'),
      },
    ]);
  });

  it('v3+ reports the authorized operations only when asked', async () => {
    const asked = await c.call(ApiKey.DescribeGroups, 3, { groups: ['busy'], includeAuthorizedOperations: true });
    expect(asked.groups[0]!.authorizedOperations).toBe(ALL_GROUP_OPERATIONS);
    const notAsked = await c.call(ApiKey.DescribeGroups, 4, { groups: ['busy'], includeAuthorizedOperations: false });
    expect(notAsked.groups[0]!.authorizedOperations).toBe(AUTHORIZED_OPERATIONS_OMITTED);
  });

  it('lists every group; v4+ filters by state (case-insensitive) and v5+ by type', async () => {
    const all = await c.call(ApiKey.ListGroups, 2, {});
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.groups.map((g) => [g.groupId, g.protocolType]).sort()).toEqual([
      ['busy', 'consumer'],
      ['idle', ''],
    ]);
    const stable = await callHandler(broker, listGroupsHandler, 4, { statesFilter: ['stable'] });
    expect(stable.groups.map((g) => [g.groupId, g.groupState])).toEqual([['busy', 'Stable']]);
    const consumerType = await callHandler(broker, listGroupsHandler, 5, { typesFilter: ['consumer'] });
    expect(consumerType.groups).toEqual([]);
    const classic = await callHandler(broker, listGroupsHandler, 5, { typesFilter: ['Classic'] });
    expect(classic.groups.map((g) => g.groupId).sort()).toEqual(['busy', 'idle']);
  });

  it('deletes an Empty group with its offsets; refuses a group with members and an unknown one', async () => {
    const r = await c.call(ApiKey.DeleteGroups, 1, { groupsNames: ['idle', 'busy', 'ghost'] });
    expect(r.results).toEqual([
      { groupId: 'idle', errorCode: ErrorCode.NONE },
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    const fetched = await c.call(ApiKey.OffsetFetch, 2, { groupId: 'idle', topics: null });
    expect(fetched.topics).toEqual([]);
    expect((await c.call(ApiKey.ListGroups, 0, {})).groups.map((g) => g.groupId)).toEqual(['busy']);
  });
});
