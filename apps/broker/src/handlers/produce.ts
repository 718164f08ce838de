import {
  ApiKey,
  ErrorCode,
  defaultProduceResponsePartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '@tributary/protocol';
import type { AppendEntry, PartitionAppendResult } from '../replica/append-types.js';
import { checkProduceRecords, transactionalWriteCheck } from '../replica/produce-records-check.js';
import { advertisedVersions } from './advertised-versions.js';
import { CloseConnection, defineHandler, NO_RESPONSE } from './handler.js';

/** Produce v0-2 carry message format v0/v1, which this broker does not store (like Kafka 4.0). */
const FIRST_SUPPORTED_VERSION = 3;

/**
 * Produce (key 0): appends each partition's record batch to its leader log, stored exactly as sent
 * (any codec, never recompressed). Versions 0-2 are advertised for librdkafka's feature detection
 * only and answered UNSUPPORTED_VERSION per partition. acks=0 gets no response; when a partition
 * failed, the connection is closed instead, as Kafka does, since the client cannot tell otherwise.
 */
export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  versions: advertisedVersions(ApiKey.Produce),
  async handle(ctx, request) {
    const version = ctx.apiVersion;
    const answer = (response: ProduceResponse) => (request.acks === 0 ? silentAnswer(response) : response);
    if (version < FIRST_SUPPORTED_VERSION) {
      return answer(uniformResponse(request, ErrorCode.UNSUPPORTED_VERSION, `Produce v${version} is not supported; use v3 or later (record batch v2)`));
    }
    if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) {
      return uniformResponse(request, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1 (all), not ${request.acks}`);
    }

    // Partitions refused by the request-level checks answer at once; the rest are appended.
    const results: Array<Array<PartitionAppendResult | undefined>> = [];
    const entries: AppendEntry[] = [];
    const slots: Array<[number, number]> = [];
    request.topicData.forEach((topic, t) => {
      results.push(
        topic.partitionData.map((p, i) => {
          const target = { topic: topic.name, partition: p.index, transactions: ctx.services.transactions };
          const problem = checkProduceRecords(version, p.records, target);
          if (problem) return failed(problem.errorCode, problem.message);
          const beforeWrite = transactionalWriteCheck(version, p.records!, target);
          entries.push({ topic: topic.name, partition: p.index, records: p.records!, ...(beforeWrite ? { beforeWrite } : {}) });
          slots.push([t, i]);
          return undefined;
        }),
      );
    });
    const appended = await ctx.services.replicaManager.appendRecords({ acks: request.acks, origin: 'client', entries });
    appended.forEach((r, k) => {
      const [t, i] = slots[k]!;
      results[t]![i] = r;
    });

    return answer({
      throttleTimeMs: 0,
      nodeEndpoints: [],
      responses: request.topicData.map((topic, t) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p, i) => partitionResponse(p.index, results[t]![i]!)),
      })),
    });
  },
});

function partitionResponse(index: number, r: PartitionAppendResult): ProduceResponsePartitionProduceResponse {
  return {
    ...defaultProduceResponsePartitionProduceResponse(),
    index,
    errorCode: r.errorCode,
    baseOffset: BigInt(r.baseOffset),
    logAppendTimeMs: BigInt(r.logAppendTime),
    logStartOffset: BigInt(r.logStartOffset),
    recordErrors: r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
    errorMessage: r.errorMessage,
  };
}

function failed(errorCode: number, message: string): PartitionAppendResult {
  return { errorCode, errorMessage: message, baseOffset: -1, logAppendTime: -1, logStartOffset: -1, recordErrors: [] };
}

/** Every partition of the request answered with the same error. */
function uniformResponse(request: ProduceRequest, errorCode: number, message: string): ProduceResponse {
  return {
    throttleTimeMs: 0,
    nodeEndpoints: [],
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => partitionResponse(p.index, failed(errorCode, message))),
    })),
  };
}

/** acks=0: nothing to send, unless a partition failed, which only a closed connection can report. */
function silentAnswer(response: ProduceResponse): typeof NO_RESPONSE | CloseConnection {
  for (const t of response.responses) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== ErrorCode.NONE) {
        return new CloseConnection(`acks=0 produce to ${t.name}-${p.index} failed with error ${p.errorCode}${p.errorMessage ? `: ${p.errorMessage}` : ''}`);
      }
    }
  }
  return NO_RESPONSE;
}
