import { ApiKey, ErrorCode } from '@tributary/protocol';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPlaneBroker } from '../replica/test-kit.js';
import { PRODUCER_ID_BLOCK_SIZE } from '../producer-ids/producer-id-manager.js';

let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start({ 'transaction.max.timeout.ms': 60_000 });
});
afterAll(async () => {
  await b.stop();
});

const init = (body: { transactionalId?: string | null; transactionTimeoutMs?: number; producerId?: bigint; producerEpoch?: number }, version = 1) =>
  b.request(ApiKey.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, ...body });

describe('InitProducerId', () => {
  it('gives every idempotent producer a new id with epoch 0', async () => {
    const a = await init({});
    const c = await init({}, 0);
    expect(a).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(c).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(c.producerId).toBeGreaterThan(a.producerId);
  });

  it('checks transactional requests as Kafka does before anything else', async () => {
    expect(await init({ transactionalId: '' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
    expect((await init({ transactionalId: 'tx', transactionTimeoutMs: 60_001 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init({ transactionalId: 'tx', transactionTimeoutMs: 0 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    // Refused requests create nothing.
    expect(await b.services.metadata.getTopic('__transaction_state')).toBeUndefined();
  });

  it('gives a transactional id a producer id, then the next epoch on every new instance', async () => {
    const first = await init({ transactionalId: 'tx-init' });
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    // The first transactional InitProducerId created __transaction_state (no FindCoordinator was sent).
    expect(await b.services.metadata.getTopic('__transaction_state')).toBeDefined();
    const second = await init({ transactionalId: 'tx-init' }, 0);
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
  });
});

describe('InitProducerId across a restart', () => {
  it('never hands out an id again after the broker restarts', async () => {
    const first = await DataPlaneBroker.start();
    const dir = first.dir;
    try {
      const before = (await first.request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 1000 })).producerId;
      await first.stop(false);
      const second = await DataPlaneBroker.start({}, dir);
      const after = (await second.request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 1000 })).producerId;
      await second.stop(false);
      expect(after).toBeGreaterThan(before);
      expect(after).toBe(before + BigInt(PRODUCER_ID_BLOCK_SIZE));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
