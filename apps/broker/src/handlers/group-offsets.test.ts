import { ApiKey, ErrorCode, type OffsetCommitRequestPartition } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { encodeConsumerProtocolSubscription } from '../coordinator/group/consumer-protocol.js';
import { callHandler } from '../coordinator/test-support/direct-call.js';
import { WireClient } from '../coordinator/test-support/wire-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { offsetFetchHandler } from './offset-fetch.js';

const at = (partitionIndex: number, offset: bigint, metadata: string | null = '', extra: Partial<OffsetCommitRequestPartition> = {}): OffsetCommitRequestPartition => ({
  partitionIndex,
  committedOffset: offset,
  committedLeaderEpoch: -1,
  commitTimestamp: -1n,
  committedMetadata: metadata,
  ...extra,
});

describe('OffsetCommit, OffsetFetch and OffsetDelete on the wire', () => {
  let broker: RunningBroker;
  let cleanup: () => Promise<void>;
  let c: WireClient;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 } });
    await broker.services.topics.createTopic({ name: 'orders', numPartitions: 3 });
    await broker.services.topics.createTopic({ name: 'audit', numPartitions: 1 });
    c = await WireClient.connect(broker.port);
  });
  afterAll(async () => {
    c.close();
    await broker.stop();
    await cleanup();
  });

  it('before the coordinator exists, v0-1 OffsetFetch puts NOT_COORDINATOR on every partition and v2+ at the top level', async () => {
    const v1 = await c.call(ApiKey.OffsetFetch, 1, { groupId: 'early', topics: [{ name: 'orders', partitionIndexes: [0, 2] }] });
    expect(v1.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NOT_COORDINATOR },
          { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NOT_COORDINATOR },
        ],
      },
    ]);
    const v3 = await c.call(ApiKey.OffsetFetch, 3, { groupId: 'early', topics: [{ name: 'orders', partitionIndexes: [0] }] });
    expect(v3).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, topics: [] });
    await c.call(ApiKey.FindCoordinator, 0, { key: 'early' });
  });

  it('commits (generation -1) answer UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist and store the rest with their metadata', async () => {
    const r = await c.call(ApiKey.OffsetCommit, 2, {
      groupId: 'standalone',
      generationIdOrMemberEpoch: -1,
      retentionTimeMs: -1n,
      topics: [
        { name: 'orders', partitions: [at(0, 10n, 'first'), at(5, 1n)] },
        { name: 'nope', partitions: [at(0, 3n)] },
        { name: 'audit', partitions: [at(0, 99n, null)] },
      ],
    });
    expect(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ['orders', [[0, ErrorCode.NONE], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['audit', [[0, ErrorCode.NONE]]],
    ]);
    const fetched = await c.call(ApiKey.OffsetFetch, 1, { groupId: 'standalone', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] });
    expect(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([
      [0, 10n, 'first'],
      [1, -1n, ''],
    ]);
    // v2+: topics null = every committed partition.
    const all = await c.call(ApiKey.OffsetFetch, 2, { groupId: 'standalone', topics: null });
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}@${p.committedOffset}`)).sort()).toEqual(['audit-0@99', 'orders-0@10']);
  });

  it('v5 commits carry the committed leader epoch back (v6 fetch), and v0 commits are stored like v1', async () => {
    await c.call(ApiKey.OffsetCommit, 7, { groupId: 'epochs', generationIdOrMemberEpoch: -1, topics: [{ name: 'orders', partitions: [at(1, 20n, 'm', { committedLeaderEpoch: 4 })] }] });
    const v5 = await c.call(ApiKey.OffsetFetch, 5, { groupId: 'epochs', topics: [{ name: 'orders', partitionIndexes: [1] }] });
    expect(v5.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 20n, committedLeaderEpoch: 4, metadata: 'm' });
    const v0 = await c.call(ApiKey.OffsetCommit, 0, { groupId: 'zero', topics: [{ name: 'orders', partitions: [at(2, 8n)] }] });
    expect(v0.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const back = await c.call(ApiKey.OffsetFetch, 0, { groupId: 'zero', topics: [{ name: 'orders', partitionIndexes: [2] }] });
    expect(back.topics[0]!.partitions[0]!.committedOffset).toBe(8n);
  });

  it('a group member must commit with its generation; an outsider is UNKNOWN_MEMBER_ID, an old generation ILLEGAL_GENERATION', async () => {
    const joined = await c.call(ApiKey.JoinGroup, 3, {
      groupId: 'members',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeConsumerProtocolSubscription({ version: 0, topics: ['orders'], ownedPartitions: [] }) }],
    });
    await c.call(ApiKey.SyncGroup, 2, { groupId: 'members', generationId: joined.generationId, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.alloc(0) }] });
    const commit = (generationIdOrMemberEpoch: number, memberId: string) =>
      c.call(ApiKey.OffsetCommit, 2, { groupId: 'members', generationIdOrMemberEpoch, memberId, topics: [{ name: 'orders', partitions: [at(0, 1n)] }] });
    expect((await commit(joined.generationId, joined.memberId)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await commit(joined.generationId + 1, joined.memberId)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit(-1, '')).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // OffsetDelete refuses offsets of a topic the live group subscribes to, allows the others.
    await c.call(ApiKey.OffsetCommit, 2, { groupId: 'members', generationIdOrMemberEpoch: joined.generationId, memberId: joined.memberId, topics: [{ name: 'audit', partitions: [at(0, 4n)] }] });
    const del = await c.call(ApiKey.OffsetDelete, 0, {
      groupId: 'members',
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0 }] },
        { name: 'audit', partitions: [{ partitionIndex: 0 }] },
        { name: 'nope', partitions: [{ partitionIndex: 0 }] },
      ],
    });
    expect(del.errorCode).toBe(ErrorCode.NONE);
    expect(del.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['orders', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['audit', ErrorCode.NONE],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const left = await c.call(ApiKey.OffsetFetch, 3, { groupId: 'members', topics: null });
    expect(left.topics.map((t) => t.name)).toEqual(['orders']);
  });

  it('OffsetDelete of an unknown group is a group-level GROUP_ID_NOT_FOUND without topics', async () => {
    const r = await c.call(ApiKey.OffsetDelete, 0, { groupId: 'never-seen', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] });
    expect(r).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
  });

  it('v8+ OffsetFetch answers several groups, each with its own error', async () => {
    const r = await callHandler(broker, offsetFetchHandler, 8, {
      groups: [
        { groupId: 'standalone', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0] }] },
        { groupId: 'epochs', memberId: null, memberEpoch: -1, topics: null },
        { groupId: '', memberId: null, memberEpoch: -1, topics: [] },
      ],
      requireStable: true,
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}@${p.committedOffset}`))])).toEqual([
      ['standalone', ErrorCode.NONE, ['orders-0@10']],
      ['epochs', ErrorCode.NONE, ['orders-1@20']],
      ['', ErrorCode.NONE, []],
    ]);
  });
});
