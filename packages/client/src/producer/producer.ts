import { ErrorCode, KafkaError, type RecordInput } from '@tributary/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type { TopicInfo } from '../cluster/metadata.js';
import { ClosedError, IllegalStateError } from '../errors.js';
import { BufferMemory } from './buffer-memory.js';
import {
  type Message,
  type Payload,
  type ProducerRecord,
  type RecordMetadata,
  estimateRecordSize,
  toBuffer,
  toNullableBuffer,
  toRecordHeaders,
  toTimestampMs,
} from './message.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';
import type { BatchResult, ProducerBatch } from './producer-batch.js';
import { type ProducerConfig, type ResolvedProducerConfig, resolveProducerConfig } from './producer-config.js';
import { RecordAccumulator } from './record-accumulator.js';
import { Sender } from './sender.js';

export type { BatchResult } from './producer-batch.js';

/** A batch the producer gave up on: which partition, how many records, and why. */
export interface DeliveryFailure {
  topic: string;
  partition: number;
  recordCount: number;
  error: unknown;
}

interface Appended {
  batch: ProducerBatch;
  index: number;
  timestamp: number;
}

/**
 * Sends records to Kafka. Records are batched per partition (batch.size, linger.ms), compressed,
 * and sent by a background sender, one Produce request per broker at a time per slot of
 * max.in.flight.requests.per.connection. With idempotence (the default) the broker drops
 * duplicates from retries and keeps each partition in order.
 *
 * - `send()` resolves with each record's offset once the broker acknowledged it.
 * - `sendFast()` is for high-volume fire-and-forget: it appends synchronously and returns the
 *   promise of the record's batch (shared by every record in it). Failures are also reported to
 *   `onDeliveryError` listeners, so ignoring the promise never loses an error silently.
 */
export class Producer {
  readonly config: ResolvedProducerConfig;
  private readonly accumulator: RecordAccumulator;
  private readonly memory: BufferMemory;
  private readonly sender: Sender;
  private readonly partitioner: Partitioner;
  private readonly errorListeners: Array<(f: DeliveryFailure) => void> = [];
  private connecting: Promise<void> | null = null;
  private connected = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  /**
   * Appends that had to wait (metadata, buffer space) run one after another, and the fast path
   * is closed while any is pending, so records are appended in the order they were sent.
   */
  private orderedTail: Promise<unknown> = Promise.resolve();
  private orderedPending = 0;

  constructor(
    private readonly cluster: Cluster,
    config: ProducerConfig = {},
  ) {
    this.config = resolveProducerConfig(config);
    this.accumulator = new RecordAccumulator(this.config.batchSize);
    this.memory = new BufferMemory(this.config.bufferMemory);
    this.partitioner = this.config.partitioner ?? new DefaultPartitioner(this.config.batchSize).partition;
    this.sender = new Sender(cluster, this.accumulator, this.memory, this.config, (batch, error) => {
      const failure = { topic: batch.topic, partition: batch.partition, recordCount: batch.recordCount, error };
      for (const l of this.errorListeners) l(failure);
    });
  }

  /** Fetches metadata and, with idempotence, the producer id. Optional: send() connects too. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('producer'));
    if (this.connected) return Promise.resolve();
    this.connecting ??= (async () => {
      await this.cluster.connect();
      await this.sender.initialize();
      this.connected = true;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** The producer id and epoch (idempotence), once assigned. */
  get producerIdentity(): { producerId: bigint; producerEpoch: number } | null {
    return this.sender.producerIdentity;
  }

  /** Called for every batch that fails for good (useful with sendFast). */
  onDeliveryError(listener: (failure: DeliveryFailure) => void): () => void {
    this.errorListeners.push(listener);
    return () => {
      const i = this.errorListeners.indexOf(listener);
      if (i >= 0) this.errorListeners.splice(i, 1);
    };
  }

  /**
   * Sends records and resolves, once every one is acknowledged, with where each landed (in the
   * order given). Waits for buffer space (buffer.memory) and topic metadata up to max.block.ms.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const appended = await this.inOrder(() => this.appendAll(record.topic, record.messages));
    return this.settle(record.topic, appended);
  }

  /** Sends to several topics; resolves with the metadata of every record, topic by topic. */
  async sendBatch(records: { topicMessages: ProducerRecord[] }): Promise<RecordMetadata[]> {
    const appended: Array<[string, Appended[]]> = [];
    await this.inOrder(async () => {
      for (const r of records.topicMessages) appended.push([r.topic, await this.appendAll(r.topic, r.messages)]);
    });
    const results = await Promise.all(appended.map(([topic, a]) => this.settle(topic, a)));
    return results.flat();
  }

  /**
   * The fast path: appends one record and returns its batch's promise (shared by the records of
   * the batch, so a million records cost a few thousand promises). Synchronous while the topic's
   * metadata is known and buffer.memory has room; otherwise the record waits, in order, for both.
   * Records sent this way carry their batch's creation time as timestamp.
   */
  sendFast(topic: string, value: Payload | null, key?: Payload | null): Promise<BatchResult> {
    if (this.closed || this.sender.fatal) return Promise.reject(this.sender.fatal ?? new ClosedError('producer'));
    const v = value === null ? null : typeof value === 'string' || !Buffer.isBuffer(value) ? toBuffer(value) : value;
    const k = key === undefined || key === null ? null : toBuffer(key);
    const size = estimateRecordSize(k, v, undefined);
    const info = this.cluster.metadata.topics.get(topic);
    if (info !== undefined && this.orderedPending === 0 && this.connected && size <= this.config.maxRequestSize && this.memory.tryReserve(size)) {
      const record: RecordInput = k === null ? { value: v } : { key: k, value: v };
      return this.appendReserved(info, k, record, size, undefined).batch.promise;
    }
    return this.inOrder(() => this.appendOne(topic, { key: k, value: v }, null)).then((a) => a.batch.promise);
  }

  /** Resolves when buffer.memory has room again; a high-volume loop can pace sendFast with it. */
  waitForBuffer(bytes = this.config.batchSize): Promise<void> {
    return this.memory.whenAvailable(Math.min(bytes, this.memory.limit));
  }

  /** Bytes of records held (queued or awaiting acknowledgement). */
  get bufferedBytes(): number {
    return this.memory.used;
  }

  /** Sends everything appended so far without waiting for linger.ms, and waits for the answers. */
  async flush(): Promise<void> {
    const done = this.sender.beginFlush();
    try {
      // Records still waiting for metadata or buffer space were sent before flush() too.
      await this.orderedTail;
      await Promise.allSettled(this.accumulator.incompleteBatches().map((b) => b.promise));
    } finally {
      done();
    }
  }

  /**
   * Stops accepting records, sends what is buffered (waiting at most timeoutMs, default
   * forever-ish as Java's close()), then closes connections. Records not delivered by then fail.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.memory.abortWaiters(new ClosedError('producer'));
      const timeoutMs = options.timeoutMs ?? 2 ** 31 - 1;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      this.sender.stop(new ClosedError('producer'));
      this.cluster.close();
    })();
    return this.closing;
  }

  private async appendAll(topic: string, messages: Message[]): Promise<Appended[]> {
    if (this.closed || this.sender.fatal) throw this.sender.fatal ?? new ClosedError('producer');
    if (typeof topic !== 'string' || topic.length === 0) throw new IllegalStateError('a record needs a topic');
    const out: Appended[] = [];
    for (const m of messages) out.push(await this.appendOne(topic, m, m));
    this.sender.wakeup();
    return out;
  }

  /** Normalises, waits for metadata and buffer space, picks the partition, appends. */
  private async appendOne(topic: string, m: Message, full: Message | null): Promise<Appended> {
    if (!this.connected) await this.connect();
    const key = toNullableBuffer(m.key);
    const value = toNullableBuffer(m.value);
    const headers = full?.headers !== undefined ? toRecordHeaders(full.headers) : undefined;
    const timestamp = full !== null ? toTimestampMs(full.timestamp) : undefined;
    const size = estimateRecordSize(key, value, headers);
    if (size > this.config.maxRequestSize || size > this.config.bufferMemory) {
      throw new KafkaError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `a record of about ${size} bytes exceeds max.request.size (${this.config.maxRequestSize}) or buffer.memory (${this.config.bufferMemory})`,
      );
    }
    const info = this.cluster.metadata.topics.get(topic) ?? (await this.cluster.topics([topic], this.config.maxBlockMs))[0]!;
    if (m.partition !== undefined && (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= info.partitions.length)) {
      throw new IllegalStateError(`partition ${m.partition} of topic ${topic} does not exist (it has ${info.partitions.length})`);
    }
    await this.memory.reserve(size, this.config.maxBlockMs);
    if (this.closed || this.sender.fatal) {
      this.memory.release(size);
      throw this.sender.fatal ?? new ClosedError('producer');
    }
    const record: RecordInput = { key, value };
    if (headers !== undefined) record.headers = headers;
    if (timestamp !== undefined) record.timestamp = BigInt(timestamp);
    return this.appendReserved(this.cluster.metadata.topics.get(topic) ?? info, key, record, size, m.partition, timestamp);
  }

  private appendReserved(info: TopicInfo, key: Buffer | null, record: RecordInput, size: number, partition: number | undefined, timestamp?: number): Appended {
    const p =
      partition ??
      this.partitioner({ topic: info.name, key, sizeInBytes: size, numPartitions: info.partitions.length, availablePartitions: info.availablePartitions });
    const now = Date.now();
    const { batch, index, batchReady } = this.accumulator.append(info.name, p, record, size, now);
    // A new batch needs a linger timer; a full one can go now.
    if (batchReady || index === 0) this.sender.wakeup();
    return { batch, index, timestamp: timestamp ?? now };
  }

  private async settle(topic: string, appended: Appended[]): Promise<RecordMetadata[]> {
    const results = await Promise.all(appended.map((a) => a.batch.promise));
    return appended.map((a, i) => {
      const r = results[i]!;
      return {
        topic,
        partition: a.batch.partition,
        offset: r.baseOffset >= 0n ? r.baseOffset + BigInt(a.index) : -1n,
        timestamp: r.logAppendTime >= 0n ? Number(r.logAppendTime) : a.timestamp,
      };
    });
  }

  private inOrder<T>(fn: () => Promise<T>): Promise<T> {
    this.orderedPending++;
    const run = this.orderedTail.then(fn);
    this.orderedTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.orderedPending--;
    });
  }
}
