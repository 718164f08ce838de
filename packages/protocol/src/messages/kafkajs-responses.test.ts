import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apiVersionsApi,
  createTopicsApi,
  fetchApi,
  findCoordinatorApi,
  heartbeatApi,
  joinGroupApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  produceApi,
  syncGroupApi,
  type ApiSpec,
  type FetchResponse,
} from './index.js';
import { structArb } from './schema-arbitraries.test.support.js';

/**
 * kafkajs only decodes responses, so responses are cross-checked the other way round: a random
 * response is encoded with our encoder and read back with kafkajs 2.2.4's decode+parse for the same
 * version; every field kafkajs reads must equal the value we encoded.
 */

const require = createRequire(import.meta.url);
const RUNS = 20;

type KafkajsResponse = { decode(b: Buffer): Promise<Record<string, unknown>>; parse(d: unknown): Promise<Record<string, unknown>> };

function kafkajsVersions(dir: string): number[] {
  const index = require(`kafkajs/src/protocol/requests/${dir}/index.js`) as { versions: string[] };
  return index.versions.map(Number).sort((a, b) => a - b);
}

async function kafkajsDecode(dir: string, version: number, payload: Buffer): Promise<Record<string, unknown>> {
  const response = require(`kafkajs/src/protocol/requests/${dir}/v${version}/response.js`) as KafkajsResponse;
  return response.parse(await response.decode(payload));
}

/** kafkajs's parse() throws on any error code, so the drawn values carry none. */
function withoutErrors<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutErrors) as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'errorCode' ? 0 : withoutErrors(v);
  return out as T;
}

/** How kafkajs reports throttling: absent before `since`, then as is, then as a client-side hint. */
function throttle(ms: number, version: number, since: number, clientSideFrom: number): Record<string, number> {
  if (version < since) return {};
  if (version < clientSideFrom) return { throttleTime: ms };
  return { throttleTime: 0, clientSideThrottleTime: ms };
}

const str64 = (v: bigint): string => v.toString();

interface Case {
  dir: string;
  api: ApiSpec;
  expected(value: any, version: number): Record<string, unknown>;
  /** Adjusts a drawn value before encoding (Fetch puts kafkajs-readable records in). */
  prepare?(value: any, version: number): Promise<any>;
  /** Checks fields kafkajs derives in its own shape, then removes them from its output. */
  extra?(decoded: Record<string, unknown>, value: any, version: number): void;
}

const cases: Case[] = [
  {
    dir: 'apiVersions',
    api: apiVersionsApi,
    expected: (r, v) => ({
      errorCode: r.errorCode,
      apiVersions: r.apiKeys,
      ...throttle(r.throttleTimeMs, v, 1, 2),
    }),
  },
  {
    dir: 'metadata',
    api: metadataApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 3, 6),
      brokers: r.brokers.map((b: any) => ({ nodeId: b.nodeId, host: b.host, port: b.port, ...(v >= 1 ? { rack: b.rack } : {}) })),
      ...(v >= 2 ? { clusterId: r.clusterId } : {}),
      ...(v >= 1 ? { controllerId: r.controllerId } : {}),
      topicMetadata: r.topics.map((t: any) => ({
        topicErrorCode: t.errorCode,
        topic: t.name,
        ...(v >= 1 ? { isInternal: t.isInternal } : {}),
        partitionMetadata: t.partitions.map((p: any) => ({
          partitionErrorCode: p.errorCode,
          partitionId: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          ...(v >= 5 ? { offlineReplicas: p.offlineReplicas } : {}),
        })),
      })),
    }),
  },
  {
    dir: 'listOffsets',
    api: listOffsetsApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 2, 3),
      responses: r.topics.map((t: any) => ({
        topic: t.name,
        partitions: t.partitions.map((p: any) =>
          v === 0
            ? { partition: p.partitionIndex, errorCode: p.errorCode, offsets: p.oldStyleOffsets.map(str64) }
            : { partition: p.partitionIndex, errorCode: p.errorCode, timestamp: str64(p.timestamp), offset: str64(p.offset) },
        ),
      })),
    }),
  },
  {
    dir: 'findCoordinator',
    api: findCoordinatorApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 1, 2),
      errorCode: r.errorCode,
      ...(v >= 1 ? { errorMessage: r.errorMessage } : {}),
      coordinator: { nodeId: r.nodeId, host: r.host, port: r.port },
    }),
  },
  {
    dir: 'joinGroup',
    api: joinGroupApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 2, 3),
      errorCode: r.errorCode,
      generationId: r.generationId,
      groupProtocol: r.protocolName,
      leaderId: r.leader,
      memberId: r.memberId,
      members: r.members.map((m: any) => ({
        memberId: m.memberId,
        ...(v >= 5 ? { groupInstanceId: m.groupInstanceId } : {}),
        memberMetadata: m.metadata,
      })),
    }),
  },
  {
    dir: 'syncGroup',
    api: syncGroupApi,
    expected: (r, v) => ({ ...throttle(r.throttleTimeMs, v, 1, 2), errorCode: r.errorCode, memberAssignment: r.assignment }),
  },
  {
    dir: 'heartbeat',
    api: heartbeatApi,
    expected: (r, v) => ({ ...throttle(r.throttleTimeMs, v, 1, 2), errorCode: r.errorCode }),
  },
  {
    dir: 'offsetCommit',
    api: offsetCommitApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 3, 4),
      responses: r.topics.map((t: any) => ({
        topic: t.name,
        partitions: t.partitions.map((p: any) => ({ partition: p.partitionIndex, errorCode: p.errorCode })),
      })),
    }),
  },
  {
    dir: 'offsetFetch',
    api: offsetFetchApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 3, 4),
      responses: r.topics.map((t: any) => ({
        topic: t.name,
        partitions: t.partitions.map((p: any) => ({
          partition: p.partitionIndex,
          offset: str64(p.committedOffset),
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      })),
      ...(v >= 2 ? { errorCode: r.errorCode } : {}),
    }),
  },
  {
    dir: 'createTopics',
    api: createTopicsApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 2, 3),
      // kafkajs sorts the results by topic name.
      topicErrors: r.topics
        .map((t: any) => ({ topic: t.name, errorCode: t.errorCode, ...(v >= 1 ? { errorMessage: t.errorMessage } : {}) }))
        .sort((a: any, b: any) => a.topic.localeCompare(b.topic)),
    }),
  },
  {
    dir: 'produce',
    api: produceApi,
    expected: (r, v) => ({
      ...throttle(r.throttleTimeMs, v, 1, 6),
      topics: r.responses.map((t: any) => ({
        topicName: t.name,
        partitions: t.partitionResponses.map((p: any) =>
          v <= 2
            ? {
                partition: p.index,
                errorCode: p.errorCode,
                offset: str64(p.baseOffset),
                ...(v === 2 ? { timestamp: str64(p.logAppendTimeMs) } : {}),
              }
            : {
                partition: p.index,
                errorCode: p.errorCode,
                baseOffset: str64(p.baseOffset),
                logAppendTime: str64(p.logAppendTimeMs),
                ...(v >= 5 ? { logStartOffset: str64(p.logStartOffset) } : {}),
              },
        ),
      })),
    }),
  },
];

// Fetch responses carry records, which kafkajs decodes; they are built with kafkajs's encoders.
const MessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (a: unknown) => { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (a: unknown) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (a: unknown) => unknown;

/** The values written into partition `i`'s records, or null/empty records for some partitions. */
function recordValues(i: number): string[] | null {
  return i % 3 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => `value-${i}-${k}`);
}

async function recordsFor(values: string[] | null, version: number, i: number): Promise<Buffer | null> {
  // kafkajs's v0-3 message-set reader cannot take null records (brokers send empty ones).
  if (values === null) return i % 2 === 0 && version >= 4 ? null : Buffer.alloc(0);
  const timestamp = 1_700_000_000_000;
  if (version < 4) return MessageSet({ messageVersion: 0, entries: values.map((value) => ({ key: null, value, timestamp })) }).buffer;
  const records = values.map((value, k) => Record({ key: null, value: Buffer.from(value), offsetDelta: k, timestampDelta: 0 }));
  const batch = await RecordBatch({ records, firstTimestamp: timestamp, maxTimestamp: timestamp, lastOffsetDelta: records.length - 1 });
  return batch.buffer;
}

cases.push({
  dir: 'fetch',
  api: fetchApi,
  prepare: async (r: FetchResponse, v) => {
    let i = 0;
    for (const t of r.responses) {
      for (const p of t.partitions) {
        p.records = await recordsFor(recordValues(i), v, i);
        i++;
      }
    }
    return r;
  },
  extra: (decoded, r: FetchResponse) => {
    let i = 0;
    const responses = decoded.responses as Array<{ partitions: Array<{ messages?: Array<{ value: Buffer }> }> }>;
    for (const t of responses) {
      for (const p of t.partitions) {
        expect(p.messages!.map((m) => m.value.toString())).toEqual(recordValues(i) ?? []);
        delete p.messages;
        i++;
      }
    }
    expect(i).toBe(r.responses.reduce((n, t) => n + t.partitions.length, 0));
  },
  expected: (r, v) => ({
    ...throttle(r.throttleTimeMs, v, 1, 8),
    ...(v >= 7 ? { errorCode: r.errorCode, sessionId: r.sessionId } : {}),
    responses: r.responses.map((t: any) => ({
      topicName: t.topic,
      partitions: t.partitions.map((p: any) => ({
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        highWatermark: str64(p.highWatermark),
        ...(v >= 4 ? { lastStableOffset: str64(p.lastStableOffset) } : {}),
        ...(v >= 5 ? { lastStartOffset: str64(p.logStartOffset) } : {}),
        ...(v >= 4
          ? {
              abortedTransactions: (p.abortedTransactions ?? []).map((a: any) => ({
                producerId: str64(a.producerId),
                firstOffset: str64(a.firstOffset),
              })),
            }
          : {}),
        ...(v >= 11 ? { preferredReadReplica: p.preferredReadReplica } : {}),
      })),
    })),
  }),
});

describe('responses we encode read back identically through kafkajs 2.2.4', () => {
  it('covers the APIs the brief lists', () => {
    expect(cases.map((c) => c.api.name).sort()).toEqual(
      [
        'ApiVersions',
        'CreateTopics',
        'Fetch',
        'FindCoordinator',
        'Heartbeat',
        'JoinGroup',
        'ListOffsets',
        'Metadata',
        'OffsetCommit',
        'OffsetFetch',
        'Produce',
        'SyncGroup',
      ].sort(),
    );
  });

  for (const c of cases) {
    const versions = kafkajsVersions(c.dir);
    it(`${c.api.name} v${versions.join(', v')}`, async () => {
      for (const version of versions) {
        await fc.assert(
          fc.asyncProperty(structArb(c.api.response.schema, version), async (drawn) => {
            let value = withoutErrors(drawn);
            if (c.prepare) value = await c.prepare(value, version);
            const payload = c.api.response.encode(value, version);
            const decoded = await kafkajsDecode(c.dir, version, payload);
            c.extra?.(decoded, value, version);
            expect(decoded, `${c.api.name} v${version}`).toEqual(c.expected(value, version));
          }),
          { numRuns: RUNS },
        );
      }
    });
  }
});
