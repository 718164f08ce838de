import { ApiKey, ErrorCode, type EndTxnResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** EndTxn v2 is the first whose clients understand PRODUCER_FENCED (KIP-588). */
const FIRST_PRODUCER_FENCED_VERSION = 2;

/**
 * EndTxn (key 26): commits or aborts the producer's transaction. The coordinator answers once the
 * decision is durable and, on this broker, once the markers are written too (see
 * ../coordinator/README.md). INVALID_PRODUCER_EPOCH stands for PRODUCER_FENCED before v2.
 */
export const endTxnHandler = defineHandler({
  apiKey: ApiKey.EndTxn,
  versions: advertisedVersions(ApiKey.EndTxn),
  async handle(ctx, request): Promise<EndTxnResponse> {
    const r = await ctx.services.transactions.coordinator.endTransaction({
      transactionalId: request.transactionalId,
      producerId: Number(request.producerId),
      producerEpoch: request.producerEpoch,
      commit: request.committed,
    });
    const fenced = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_PRODUCER_FENCED_VERSION;
    ctx.log.debug({ transactionalId: request.transactionalId, commit: request.committed, errorCode: r.errorCode }, 'EndTxn');
    return {
      throttleTimeMs: 0,
      errorCode: fenced ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode,
      producerId: BigInt(r.producerId),
      producerEpoch: r.producerEpoch,
    };
  },
});
