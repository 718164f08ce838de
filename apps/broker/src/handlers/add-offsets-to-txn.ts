import { ApiKey, ErrorCode, type AddOffsetsToTxnResponse } from '@tributary/protocol';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/coordinator-log.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** AddOffsetsToTxn v2 is the first whose clients understand PRODUCER_FENCED (KIP-588). */
const FIRST_PRODUCER_FENCED_VERSION = 2;

/**
 * AddOffsetsToTxn (key 25): adds the group's __consumer_offsets partition to the producer's
 * transaction, so that the TxnOffsetCommit that follows is committed or aborted with it (Kafka's
 * handleAddOffsetsToTxnRequest). INVALID_PRODUCER_EPOCH stands for PRODUCER_FENCED before v2.
 */
export const addOffsetsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddOffsetsToTxn,
  versions: advertisedVersions(ApiKey.AddOffsetsToTxn),
  async handle(ctx, request): Promise<AddOffsetsToTxnResponse> {
    const partition = ctx.services.groups.partitionFor(request.groupId);
    let errorCode = await ctx.services.transactions.coordinator.addPartitionsToTransaction({
      transactionalId: request.transactionalId,
      producerId: Number(request.producerId),
      producerEpoch: request.producerEpoch,
      partitions: [{ topic: GROUP_METADATA_TOPIC_NAME, partition }],
    });
    if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_PRODUCER_FENCED_VERSION) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    ctx.log.debug({ transactionalId: request.transactionalId, groupId: request.groupId, partition, errorCode }, 'AddOffsetsToTxn');
    return { throttleTimeMs: 0, errorCode };
  },
});
