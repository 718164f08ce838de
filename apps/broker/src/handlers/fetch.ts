import {
  ApiKey,
  ErrorCode,
  defaultFetchResponsePartitionData,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '@tributary/protocol';
import { READ_UNCOMMITTED, type FetchPartitionRequest, type FetchPartitionResult } from '../replica/fetch-types.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Fetch sessions (KIP-227) exist from v7; topic ids replace names from v13. */
const FIRST_SESSION_VERSION = 7;
const FIRST_TOPIC_ID_VERSION = 13;
/** Session epochs that mean "a full fetch": 0 asks for a new session, -1 for none. */
const INITIAL_EPOCH = 0;
const FINAL_EPOCH = -1;
const NO_SESSION = 0;

/**
 * Fetch (key 1), consumers only (replica_id is not used for follower semantics yet): reads each
 * partition from its fetch offset up to the high watermark (read_uncommitted) or the last stable
 * offset (read_committed), returning the stored batches as they are, and long-polls up to
 * max_wait_ms for min_bytes.
 *
 * Fetch sessions are never cached: a full fetch (session epoch 0 or -1) is always answered
 * sessionless with session id 0, which is what Kafka does when its session cache will not admit
 * one; an incremental fetch (epoch > 0) can only name a session this broker never created, so it
 * gets FETCH_SESSION_ID_NOT_FOUND, upon which clients fall back to full fetches.
 */
export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  versions: advertisedVersions(ApiKey.Fetch),
  async handle(ctx, request): Promise<FetchResponse> {
    const version = ctx.apiVersion;
    if (version >= FIRST_SESSION_VERSION && request.sessionEpoch !== INITIAL_EPOCH && request.sessionEpoch !== FINAL_EPOCH) {
      return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    }
    const replicas = ctx.services.replicaManager;
    const byId = version >= FIRST_TOPIC_ID_VERSION;
    const partitions: FetchPartitionRequest[] = [];
    for (const topic of request.topics) {
      const name = byId ? replicas.topicNameById(topic.topicId) : topic.topic;
      for (const p of topic.partitions) {
        partitions.push({
          topic: name,
          partition: p.partition,
          fetchOffset: toOffset(p.fetchOffset),
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
        });
      }
    }
    const results = await replicas.fetch({
      maxWaitMs: request.maxWaitMs,
      minBytes: request.minBytes,
      maxBytes: request.maxBytes,
      isolationLevel: version >= 4 ? request.isolationLevel : READ_UNCOMMITTED,
      partitions,
    });

    let k = 0;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: NO_SESSION,
      nodeEndpoints: [],
      responses: request.topics.map((topic) => ({
        topic: byId ? '' : topic.topic,
        topicId: topic.topicId,
        partitions: topic.partitions.map((p) => partitionData(p.partition, results[k++]!)),
      })),
    };
  },
  errorResponse(_ctx, request, errorCode) {
    return errorFor(request, errorCode);
  },
});

/** Offsets beyond 2^53 cannot exist in a log; they become an out-of-range number that fails the read. */
function toOffset(offset: bigint): number {
  return offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER + 1 : Number(offset);
}

function partitionData(partitionIndex: number, r: FetchPartitionResult): FetchResponsePartitionData {
  return {
    ...defaultFetchResponsePartitionData(),
    partitionIndex,
    errorCode: r.errorCode,
    highWatermark: BigInt(r.highWatermark),
    lastStableOffset: BigInt(r.lastStableOffset),
    logStartOffset: BigInt(r.logStartOffset),
    abortedTransactions: r.abortedTransactions === null ? null : r.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
    records: r.records,
  };
}

/** A session error: no partitions, the error at the top (v7+, where sessions exist). */
function topLevelError(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: NO_SESSION, responses: [], nodeEndpoints: [] };
}

/** Every requested partition with the error (the dispatcher's answer when the handler fails). */
function errorFor(request: FetchRequest, errorCode: number): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    sessionId: NO_SESSION,
    nodeEndpoints: [],
    responses: request.topics.map((topic) => ({
      topic: topic.topic,
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => ({
        ...defaultFetchResponsePartitionData(),
        partitionIndex: p.partition,
        errorCode,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        records: Buffer.alloc(0),
      })),
    })),
  };
}
