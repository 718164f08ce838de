import { ApiKey, type ListTransactionsResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * ListTransactions (key 66, KIP-664): the transactional ids this coordinator holds, filtered by
 * state names (unknown names are reported back), producer ids and, from v1 (KIP-994), a minimum
 * running time. COORDINATOR_LOAD_IN_PROGRESS while __transaction_state is being replayed.
 */
export const listTransactionsHandler = defineHandler({
  apiKey: ApiKey.ListTransactions,
  versions: advertisedVersions(ApiKey.ListTransactions),
  handle(ctx, request): ListTransactionsResponse {
    const r = ctx.services.transactions.coordinator.listTransactions({
      stateFilters: request.stateFilters,
      producerIdFilters: request.producerIdFilters.map(Number),
      durationFilterMs: ctx.apiVersion >= 1 ? Number(request.durationFilter) : -1,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      unknownStateFilters: r.unknownStateFilters,
      transactionStates: r.transactions.map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })),
    };
  },
});
