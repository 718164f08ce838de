import { ApiKey, encodeRecordBatchSync, ErrorCode } from '@tributary/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../broker.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { GROUP_METADATA_TOPIC_NAME } from './group/coordinator-log.js';
import { encodeConsumerProtocolSubscription } from './group/consumer-protocol.js';
import { partitionForGroup } from './group/partition-for-group.js';
import { localOffsetsPartitions } from './offsets-partitions.js';
import { StorageCoordinatorLog } from './storage-coordinator-log.js';
import { WireClient } from './test-support/wire-client.js';

const PARTITIONS = 4;
const subscription = encodeConsumerProtocolSubscription({ version: 0, topics: ['orders'], ownedPartitions: [] });

describe('GroupCoordinatorService in the broker', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let broker: RunningBroker | undefined;
  const clients: WireClient[] = [];

  const start = async (options: StartBrokerOptions = {}) => {
    broker = await startBroker({
      port: 0,
      dataDir: dir,
      logger: silentLogger(),
      ...options,
      config: { 'offsets.topic.num.partitions': PARTITIONS, 'group.initial.rebalance.delay.ms': 0, ...(options.config as object) },
    });
    return broker;
  };
  const connect = async () => {
    const c = await WireClient.connect(broker!.port);
    clients.push(c);
    return c;
  };
  const restart = async (options: StartBrokerOptions = {}) => {
    for (const c of clients.splice(0)) c.close();
    await broker!.stop();
    return start(options);
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await broker?.stop();
    broker = undefined;
    await cleanup();
  });

  it('creates __consumer_offsets on the first lookup: compacted, internal, one log per partition, every partition coordinated', async () => {
    const b = await start();
    expect(await b.services.metadata.getTopic(GROUP_METADATA_TOPIC_NAME)).toBeUndefined();
    const c = await connect();
    const found = await c.call(ApiKey.FindCoordinator, 2, { key: 'g', keyType: 0 });
    expect(found).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: b.nodeId, host: '127.0.0.1', port: b.port });

    const topic = (await b.services.metadata.getTopic(GROUP_METADATA_TOPIC_NAME))!;
    expect(topic.partitions.map((p) => p.replicas)).toEqual(Array.from({ length: PARTITIONS }, () => [b.nodeId]));
    expect(topic.configs['cleanup.policy']).toBe('compact');
    for (let p = 0; p < PARTITIONS; p++) {
      expect(b.services.logManager.getLog(GROUP_METADATA_TOPIC_NAME, p)?.config.cleanupPolicy).toEqual(['compact']);
      expect(b.services.groups.coordinator.ownsPartition(p)).toBe(true);
    }
    const meta = await c.call(ApiKey.Metadata, 1, { topics: [{ name: GROUP_METADATA_TOPIC_NAME, topicId: Buffer.alloc(16) }] });
    expect(meta.topics[0]).toMatchObject({ name: GROUP_METADATA_TOPIC_NAME, isInternal: true, errorCode: ErrorCode.NONE });
  });

  it('commits, group metadata and deletions survive a clean restart', async () => {
    const b = await start();
    await b.services.topics.createTopic({ name: 'orders', numPartitions: 2 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 1, { key: 'members', keyType: 0 });

    // A standalone consumer's commit (generation -1) and a group that became Stable with a member.
    const commit = await c.call(ApiKey.OffsetCommit, 2, {
      groupId: 'standalone',
      generationIdOrMemberEpoch: -1,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'meta' }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const join = await c.call(ApiKey.JoinGroup, 3, {
      groupId: 'members',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription }],
    });
    expect(join.errorCode).toBe(ErrorCode.NONE);
    const sync = await c.call(ApiKey.SyncGroup, 2, {
      groupId: 'members',
      generationId: join.generationId,
      memberId: join.memberId,
      assignments: [{ memberId: join.memberId, assignment: Buffer.from('mine') }],
    });
    expect(sync).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('mine') });
    // A group deleted before the restart stays deleted.
    await c.call(ApiKey.OffsetCommit, 2, {
      groupId: 'doomed',
      generationIdOrMemberEpoch: -1,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    });
    expect((await c.call(ApiKey.DeleteGroups, 1, { groupsNames: ['doomed'] })).results).toEqual([{ groupId: 'doomed', errorCode: ErrorCode.NONE }]);

    const again = await restart();
    await again.services.groups.whenLoaded();
    const c2 = await connect();
    const fetched = await c2.call(ApiKey.OffsetFetch, 1, { groupId: 'standalone', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] });
    expect(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode])).toEqual([
      [0, -1n, '', ErrorCode.NONE],
      [1, 42n, 'meta', ErrorCode.NONE],
    ]);
    const described = await c2.call(ApiKey.DescribeGroups, 1, { groups: ['members', 'doomed'] });
    expect(described.groups[0]).toMatchObject({ groupId: 'members', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.groups[0]!.members.map((m) => [m.memberId, m.memberAssignment.toString(), m.clientHost])).toEqual([[join.memberId, 'mine', '/127.0.0.1']]);
    expect(described.groups[1]).toMatchObject({ groupId: 'doomed', groupState: 'Dead', errorCode: ErrorCode.NONE });
    // The member kept its generation: its heartbeat is accepted without a rejoin.
    const hb = await c2.call(ApiKey.Heartbeat, 1, { groupId: 'members', generationId: join.generationId, memberId: join.memberId });
    expect(hb.errorCode).toBe(ErrorCode.NONE);
  });

  it('expires the offsets of an empty group after offsets.retention.minutes, and they stay gone after a restart', async () => {
    const clock = { t: Date.now(), now() { return this.t; } };
    const b = await start({ clock, config: { 'offsets.retention.minutes': 1 } });
    await b.services.topics.createTopic({ name: 'orders', numPartitions: 1 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 1, { key: 'old', keyType: 0 });
    for (const groupId of ['old', 'fresh']) {
      if (groupId === 'fresh') clock.t += 30_000;
      await c.call(ApiKey.OffsetCommit, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
      });
    }
    clock.t += 30_001; // 'old' is now older than a minute, 'fresh' is not
    expect(await b.services.groups.coordinator.expireOffsets()).toBe(1);
    const offsetOf = async (client: WireClient, groupId: string) =>
      (await client.call(ApiKey.OffsetFetch, 1, { groupId, topics: [{ name: 'orders', partitionIndexes: [0] }] })).topics[0]!.partitions[0]!.committedOffset;
    expect(await offsetOf(c, 'old')).toBe(-1n);
    expect(await offsetOf(c, 'fresh')).toBe(5n);

    const again = await restart({ clock, config: { 'offsets.retention.minutes': 1 } });
    await again.services.groups.whenLoaded();
    const c2 = await connect();
    expect(await offsetOf(c2, 'old')).toBe(-1n);
    expect(await offsetOf(c2, 'fresh')).toBe(5n);
    expect((await c2.call(ApiKey.ListGroups, 2, {})).groups.map((g) => g.groupId)).toEqual(['fresh']);
  });

  it('the log cleaner compacts __consumer_offsets to the latest state, and a replay after cleaning restores that state', async () => {
    const b = await start();
    await b.services.topics.createTopic({ name: 'orders', numPartitions: 1 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 0, { key: 'busy' });
    const partition = partitionForGroup('busy', PARTITIONS);
    const neighbour = Array.from({ length: 50 }, (_, i) => `gone-${i}`).find((g) => partitionForGroup(g, PARTITIONS) === partition)!;
    const commit = (groupId: string, offset: bigint) =>
      c.call(ApiKey.OffsetCommit, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
      });
    for (let i = 1n; i <= 200n; i++) await commit('busy', i);
    await commit(neighbour, 9n);
    await c.call(ApiKey.DeleteGroups, 1, { groupsNames: [neighbour] });

    const records = async () => {
      let n = 0;
      for await (const _ of new StorageCoordinatorLog(localOffsetsPartitions(b.services.logManager), b.services.clock).readAll(partition)) n++;
      return n;
    };
    expect(await records()).toBe(202);
    await b.services.logManager.getLog(GROUP_METADATA_TOPIC_NAME, partition)!.roll(); // the active segment is never cleaned
    await b.services.logManager.runCleaner();
    // The latest commit of 'busy', and the neighbour's tombstone (kept for delete.retention.ms).
    expect(await records()).toBe(2);

    const again = await restart();
    await again.services.groups.whenLoaded();
    const c2 = await connect();
    const fetched = await c2.call(ApiKey.OffsetFetch, 1, { groupId: 'busy', topics: [{ name: 'orders', partitionIndexes: [0] }] });
    expect(fetched.topics[0]!.partitions[0]!.committedOffset).toBe(200n);
    expect((await c2.call(ApiKey.ListGroups, 2, {})).groups.map((g) => g.groupId)).toEqual(['busy']);
  });

  it('keeps the partition count of an existing __consumer_offsets whatever offsets.topic.num.partitions says now', async () => {
    const b = await start();
    await (await connect()).call(ApiKey.FindCoordinator, 0, { key: 'g' });
    const again = await restart({ config: { 'offsets.topic.num.partitions': 50 } });
    expect(again.services.groups.coordinator.config.offsetsTopicNumPartitions).toBe(PARTITIONS);
    expect(again.services.groups.coordinator.partitionFor('some-group')).toBe(partitionForGroup('some-group', PARTITIONS));
    expect(b).not.toBe(again);
  });

  it('serves the other partitions when one does not replay, and answers NOT_COORDINATOR for the groups of the broken one', async () => {
    const b = await start();
    await b.services.topics.createTopic({ name: 'orders', numPartitions: 1 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 0, { key: 'g' });
    const broken = partitionForGroup('victim', PARTITIONS);
    const healthy = ['a', 'b', 'c', 'd', 'e', 'f'].find((g) => partitionForGroup(g, PARTITIONS) !== broken)!;
    const garbage = encodeRecordBatchSync({ records: [{ key: Buffer.from([0, 0, 0, 9]), value: Buffer.from('not a coordinator record') }] });
    await b.services.logManager.getLog(GROUP_METADATA_TOPIC_NAME, broken)!.append(garbage, { origin: 'coordinator' });

    const again = await restart();
    await again.services.groups.whenLoaded();
    const c2 = await connect();
    const commit = (groupId: string) =>
      c2.call(ApiKey.OffsetCommit, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }],
      });
    expect((await commit('victim')).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await commit(healthy)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('stopping answers a held JoinGroup with NOT_COORDINATOR at once instead of waiting out the shutdown grace', async () => {
    const b = await start({ config: { 'group.initial.rebalance.delay.ms': 60_000 }, shutdownGraceMs: 10_000 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 1, { key: 'slow', keyType: 0 });
    const held = c.call(
      ApiKey.JoinGroup,
      3,
      { groupId: 'slow', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }] },
      15_000,
    );
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await b.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await held).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('partitionFor names the group\'s partition of __consumer_offsets; completeTransaction commits a TxnOffsetCommit there, and is a no-op once closed', async () => {
    const b = await start();
    await b.services.topics.createTopic({ name: 'orders', numPartitions: 1 });
    const c = await connect();
    await c.call(ApiKey.FindCoordinator, 1, { key: 'txg', keyType: 0 });
    const partition = b.services.groups.partitionFor('txg');
    expect(partition).toBe(partitionForGroup('txg', PARTITIONS));
    const sent = await c.call(ApiKey.TxnOffsetCommit, 2, {
      transactionalId: 'tx',
      groupId: 'txg',
      producerId: 77n,
      producerEpoch: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    expect(sent.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const committed = async () => (await c.call(ApiKey.OffsetFetch, 1, { groupId: 'txg', topics: [{ name: 'orders', partitionIndexes: [0] }] })).topics[0]!.partitions[0]!.committedOffset;
    // The marker went to another partition: nothing to complete here.
    await b.services.groups.completeTransaction(77, [(partition + 1) % PARTITIONS], true);
    expect(await committed()).toBe(-1n);
    await b.services.groups.completeTransaction(77, [partition], true);
    expect(await committed()).toBe(9n);
    await b.services.groups.close();
    await expect(b.services.groups.completeTransaction(77, [partition], false)).resolves.toBeUndefined();
  });
});
