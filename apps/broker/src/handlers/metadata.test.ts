import { ApiKey, decodeResponse, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, DataPlaneBroker, produceBody, withDefaults } from '../replica/test-kit.js';
import { RawClient } from '../test-support/raw-client.js';
import { ALL_TOPIC_OPERATIONS, AUTHORIZED_OPERATIONS_OMITTED } from '../replica/topic-metadata.js';
import { advertisedVersions } from './advertised-versions.js';

let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'num.partitions': 3 });
  await b.createTopic('m-existing', 2);
});
afterAll(async () => {
  await b.stop();
});

const named = (...names: string[]) => names.map((name) => ({ name, topicId: Buffer.alloc(16) }));

describe('Metadata', () => {
  it('describes the broker, cluster and a topic with leader, epoch, replicas and ISR', async () => {
    const r = await b.request(ApiKey.Metadata, 8, { topics: named('m-existing'), allowAutoTopicCreation: false });
    expect(r.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.broker.port, rack: null }]);
    expect(r.clusterId).toBe(b.broker.clusterId);
    expect(r.controllerId).toBe(1);
    expect(r.clusterAuthorizedOperations).toBe(AUTHORIZED_OPERATIONS_OMITTED);
    expect(r.topics).toEqual([
      {
        errorCode: 0,
        name: 'm-existing',
        topicId: Buffer.alloc(16), // v8 carries no topic id
        isInternal: false,
        topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        partitions: [0, 1].map((i) => ({
          errorCode: 0,
          partitionIndex: i,
          leaderId: 1,
          leaderEpoch: 0,
          replicaNodes: [1],
          isrNodes: [1],
          offlineReplicas: [],
        })),
      },
    ]);
  });

  it('answers every advertised version', async () => {
    const { min, max } = advertisedVersions(ApiKey.Metadata);
    for (let v = min; v <= max; v++) {
      const r = await b.request(ApiKey.Metadata, v, { topics: named('m-existing') });
      expect(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), `v${v}`).toEqual([['m-existing', 0, 2]]);
      expect(r.brokers[0]!.port).toBe(b.broker.port);
    }
  });

  it('lists every topic for null topics (v1+) and for an empty list in v0, none for an empty list in v1+', async () => {
    await b.createTopic('m-all-a');
    const all = await b.request(ApiKey.Metadata, 1, { topics: null });
    expect(all.topics.map((t) => t.name)).toEqual(expect.arrayContaining(['m-existing', 'm-all-a']));
    const v0 = await b.request(ApiKey.Metadata, 0, { topics: [] });
    expect(v0.topics.map((t) => t.name).sort()).toEqual(all.topics.map((t) => t.name).sort());
    const none = await b.request(ApiKey.Metadata, 1, { topics: [] });
    expect(none.topics).toEqual([]);
  });

  it('auto-creates an unknown topic with num.partitions and returns it ready to use', async () => {
    const r = await b.request(ApiKey.Metadata, 8, { topics: named('m-auto'), allowAutoTopicCreation: true });
    expect(r.topics[0]).toMatchObject({ errorCode: 0, name: 'm-auto' });
    expect(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    // Ready at once: a produce right after succeeds.
    const produced = await b.request(ApiKey.Produce, 8, produceBody('m-auto', 2, batchOf(['x'])));
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    // v0-3 always allow auto-creation.
    const v1 = await b.request(ApiKey.Metadata, 1, { topics: named('m-auto-v1') });
    expect(v1.topics[0]!.errorCode).toBe(0);
  });

  it('does not create when the request (v4+) or the broker forbids it, nor internal topics', async () => {
    const r = await b.request(ApiKey.Metadata, 8, { topics: named('m-not-created', '__transaction_state'), allowAutoTopicCreation: false });
    expect(r.topics.map((t) => [t.name, t.errorCode, t.isInternal])).toEqual([
      ['m-not-created', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      ['__transaction_state', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true],
    ]);
    const internal = await b.request(ApiKey.Metadata, 8, { topics: named('__transaction_state'), allowAutoTopicCreation: true });
    expect(internal.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await b.services.metadata.getTopic('m-not-created')).toBeUndefined();

    const off = await DataPlaneBroker.start({ 'auto.create.topics.enable': false });
    try {
      const v1 = await off.request(ApiKey.Metadata, 1, { topics: named('m-disabled') });
      expect(v1.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      await off.stop();
    }
  });

  it('reports a partition whose replicas are all on other nodes as LEADER_NOT_AVAILABLE (and produce as NOT_LEADER_OR_FOLLOWER)', async () => {
    await b.services.metadata.createTopic({ name: 'm-elsewhere', assignments: [[2]] });
    for (const version of [0, 8]) {
      const r = await b.request(ApiKey.Metadata, version, { topics: named('m-elsewhere') });
      expect(r.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, replicaNodes: [2], isrNodes: [] });
    }
    const produced = await b.request(ApiKey.Produce, 8, produceBody('m-elsewhere', 0, batchOf(['x'])));
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('answers INVALID_TOPIC_EXCEPTION for an illegal name', async () => {
    const r = await b.request(ApiKey.Metadata, 8, { topics: named('bad name!', '..'), allowAutoTopicCreation: true });
    expect(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
      ['..', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
    ]);
  });

  it('flags internal topics and returns authorized operations when asked (v8+)', async () => {
    await b.services.metadata.createTopic({ name: '__consumer_offsets', assignments: [[1]] });
    const r = await b.request(ApiKey.Metadata, 8, {
      topics: named('__consumer_offsets'),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
      includeClusterAuthorizedOperations: true,
    });
    expect(r.topics[0]).toMatchObject({ name: '__consumer_offsets', isInternal: true, errorCode: 0, topicAuthorizedOperations: ALL_TOPIC_OPERATIONS });
    expect(r.clusterAuthorizedOperations).not.toBe(AUTHORIZED_OPERATIONS_OMITTED);
  });

  it('creates a topic asked for on several connections at once only once', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(b.broker.port)));
    try {
      clients.forEach((c, i) => c.send(ApiKey.Metadata, 8, i, withDefaults(ApiKey.Metadata, { topics: named('m-race'), allowAutoTopicCreation: true })));
      for (const c of clients) {
        const r = decodeResponse(ApiKey.Metadata, 8, await c.next()).body;
        expect(r.topics[0]).toMatchObject({ name: 'm-race', errorCode: 0 });
        expect(r.topics[0]!.partitions).toHaveLength(3);
      }
    } finally {
      for (const c of clients) c.close();
    }
    expect((await b.services.metadata.listTopics()).filter((t) => t.name === 'm-race')).toHaveLength(1);
  });
});
