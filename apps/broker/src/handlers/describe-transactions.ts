import {
  ApiKey,
  ErrorCode,
  defaultDescribeTransactionsResponseTransactionState,
  type DescribeTransactionsResponse,
  type DescribeTransactionsResponseTransactionState,
} from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * DescribeTransactions (key 65, KIP-664): each transactional id's state, producer, timeout, start
 * time and partitions, as `kafka-transactions.sh describe` shows them. An id the coordinator does
 * not know gets TRANSACTIONAL_ID_NOT_FOUND; a failed entry carries only its id and error, as in Kafka.
 */
export const describeTransactionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  versions: advertisedVersions(ApiKey.DescribeTransactions),
  handle(ctx, request): DescribeTransactionsResponse {
    const coordinator = ctx.services.transactions.coordinator;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((id): DescribeTransactionsResponseTransactionState => {
        const d = coordinator.describeTransaction(id);
        if (d.errorCode !== ErrorCode.NONE) return { ...defaultDescribeTransactionsResponseTransactionState(), transactionalId: id, errorCode: d.errorCode };
        return {
          errorCode: ErrorCode.NONE,
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.transactionTimeoutMs,
          transactionStartTimeMs: BigInt(d.transactionStartTimeMs),
          producerId: BigInt(d.producerId),
          producerEpoch: d.producerEpoch,
          topics: d.topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
        };
      }),
    };
  },
});
