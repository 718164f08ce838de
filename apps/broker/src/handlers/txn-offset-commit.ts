import { ApiKey, ErrorCode, type TxnOffsetCommitResponse } from '@tributary/protocol';
import { existingPartitions, partitionErrorsAnswer, type AnsweredPartitions } from '../coordinator/handler-support.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Clients before KAFKA-7296 (TxnOffsetCommit v0-1) may crash on COORDINATOR_LOAD_IN_PROGRESS. */
const FIRST_LOAD_IN_PROGRESS_VERSION = 2;
/** Only v3+ name the member and generation. */
const FIRST_MEMBER_VERSION = 3;

/**
 * TxnOffsetCommit (key 28): a transactional producer's sendOffsetsToTransaction. The offsets are
 * written to the group's partition of __consumer_offsets as part of the producer's transaction and
 * count only once it commits (the transaction coordinator's marker; see
 * GroupCoordinatorService.completeTransaction). As in Kafka's KafkaApis, partitions of topics that
 * do not exist get UNKNOWN_TOPIC_OR_PARTITION, and v0-1 see COORDINATOR_NOT_AVAILABLE instead of
 * COORDINATOR_LOAD_IN_PROGRESS. Below v3 there is no member or generation to check.
 */
export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  versions: advertisedVersions(ApiKey.TxnOffsetCommit),
  async handle(ctx, request): Promise<TxnOffsetCommitResponse> {
    const known = await existingPartitions(ctx.services.metadata, request.topics);
    let answered: AnsweredPartitions = [];

    if (known.length > 0) {
      const withMember = ctx.apiVersion >= FIRST_MEMBER_VERSION;
      const result = await ctx.services.groups.coordinator.commitTransactionalOffsets({
        groupId: request.groupId,
        transactionalId: request.transactionalId,
        producerId: Number(request.producerId),
        producerEpoch: request.producerEpoch,
        generationId: withMember ? request.generationId : -1,
        memberId: withMember ? request.memberId : '',
        groupInstanceId: withMember ? request.groupInstanceId : null,
        topics: known.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: p.committedLeaderEpoch,
            committedMetadata: p.committedMetadata,
          })),
        })),
      });
      answered = result.topics;
    }

    const oldClient = ctx.apiVersion < FIRST_LOAD_IN_PROGRESS_VERSION;
    const forVersion = (code: number) => (oldClient && code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code);
    return { throttleTimeMs: 0, topics: partitionErrorsAnswer(request.topics, answered, forVersion) };
  },
});
