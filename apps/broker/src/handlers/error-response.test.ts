import {
  ApiKey,
  apiByKey,
  type DeleteTopicsResponse,
  type FetchRequest,
  type FetchResponse,
  type FindCoordinatorResponse,
  type JoinGroupResponse,
  type ListOffsetsResponse,
  type MetadataResponse,
  type ProduceResponse,
  type RequestByKey,
  type ResponseByKey,
} from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { defaultStruct, mirrorErrorResponse } from './error-response.js';

const UNKNOWN = -1;

/** Mirrors a request into an error response and checks the result encodes and decodes at `version`. */
function mirror<K extends ApiKey>(key: K, version: number, request: RequestByKey[K]): ResponseByKey[K] | undefined {
  const spec = apiByKey[key]!;
  // Round-trip the request first so it has exactly the shape the dispatcher hands over.
  const decodedRequest = spec.request.decode(spec.request.encode(request, version), version);
  const response = mirrorErrorResponse(spec.request, spec.response, decodedRequest, version, UNKNOWN) as ResponseByKey[K] | undefined;
  if (response !== undefined) {
    const bytes = spec.response.encode(response, version);
    return spec.response.decode(bytes, version) as ResponseByKey[K];
  }
  return response;
}

function req<K extends ApiKey>(key: K, fields: Partial<RequestByKey[K]>): RequestByKey[K] {
  return { ...(apiByKey[key]!.request.defaultValue() as RequestByKey[K]), ...fields };
}

describe('mirrorErrorResponse', () => {
  it('gives every produced partition the error, keyed like the request', () => {
    const request = req(ApiKey.Produce, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'a', partitionData: [{ index: 0, records: null }, { index: 3, records: null }] },
        { name: 'b', partitionData: [{ index: 1, records: null }] },
      ],
    });
    const r = mirror(ApiKey.Produce, 7, request) as ProduceResponse;
    expect(r.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode])])).toEqual([
      ['a', [[0, UNKNOWN], [3, UNKNOWN]]],
      ['b', [[1, UNKNOWN]]],
    ]);
  });

  it('mirrors Fetch topics and partitions, not the forgotten-topics list', () => {
    const base = apiByKey[ApiKey.Fetch]!.request.defaultValue() as FetchRequest;
    const request: FetchRequest = {
      ...base,
      topics: [
        {
          topic: 't',
          topicId: Buffer.alloc(16),
          partitions: [{ partition: 2, currentLeaderEpoch: -1, fetchOffset: 5n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1000, replicaDirectoryId: Buffer.alloc(16) }],
        },
      ],
      forgottenTopicsData: [{ topic: 'old', topicId: Buffer.alloc(16), partitions: [9] }],
    };
    const r = mirror(ApiKey.Fetch, 11, request) as FetchResponse;
    expect(r.errorCode).toBe(UNKNOWN);
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.topic).toBe('t');
    expect(r.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([[2, UNKNOWN]]);
  });

  it('fills ListOffsets and Metadata per topic', () => {
    const lo = mirror(
      ApiKey.ListOffsets,
      1,
      req(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: 'x', partitions: [{ partitionIndex: 4, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] }),
    ) as ListOffsetsResponse;
    expect(lo.topics[0]!.name).toBe('x');
    expect(lo.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 4, errorCode: UNKNOWN });

    const md = mirror(ApiKey.Metadata, 1, req(ApiKey.Metadata, { topics: [{ name: 'm', topicId: Buffer.alloc(16) }] })) as MetadataResponse;
    expect(md.topics.map((t) => [t.name, t.errorCode])).toEqual([['m', UNKNOWN]]);
  });

  it('uses the request array that exists in the version (DeleteTopics names before v6, ids from v6)', () => {
    const v6 = mirror(
      ApiKey.DeleteTopics,
      6,
      req(ApiKey.DeleteTopics, { topics: [{ name: 'n', topicId: Buffer.alloc(16, 7) }], timeoutMs: 100 }),
    ) as DeleteTopicsResponse;
    expect(v6.responses.map((t) => [t.name, t.topicId.toString('hex'), t.errorCode])).toEqual([['n', '07'.repeat(16), UNKNOWN]]);
  });

  it('maps bare topic names and group ids to per-entry results', () => {
    const dt = mirror(ApiKey.DeleteTopics, 1, req(ApiKey.DeleteTopics, { topicNames: ['p', 'q'], timeoutMs: 100 })) as DeleteTopicsResponse;
    expect(dt.responses.map((t) => [t.name, t.errorCode])).toEqual([
      ['p', UNKNOWN],
      ['q', UNKNOWN],
    ]);
    const dg = mirror(ApiKey.DescribeGroups, 0, req(ApiKey.DescribeGroups, { groups: ['g1'] }));
    expect(dg!.groups.map((g) => [g.groupId, g.errorCode])).toEqual([['g1', UNKNOWN]]);
  });

  it('sets the top-level error code of group and coordinator APIs', () => {
    const jg = mirror(ApiKey.JoinGroup, 2, req(ApiKey.JoinGroup, { groupId: 'g', protocolType: 'consumer', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000 })) as JoinGroupResponse;
    expect(jg.errorCode).toBe(UNKNOWN);
    const fc = mirror(ApiKey.FindCoordinator, 0, req(ApiKey.FindCoordinator, { key: 'g' })) as FindCoordinatorResponse;
    expect(fc.errorCode).toBe(UNKNOWN);
  });

  it('returns undefined when the response has nowhere to carry the error', () => {
    // A Produce request naming no topic: the response has no error code to set.
    expect(mirror(ApiKey.Produce, 7, req(ApiKey.Produce, { acks: 1, timeoutMs: 1, topicData: [] }))).toBeUndefined();
  });

  it('builds schema defaults equal to the generated defaults', () => {
    for (const key of [ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.ApiVersions, ApiKey.JoinGroup]) {
      const spec = apiByKey[key]!;
      expect(defaultStruct(spec.response.schema), spec.name).toEqual(spec.response.defaultValue());
    }
  });
});
