import {
  ApiKey,
  ErrorCode,
  type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '@tributary/protocol';
import { INTERNAL_TOPICS } from '../controller/topic-names.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler, type RequestContext } from './handler.js';

/** AddPartitionsToTxn v2 is the first whose clients understand PRODUCER_FENCED (KIP-588). */
const FIRST_PRODUCER_FENCED_VERSION = 2;
/** From v4 the request batches transactions and only brokers send it (KIP-890 verification). */
const FIRST_BATCHED_VERSION = 4;

/**
 * AddPartitionsToTxn (key 24), versions 0-3 (one transaction per request, sent by producers): adds
 * partitions to the producer's transaction, starting it. As Kafka does, every partition is checked
 * first: one of an internal topic gets TOPIC_AUTHORIZATION_FAILED (Kafka never authorizes client
 * writes there), an unknown one UNKNOWN_TOPIC_OR_PARTITION, and then the others are not added and
 * get OPERATION_NOT_ATTEMPTED. Otherwise every partition gets the coordinator's answer
 * (INVALID_PRODUCER_EPOCH for PRODUCER_FENCED before v2). The broker-to-broker batched form (v4+)
 * is not advertised and answers UNSUPPORTED_VERSION.
 */
export const addPartitionsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  versions: advertisedVersions(ApiKey.AddPartitionsToTxn),
  async handle(ctx, request): Promise<AddPartitionsToTxnResponse> {
    if (ctx.apiVersion >= FIRST_BATCHED_VERSION) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const topics = request.v3AndBelowTopics;
    const refused = refusedPartitions(ctx, topics);
    let errorOf: (topic: string, partition: number) => number;
    if (refused.size > 0) {
      errorOf = (topic, partition) => refused.get(`${topic}\u0000${partition}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED;
    } else {
      let error = await ctx.services.transactions.coordinator.addPartitionsToTransaction({
        transactionalId: request.v3AndBelowTransactionalId,
        producerId: Number(request.v3AndBelowProducerId),
        producerEpoch: request.v3AndBelowProducerEpoch,
        partitions: topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
      });
      if (error === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_PRODUCER_FENCED_VERSION) error = ErrorCode.INVALID_PRODUCER_EPOCH;
      errorOf = () => error;
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: topics.map(
        (t): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult => ({
          name: t.name,
          resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorOf(t.name, partitionIndex) })),
        }),
      ),
    };
  },
});

/** The partitions that cannot be added, with why (keyed "topic\0partition"). */
function refusedPartitions(ctx: RequestContext, topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[]): Map<string, number> {
  const refused = new Map<string, number>();
  for (const t of topics) {
    for (const p of t.partitions) {
      if (INTERNAL_TOPICS.has(t.name)) refused.set(`${t.name}\u0000${p}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!ctx.services.replicaManager.getPartition(t.name, p)) refused.set(`${t.name}\u0000${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  return refused;
}
