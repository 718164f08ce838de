import {
  apiByKey,
  decodeResponse,
  encodeRecordBatch,
  encodeRecordBatchSync,
  type ApiKey,
  type RecordBatchInput,
  type RequestByKey,
  type ResponseByKey,
} from '@tributary/protocol';
import { startBroker, type RunningBroker } from '../broker.js';
import { RawClient } from '../test-support/raw-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';

/**
 * Test helpers for the data-plane handler tests: a broker started in-process on port 0 with a temp
 * data dir, a raw TCP client speaking our codec through the real network layer and dispatcher, and
 * record batch builders. Not used by the broker itself.
 */
export class DataPlaneBroker {
  private correlationId = 0;

  private constructor(
    readonly broker: RunningBroker,
    readonly client: RawClient,
    readonly dir: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(config: Record<string, unknown> = {}, dir?: string): Promise<DataPlaneBroker> {
    const t = dir ? { dir, cleanup: async () => undefined } : await tempDir('tributary-dataplane-');
    const broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config });
    const client = await RawClient.connect(broker.port);
    return new DataPlaneBroker(broker, client, t.dir, t.cleanup);
  }

  get services(): RunningBroker['services'] {
    return this.broker.services;
  }

  /** Sends a request (fields not given take their defaults) without waiting for the answer. */
  send<K extends ApiKey>(key: K, version: number, body: Partial<RequestByKey[K]>): number {
    const full = withDefaults(key, body);
    const correlationId = ++this.correlationId;
    this.client.send(key, version, correlationId, full);
    return correlationId;
  }

  /** Reads the next response and checks it answers `correlationId`. */
  async receive<K extends ApiKey>(key: K, version: number, correlationId: number, timeoutMs = 10_000): Promise<ResponseByKey[K]> {
    const { header, body } = decodeResponse(key, version, await this.client.next(timeoutMs));
    if (header.correlationId !== correlationId) {
      throw new Error(`expected the response to correlation id ${correlationId}, got ${header.correlationId}`);
    }
    return body;
  }

  async request<K extends ApiKey>(key: K, version: number, body: Partial<RequestByKey[K]>, timeoutMs?: number): Promise<ResponseByKey[K]> {
    return this.receive(key, version, this.send(key, version, body), timeoutMs);
  }

  async createTopic(name: string, numPartitions = 1, configs: Record<string, string> = {}): Promise<void> {
    await this.services.topics.createTopic({ name, numPartitions, configs });
  }

  /** Stops the broker (data kept unless `removeData`). */
  async stop(removeData = true): Promise<void> {
    this.client.close();
    await this.broker.stop();
    if (removeData) await this.cleanup();
  }
}

/** A whole request body: the fields given over the schema's defaults. */
export function withDefaults<K extends ApiKey>(key: K, body: Partial<RequestByKey[K]>): RequestByKey[K] {
  return { ...(apiByKey[key]!.request.defaultValue() as RequestByKey[K]), ...body };
}

/** An uncompressed (or `compression`) batch of string values, optionally keyed, optionally idempotent. */
export function batchOf(values: readonly string[], opts: Partial<Omit<RecordBatchInput, 'records'>> & { keys?: readonly (string | null)[] } = {}): Buffer {
  const { keys, ...header } = opts;
  return encodeRecordBatchSync({
    ...header,
    records: values.map((v, i) => ({
      value: Buffer.from(v),
      key: keys ? (keys[i] === null || keys[i] === undefined ? null : Buffer.from(keys[i]!)) : null,
    })),
  });
}

/** batchOf for any codec (zstd compresses only asynchronously). */
export function batchOfAsync(values: readonly string[], opts: Partial<Omit<RecordBatchInput, 'records'>> = {}): Promise<Buffer> {
  return encodeRecordBatch({ ...opts, records: values.map((v) => ({ value: Buffer.from(v) })) });
}

/** A batch whose records total about `bytes` (one record of that size). */
export function largeBatch(bytes: number, fill = 0x61): Buffer {
  return encodeRecordBatchSync({ records: [{ value: Buffer.alloc(bytes, fill) }] });
}

/** Produce v8 request body for one partition. */
export function produceBody(topic: string, partition: number, records: Buffer | null, acks = -1): Partial<RequestByKey[ApiKey.Produce]> {
  return { acks, timeoutMs: 5000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

/** Fetch request body (v11 shape) for some partitions of one topic. */
export function fetchBody(
  topic: string,
  partitions: ReadonlyArray<{ partition: number; fetchOffset: number; partitionMaxBytes?: number; currentLeaderEpoch?: number }>,
  opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; isolationLevel?: number; sessionId?: number; sessionEpoch?: number } = {},
): Partial<RequestByKey[ApiKey.Fetch]> {
  return {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: opts.sessionId ?? 0,
    sessionEpoch: opts.sessionEpoch ?? -1,
    topics: [
      {
        topic,
        topicId: Buffer.alloc(16),
        partitions: partitions.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
          fetchOffset: BigInt(p.fetchOffset),
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: p.partitionMaxBytes ?? 1024 * 1024,
          replicaDirectoryId: Buffer.alloc(16),
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}
