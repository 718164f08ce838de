import { ApiKey, ErrorCode } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { callHandler } from '../coordinator/test-support/direct-call.js';
import { WireClient } from '../coordinator/test-support/wire-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { findCoordinatorHandler } from './find-coordinator.js';

describe('FindCoordinator', () => {
  let broker: RunningBroker;
  let client: WireClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 2 } });
    client = await WireClient.connect(broker.port);
  });
  afterAll(async () => {
    client.close();
    await broker.stop();
    await cleanup();
  });

  it.each([0, 1, 2])('v%i finds this broker as the coordinator of any group', async (version) => {
    const r = await client.call(ApiKey.FindCoordinator, version, { key: `group-v${version}`, keyType: 0 });
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: broker.nodeId, host: '127.0.0.1', port: broker.port, coordinators: [] });
    if (version >= 1) expect(r.errorMessage).toBeNull();
  });

  it('finds this broker as the coordinator of any transactional id, creating __transaction_state on the first lookup', async () => {
    expect(await broker.services.metadata.getTopic('__transaction_state')).toBeUndefined();
    for (const version of [1, 2]) {
      const r = await client.call(ApiKey.FindCoordinator, version, { key: `tx-v${version}`, keyType: 1 });
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, nodeId: broker.nodeId, host: '127.0.0.1', port: broker.port });
    }
    const topic = await broker.services.metadata.getTopic('__transaction_state');
    expect(topic?.partitions).toHaveLength(2);
    expect(topic?.configs).toMatchObject({ 'cleanup.policy': 'compact', 'compression.type': 'uncompressed', 'min.insync.replicas': '1' });
  });

  it('refuses an unknown key type with INVALID_REQUEST', async () => {
    const r = await client.call(ApiKey.FindCoordinator, 1, { key: 'x', keyType: 7 });
    expect(r).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1, port: -1 });
  });

  it('v4+ answers every key of a batch on its own, at no top-level error', async () => {
    const r = await callHandler(broker, findCoordinatorHandler, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.coordinators).toEqual([
      { key: 'a', nodeId: broker.nodeId, host: '127.0.0.1', port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
      { key: 'b', nodeId: broker.nodeId, host: '127.0.0.1', port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    const tx = await callHandler(broker, findCoordinatorHandler, 4, { keyType: 1, coordinatorKeys: ['t1'] });
    expect(tx.coordinators).toMatchObject([{ key: 't1', nodeId: broker.nodeId, port: broker.port, errorCode: ErrorCode.NONE }]);
  });
});
