import { ApiKey, ErrorCode, type InitProducerIdResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** InitProducerId v4 is the first whose clients understand PRODUCER_FENCED (KIP-588). */
const FIRST_PRODUCER_FENCED_VERSION = 4;

/**
 * InitProducerId (key 22).
 *
 * Without a transactional id (idempotent producers): a producer id never handed out before (from
 * a durably persisted block), epoch 0. As Kafka's TransactionCoordinator does, it is a fresh id
 * even when the request names its current id and epoch (v3+, KIP-360): nothing ties that id to
 * the caller, and idempotent clients bump their epoch themselves.
 *
 * With a transactional id: the transaction coordinator's answer (a producer id and the next epoch
 * for the id, fencing older instances; CONCURRENT_TRANSACTIONS while a previous instance's
 * transaction is being aborted). An empty id or a timeout outside 1..transaction.max.timeout.ms is
 * refused before anything else, as Kafka checks them first; the first valid request creates
 * __transaction_state if no FindCoordinator did. Versions before 4 get INVALID_PRODUCER_EPOCH for
 * PRODUCER_FENCED, as Kafka answers them.
 */
export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  versions: advertisedVersions(ApiKey.InitProducerId),
  async handle(ctx, request): Promise<InitProducerIdResponse> {
    const { services } = ctx;
    if (request.transactionalId === null) {
      const producerId = await services.producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 };
    }
    if (request.transactionalId === '') return failure(ErrorCode.INVALID_REQUEST);
    const maxTimeoutMs = services.config.get('transaction.max.timeout.ms');
    if (request.transactionTimeoutMs <= 0 || request.transactionTimeoutMs > maxTimeoutMs) {
      return failure(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const ready = await services.transactions.prepare();
    if (ready !== ErrorCode.NONE) return failure(ready);
    const r = await services.transactions.coordinator.initProducerId({
      transactionalId: request.transactionalId,
      transactionTimeoutMs: request.transactionTimeoutMs,
      producerId: Number(request.producerId),
      producerEpoch: request.producerEpoch,
    });
    if (r.errorCode !== ErrorCode.NONE) {
      const fenced = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_PRODUCER_FENCED_VERSION;
      return failure(fenced ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode);
    }
    ctx.log.debug({ transactionalId: request.transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch }, 'initialized transactional id');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch };
  },
});

/** Kafka's initTransactionError: no producer id (-1), no epoch (-1). */
function failure(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}
