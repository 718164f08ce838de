import {
  ApiKey,
  ErrorCode,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '@tributary/protocol';
import { READ_UNCOMMITTED } from '../replica/fetch-types.js';
import type { ListOffsetResult } from '../replica/offset-lookup.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** The replica id consumers send; anything else (followers, -2 debug tools) may see past the high watermark. */
const CONSUMER_REPLICA_ID = -1;

/**
 * ListOffsets (key 2): per partition, the earliest offset (-2), the latest (-1: the high watermark
 * for read_uncommitted, the last stable offset for read_committed), the record with the largest
 * timestamp (-3), or the first offset whose timestamp is at or after a time, with that record's
 * timestamp and leader epoch. v0 answers the old way: a list of segment start offsets.
 */
export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  versions: advertisedVersions(ApiKey.ListOffsets),
  async handle(ctx, request): Promise<ListOffsetsResponse> {
    const version = ctx.apiVersion;
    const replicas = ctx.services.replicaManager;
    const fromConsumer = request.replicaId === CONSUMER_REPLICA_ID;
    const isolationLevel = fromConsumer ? (version >= 2 ? request.isolationLevel : READ_UNCOMMITTED) : undefined;
    // Kafka refuses a partition named twice in one request (v1+), every occurrence of it.
    const duplicates = version >= 1 ? duplicatePartitions(request) : new Set<string>();
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map(async (p): Promise<ListOffsetsResponseListOffsetsPartitionResponse> => {
            const timestamp = toTimestamp(p.timestamp);
            if (version === 0) {
              const r = await replicas.legacyListOffsets(topic.name, p.partitionIndex, timestamp, p.maxNumOffsets, fromConsumer);
              return { ...partitionResponse(p.partitionIndex, { errorCode: r.errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 }), oldStyleOffsets: r.offsets.map(BigInt) };
            }
            if (duplicates.has(`${topic.name}\u0000${p.partitionIndex}`)) {
              return partitionResponse(p.partitionIndex, { errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1, offset: -1, leaderEpoch: -1 });
            }
            const r = await replicas.listOffset({
              topic: topic.name,
              partition: p.partitionIndex,
              timestamp,
              currentLeaderEpoch: version >= 4 ? p.currentLeaderEpoch : -1,
              isolationLevel,
            });
            // The leader epoch field exists from v4 (and is not ignorable before it).
            return partitionResponse(p.partitionIndex, version >= 4 ? r : { ...r, leaderEpoch: -1 });
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});

function partitionResponse(partitionIndex: number, r: ListOffsetResult): ListOffsetsResponseListOffsetsPartitionResponse {
  return {
    partitionIndex,
    errorCode: r.errorCode,
    oldStyleOffsets: [],
    timestamp: BigInt(r.timestamp),
    offset: BigInt(r.offset),
    leaderEpoch: r.leaderEpoch,
  };
}

/** Timestamps are ms since the epoch; anything beyond 2^53 is simply "later than every record". */
function toTimestamp(t: bigint): number {
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (t < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(t);
}

function duplicatePartitions(request: ListOffsetsRequest): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const t of request.topics) {
    for (const p of t.partitions) {
      const key = `${t.name}\u0000${p.partitionIndex}`;
      if (seen.has(key)) dup.add(key);
      seen.add(key);
    }
  }
  return dup;
}
