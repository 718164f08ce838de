import {
  ApiKey,
  decodeRecordBatches,
  defaultTxnOffsetCommitRequest,
  encodeRecordBatchSync,
  endTxnMarkerBatch,
  ErrorCode,
  type TxnOffsetCommitRequestPartition,
} from '@tributary/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/coordinator-log.js';
import { WireClient } from '../coordinator/test-support/wire-client.js';
import type { TxnOffsetCommitRequest } from '../coordinator/group/api-types.js';
import type { BrokerServices } from '../services.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { advertisedVersions } from './advertised-versions.js';
import type { RequestContext } from './handler.js';
import { HandlerRegistry } from './registry.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';

const at = (partitionIndex: number, offset: bigint, metadata: string | null = ''): TxnOffsetCommitRequestPartition => ({
  partitionIndex,
  committedOffset: offset,
  committedLeaderEpoch: -1,
  committedMetadata: metadata,
});

describe('TxnOffsetCommit on the wire', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let broker: RunningBroker;
  let c: WireClient;

  const start = async () => {
    broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger(), config: { 'offsets.topic.num.partitions': 3 } });
    c = await WireClient.connect(broker.port);
  };
  const restart = async () => {
    c.close();
    await broker.stop();
    await start();
    await broker.services.groups.whenLoaded();
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await start();
    await broker.services.topics.createTopic({ name: 'orders', numPartitions: 2 });
    expect((await c.call(ApiKey.FindCoordinator, 1, { key: 'tg', keyType: 0 })).errorCode).toBe(ErrorCode.NONE);
  });
  afterEach(async () => {
    c.close();
    await broker.stop();
    await cleanup();
  });

  const committed = async (groupId: string) => {
    const r = await c.call(ApiKey.OffsetFetch, 3, { groupId, topics: null });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    return r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}/${p.metadata}`)).sort();
  };

  /** What the transaction coordinator does once its markers are written: markers, then completeTransaction. */
  const endTxn = async (producerId: bigint, producerEpoch: number, groupId: string, commit: boolean) => {
    const partition = broker.services.groups.partitionFor(groupId);
    const markerBatch = encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId, producerEpoch, coordinatorEpoch: 0, timestamp: BigInt(Date.now()) }));
    const [appended] = await broker.services.replicaManager.appendRecords({
      acks: -1,
      origin: 'coordinator',
      entries: [{ topic: GROUP_METADATA_TOPIC_NAME, partition, records: markerBatch }],
    });
    expect(appended!.errorCode).toBe(ErrorCode.NONE);
    await broker.services.groups.completeTransaction(Number(producerId), [partition], commit);
  };

  it('is advertised as v0-2 and stores offsets that stay invisible until the transaction commits', async () => {
    const versions = await c.call(ApiKey.ApiVersions, 0, {});
    expect(versions.apiKeys.find((k) => k.apiKey === ApiKey.TxnOffsetCommit)).toMatchObject({ minVersion: 0, maxVersion: 2 });
    expect(advertisedVersions(ApiKey.TxnOffsetCommit)).toEqual({ min: 0, max: 2 });

    const r = await c.call(ApiKey.TxnOffsetCommit, 2, {
      transactionalId: 'tx-1',
      groupId: 'tg',
      producerId: 1000n,
      producerEpoch: 3,
      topics: [
        { name: 'orders', partitions: [at(0, 10n, 'zero'), at(7, 1n)] },
        { name: 'nope', partitions: [at(0, 3n)] },
      ],
    });
    expect(r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ['orders', [[0, ErrorCode.NONE], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
    expect(await committed('tg')).toEqual([]);

    // Written as a transactional batch of the producer, which holds the partition's last stable offset.
    const partition = broker.services.groups.partitionFor('tg');
    const log = broker.services.logManager.getLog(GROUP_METADATA_TOPIC_NAME, partition)!;
    const [batch] = await decodeRecordBatches((await log.read(0, 1 << 20)).records);
    expect(batch).toMatchObject({ isTransactional: true, isControl: false, producerId: 1000n, producerEpoch: 3 });
    expect(log.lastStableOffset).toBe(0);

    await endTxn(1000n, 3, 'tg', true);
    expect(await committed('tg')).toEqual(['orders-0=10/zero']);
    expect(log.lastStableOffset).toBe(log.logEndOffset);
  });

  it('answers every advertised version the same way, and an aborted transaction leaves the committed offsets alone', async () => {
    const range = advertisedVersions(ApiKey.TxnOffsetCommit);
    for (let v = range.min; v <= range.max; v++) {
      const producerId = BigInt(2000 + v);
      const r = await c.call(ApiKey.TxnOffsetCommit, v, { transactionalId: `tx-${v}`, groupId: `g${v}`, producerId, producerEpoch: 0, topics: [{ name: 'orders', partitions: [at(1, BigInt(v + 5))] }] });
      expect(r.topics[0]!.partitions[0]!.errorCode, `v${v}`).toBe(ErrorCode.NONE);
      await endTxn(producerId, 0, `g${v}`, true);
      expect(await committed(`g${v}`), `v${v}`).toEqual([`orders-1=${v + 5}/`]);
      await c.call(ApiKey.TxnOffsetCommit, v, { transactionalId: `tx-${v}`, groupId: `g${v}`, producerId, producerEpoch: 0, topics: [{ name: 'orders', partitions: [at(1, 99n)] }] });
      await endTxn(producerId, 0, `g${v}`, false);
      expect(await committed(`g${v}`), `v${v}`).toEqual([`orders-1=${v + 5}/`]);
    }
  });

  it('a plain OffsetCommit after the TxnOffsetCommit wins over it when the transaction commits', async () => {
    await c.call(ApiKey.TxnOffsetCommit, 2, { transactionalId: 'tx', groupId: 'mixed', producerId: 3000n, producerEpoch: 0, topics: [{ name: 'orders', partitions: [at(0, 10n), at(1, 11n)] }] });
    const plain = await c.call(ApiKey.OffsetCommit, 2, {
      groupId: 'mixed',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1n,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 20n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'plain' }] }],
    });
    expect(plain.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await endTxn(3000n, 0, 'mixed', true);
    expect(await committed('mixed')).toEqual(['orders-0=20/plain', 'orders-1=11/']);
    await restart();
    expect(await committed('mixed')).toEqual(['orders-0=20/plain', 'orders-1=11/']);
  });

  it('replays committed, aborted and still-open transactions after a restart', async () => {
    const commit = (groupId: string, producerId: bigint, offset: bigint) =>
      c.call(ApiKey.TxnOffsetCommit, 2, { transactionalId: `tx-${producerId}`, groupId, producerId, producerEpoch: 0, topics: [{ name: 'orders', partitions: [at(0, offset)] }] });
    await commit('done', 4001n, 10n);
    await commit('dropped', 4002n, 20n);
    await commit('open', 4003n, 30n);
    await endTxn(4001n, 0, 'done', true);
    await endTxn(4002n, 0, 'dropped', false);

    await restart();
    expect(await committed('done')).toEqual(['orders-0=10/']);
    expect(await committed('dropped')).toEqual([]);
    expect(await committed('open')).toEqual([]);
    // The transaction still open in the log ends after the restart.
    await endTxn(4003n, 0, 'open', true);
    expect(await committed('open')).toEqual(['orders-0=30/']);
  });

  it('refuses a producer whose epoch was fenced (INVALID_PRODUCER_EPOCH) and an empty group id (INVALID_GROUP_ID)', async () => {
    const send = (groupId: string, producerEpoch: number) =>
      c.call(ApiKey.TxnOffsetCommit, 2, { transactionalId: 'tx', groupId, producerId: 5000n, producerEpoch, topics: [{ name: 'orders', partitions: [at(0, 1n)] }] });
    expect((await send('fenced', 4)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await endTxn(5000n, 4, 'fenced', false);
    expect((await send('fenced', 3)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await send('', 4)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});

describe('TxnOffsetCommit version mapping', () => {
  /** The handler over a coordinator that records what it was asked and answers every partition with `errorCode`. */
  async function call(version: number, errorCode: number, body: Partial<ReturnType<typeof defaultTxnOffsetCommitRequest>>) {
    const asked: TxnOffsetCommitRequest[] = [];
    const services = {
      metadata: { getTopic: async (name: string) => (name === 'orders' ? { partitions: [{ partition: 0 }] } : undefined) },
      groups: {
        coordinator: {
          commitTransactionalOffsets: async (req: TxnOffsetCommitRequest) => {
            asked.push(req);
            return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
          },
        },
      },
    } as unknown as BrokerServices;
    const ctx: RequestContext = {
      apiKey: ApiKey.TxnOffsetCommit,
      apiVersion: version,
      correlationId: 1,
      clientId: 'unit',
      connection: { id: 0, listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 },
      services,
      apis: new HandlerRegistry([txnOffsetCommitHandler]),
      log: silentLogger(),
    };
    const response = await txnOffsetCommitHandler.handle(ctx, { ...defaultTxnOffsetCommitRequest(), ...body });
    return { response: response as { topics: Array<{ partitions: Array<{ errorCode: number }> }> }, asked };
  }
  const request = { groupId: 'g', producerId: 9n, producerEpoch: 1, generationId: 4, memberId: 'm', groupInstanceId: 'i', topics: [{ name: 'orders', partitions: [at(0, 5n)] }] };

  it('v0-1 answer COORDINATOR_NOT_AVAILABLE where the coordinator is loading (KAFKA-7296); v2 passes COORDINATOR_LOAD_IN_PROGRESS on', async () => {
    for (const [version, expected] of [
      [0, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [1, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [2, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS],
    ] as const) {
      const { response } = await call(version, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, request);
      expect(response.topics[0]!.partitions[0]!.errorCode, `v${version}`).toBe(expected);
    }
  });

  it('passes the member and generation only from v3, where the request has them', async () => {
    const old = await call(2, ErrorCode.NONE, request);
    expect(old.asked[0]).toMatchObject({ groupId: 'g', producerId: 9, producerEpoch: 1, generationId: -1, memberId: '', groupInstanceId: null });
    const v3 = await call(3, ErrorCode.NONE, request);
    expect(v3.asked[0]).toMatchObject({ generationId: 4, memberId: 'm', groupInstanceId: 'i' });
  });
});
