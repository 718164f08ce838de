import {
  ApiKey,
  decodeRecordBatches,
  decodeResponse,
  defaultFetchRequest,
  defaultFetchRequestFetchPartition,
  encodeRecordBatchSync,
  type DecodedRecordBatch,
  type ProduceResponsePartitionProduceResponse,
  type RecordBatchInput,
} from '@tributary/protocol';
import { RawClient } from '../../test-support/raw-client.js';

/**
 * Our own Fetch and Produce over a bare socket: what a test uses to see exactly what the broker
 * stored (batch headers: codec, producer id, sequences) without trusting any client's decoder.
 */

const FETCH_VERSION = 11;
const PRODUCE_VERSION = 8;

export interface PartitionLog {
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly batches: DecodedRecordBatch[];
}

let nextCorrelation = 1;

/** Fetches a partition from `fromOffset` up to its high watermark and decodes every batch. */
export async function fetchPartition(port: number, topic: string, partition: number, fromOffset = 0n, timeoutMs = 10_000): Promise<PartitionLog> {
  const c = await RawClient.connect(port);
  const deadline = Date.now() + timeoutMs;
  const batches: DecodedRecordBatch[] = [];
  let offset = fromOffset;
  try {
    for (;;) {
      const request = defaultFetchRequest();
      request.maxWaitMs = 0;
      request.minBytes = 0;
      request.maxBytes = 16 << 20;
      request.topics = [{ topic, topicId: Buffer.alloc(16), partitions: [{ ...defaultFetchRequestFetchPartition(), partition, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] }];
      const correlationId = nextCorrelation++;
      c.send(ApiKey.Fetch, FETCH_VERSION, correlationId, request);
      const { body } = decodeResponse(ApiKey.Fetch, FETCH_VERSION, await c.next(Math.max(1, deadline - Date.now())));
      const p = body.responses[0]?.partitions[0];
      if (!p) throw new Error(`Fetch response for ${topic}-${partition} has no partition: ${JSON.stringify(body, bigintJson)}`);
      if (p.errorCode !== 0) return { errorCode: p.errorCode, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, batches };
      const got = p.records && p.records.length > 0 ? await decodeRecordBatches(p.records, { allowPartialTail: true }) : [];
      for (const b of got) {
        if (b.lastOffset >= offset) batches.push(b);
      }
      const last = got.at(-1);
      if (last) offset = last.lastOffset + 1n;
      if (!last || offset >= p.highWatermark) return { errorCode: 0, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, batches };
      if (Date.now() > deadline) throw new Error(`fetching ${topic}-${partition} did not reach the high watermark ${p.highWatermark} within ${timeoutMs} ms`);
    }
  } finally {
    c.close();
  }
}

/** Every record of a fetched log, flattened, with string keys and values. */
export function recordsOf(log: PartitionLog): Array<{ offset: bigint; key: string | null; value: string | null; headers: Record<string, string | null> }> {
  return log.batches.flatMap((b) =>
    b.records.map((r) => ({
      offset: r.offset,
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? null])),
    })),
  );
}

/** Sends one batch with Produce v8 on an open connection and returns the partition's response. */
export async function producePartition(
  c: RawClient,
  topic: string,
  partition: number,
  batch: RecordBatchInput | Buffer,
  acks = -1,
): Promise<ProduceResponsePartitionProduceResponse> {
  const records = Buffer.isBuffer(batch) ? batch : encodeRecordBatchSync(batch);
  const correlationId = nextCorrelation++;
  c.send(ApiKey.Produce, PRODUCE_VERSION, correlationId, {
    transactionalId: null,
    acks,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const { header, body } = decodeResponse(ApiKey.Produce, PRODUCE_VERSION, await c.next(15_000));
  if (header.correlationId !== correlationId) throw new Error(`Produce answered correlation ${header.correlationId}, expected ${correlationId}`);
  const p = body.responses[0]?.partitionResponses[0];
  if (!p) throw new Error(`Produce response without a partition: ${JSON.stringify(body, bigintJson)}`);
  return p;
}

/** InitProducerId v1 for an idempotent (non-transactional) producer: its id and epoch. */
export async function initProducerId(c: RawClient): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
  const correlationId = nextCorrelation++;
  c.send(ApiKey.InitProducerId, 1, correlationId, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  const { body } = decodeResponse(ApiKey.InitProducerId, 1, await c.next(10_000));
  return { errorCode: body.errorCode, producerId: body.producerId, producerEpoch: body.producerEpoch };
}

/** JSON.stringify replacer for messages with int64 fields. */
export function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
