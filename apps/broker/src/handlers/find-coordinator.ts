import { ApiKey, ErrorCode, type FindCoordinatorResponse, type FindCoordinatorResponseCoordinator } from '@tributary/protocol';
import { coordinatorNode, NO_NODE, type CoordinatorNode } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler, type RequestContext } from './handler.js';

/** FindCoordinator key types (Kafka's CoordinatorType). */
const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

/** From v4 one request looks up several keys (coordinatorKeys) and answers per key. */
const FIRST_BATCHED_VERSION = 4;

interface Lookup {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly node: CoordinatorNode;
}

/**
 * FindCoordinator (key 10): which broker coordinates a group (key type 0) or a transactional id
 * (key type 1). A single node coordinates every group and every transactional id; the first
 * lookup of each kind creates __consumer_offsets or __transaction_state (Kafka creates them on the
 * first lookup too). v0-3 carry one key and answer at the top level; v4+ carry `coordinatorKeys`
 * and answer per key.
 */
export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  versions: advertisedVersions(ApiKey.FindCoordinator),
  async handle(ctx, request): Promise<FindCoordinatorResponse> {
    if (ctx.apiVersion >= FIRST_BATCHED_VERSION) {
      const coordinators: FindCoordinatorResponseCoordinator[] = [];
      for (const key of request.coordinatorKeys) {
        const r = await lookup(ctx, request.keyType, key);
        coordinators.push({ key, nodeId: r.node.nodeId, host: r.node.host, port: r.node.port, errorCode: r.errorCode, errorMessage: r.errorMessage });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators };
    }
    const r = await lookup(ctx, request.keyType, request.key);
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      nodeId: r.node.nodeId,
      host: r.node.host,
      port: r.node.port,
      coordinators: [],
    };
  },
});

async function lookup(ctx: RequestContext, keyType: number, key: string): Promise<Lookup> {
  switch (keyType) {
    case GROUP_KEY_TYPE: {
      const errorCode = await ctx.services.groups.prepare();
      if (errorCode !== ErrorCode.NONE) return failure(errorCode, 'The coordinator is not available.');
      const node = coordinatorNode(ctx.services, ctx.connection.listenerName);
      if (!node) return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, `listener ${ctx.connection.listenerName} is not advertised`);
      ctx.log.debug({ group: key, partition: ctx.services.groups.coordinator.partitionFor(key) }, 'group coordinator lookup');
      return { errorCode: ErrorCode.NONE, errorMessage: null, node };
    }
    case TRANSACTION_KEY_TYPE: {
      // The first lookup creates __transaction_state, as Kafka does.
      const errorCode = await ctx.services.transactions.prepare();
      if (errorCode !== ErrorCode.NONE) return failure(errorCode, 'The coordinator is not available.');
      const node = coordinatorNode(ctx.services, ctx.connection.listenerName);
      if (!node) return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, `listener ${ctx.connection.listenerName} is not advertised`);
      ctx.log.debug({ transactionalId: key, partition: ctx.services.transactions.partitionFor(key) }, 'transaction coordinator lookup');
      return { errorCode: ErrorCode.NONE, errorMessage: null, node };
    }
    default:
      return failure(ErrorCode.INVALID_REQUEST, `Unknown coordinator type ${keyType} in FindCoordinator request`);
  }
}

function failure(errorCode: number, errorMessage: string): Lookup {
  return { errorCode, errorMessage, node: NO_NODE };
}
