import { ApiKey, ErrorCode } from '@tributary/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DataPlaneBroker } from '../../replica/test-kit.js';
import { TRANSACTION_STATE_TOPIC_NAME } from './transaction-log.js';

describe('TransactionCoordinatorService', () => {
  let b: DataPlaneBroker | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  it('hashes ids onto the partitions __transaction_state really has when it was created with another count', async () => {
    b = await DataPlaneBroker.start({ 'transaction.state.log.num.partitions': 3 });
    await b.services.topics.createTopic({ name: TRANSACTION_STATE_TOPIC_NAME, numPartitions: 5 });
    expect((await b.request(ApiKey.FindCoordinator, 1, { key: 'tx', keyType: 1 })).errorCode).toBe(ErrorCode.NONE);
    expect(b.services.transactions.coordinator.config.transactionStateLogNumPartitions).toBe(5);
    // "tx-b" hashes to partition 4 of 5 (1 of 3): its record lands in partition 4.
    expect(b.services.transactions.partitionFor('tx-b')).toBe(4);
    expect((await b.request(ApiKey.InitProducerId, 1, { transactionalId: 'tx-b', transactionTimeoutMs: 1000 })).errorCode).toBe(ErrorCode.NONE);
    expect(b.services.logManager.getLog(TRANSACTION_STATE_TOPIC_NAME, 4)!.logEndOffset).toBe(1);
    expect(b.services.logManager.getLog(TRANSACTION_STATE_TOPIC_NAME, 1)!.logEndOffset).toBe(0);
  });

  it('answers COORDINATOR_NOT_AVAILABLE once closed', async () => {
    b = await DataPlaneBroker.start();
    await b.services.transactions.close();
    expect(await b.services.transactions.prepare()).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await b.request(ApiKey.FindCoordinator, 1, { key: 'tx', keyType: 1 })).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
