import { ApiKey, ErrorCode, type InitProducerIdResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * InitProducerId (key 22) for idempotent producers: a producer id never handed out before (from a
 * durably persisted block), epoch 0.
 *
 * As Kafka's TransactionCoordinator does, a request without a transactional id gets a fresh
 * producer id even when it names its current id and epoch (v3+, KIP-360): without a transactional
 * id nothing ties that id to the caller, and idempotent clients bump their epoch themselves.
 *
 * Transactional ids are checked as Kafka checks them (empty → INVALID_REQUEST; a timeout above
 * transaction.max.timeout.ms → INVALID_TRANSACTION_TIMEOUT) and then answered UNSUPPORTED_VERSION:
 * there is no transaction coordinator yet, and this is Kafka's own answer to transactional requests
 * on a cluster that cannot serve them (its ensureInterBrokerVersion check). Clients treat it as fatal
 * at once, where COORDINATOR_NOT_AVAILABLE would be retried forever.
 */
export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  versions: advertisedVersions(ApiKey.InitProducerId),
  async handle(ctx, request): Promise<InitProducerIdResponse> {
    if (request.transactionalId === null) {
      const producerId = await ctx.services.producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 };
    }
    if (request.transactionalId === '') return failure(ErrorCode.INVALID_REQUEST);
    const maxTimeoutMs = ctx.services.config.get('transaction.max.timeout.ms');
    if (request.transactionTimeoutMs <= 0 || request.transactionTimeoutMs > maxTimeoutMs) {
      return failure(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    ctx.log.debug({ transactionalId: request.transactionalId }, 'transactions are not supported yet; answering UNSUPPORTED_VERSION');
    return failure(ErrorCode.UNSUPPORTED_VERSION);
  },
});

/** Kafka's initTransactionError: no producer id (-1), no epoch (-1). */
function failure(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}
