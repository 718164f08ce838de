import {
  ApiKey,
  CompressionType,
  ErrorCode,
  KafkaError,
  type ProduceRequest,
  type ProduceResponse,
  type RecordBatchInput,
  encodeRecordBatch,
  encodeRecordBatchSync,
} from '@tributary/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { ClosedError, TimeoutError, UnsupportedVersionError, isRetriableError } from '../errors.js';
import { backoffMs } from '../util/backoff.js';
import type { BufferMemory } from './buffer-memory.js';
import { type ProducerIdentity, assignSequence, classifyIdempotent, mayDrain, recordAck, resetSequences } from './idempotence.js';
import type { PartitionQueue } from './partition-queue.js';
import type { ProducerBatch } from './producer-batch.js';
import type { RecordAccumulator } from './record-accumulator.js';

export interface SenderConfig {
  acks: -1 | 0 | 1;
  lingerMs: number;
  maxRequestSize: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** max.in.flight.requests.per.connection */
  maxInFlight: number;
  compression: CompressionType;
  idempotent: boolean;
}

/** Errors after which the leader we sent to may be stale: refresh metadata before the retry. */
const STALE_METADATA = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
]);

/** Largest InitProducerId transaction timeout, what Java sends for a non-transactional producer. */
const NO_TRANSACTION_TIMEOUT = 0x7fffffff;

/**
 * Moves batches from the accumulator to the brokers (Java's Sender): finds the partitions whose
 * head batch is ready (full, lingered long enough, flushing, or due for a retry), groups them by
 * leader, and sends one Produce request per broker carrying one batch per partition, keeping at
 * most max.in.flight.requests.per.connection requests outstanding per broker. Requests to one
 * broker go out in the order they were drained, even when one needs async (zstd) encoding.
 */
export class Sender {
  private identity: ProducerIdentity | null = null;
  private identityTask: Promise<void> | null = null;
  private needsNewEpoch = false;
  private readonly inFlightByNode = new Map<number, number>();
  private readonly pipelines = new Map<number, Promise<void>>();
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private metadataPending = false;
  private metadataRefreshedAt = 0;
  private flushing = 0;
  private stopped = false;
  private fatalError: unknown = null;
  private drainStart = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator,
    private readonly memory: BufferMemory,
    private readonly config: SenderConfig,
    private readonly onBatchFailed: (batch: ProducerBatch, err: unknown) => void,
  ) {}

  /** Producer id and epoch in use (idempotence), or null before InitProducerId. */
  get producerIdentity(): ProducerIdentity | null {
    return this.identity;
  }

  /** Looks for ready batches soon (after the current tick, so appends in one tick share batches). */
  wakeup(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** Makes every batch ready regardless of linger until the returned function is called. */
  beginFlush(): () => void {
    this.flushing++;
    this.wakeup();
    let ended = false;
    return () => {
      if (!ended) {
        ended = true;
        this.flushing--;
      }
    };
  }

  /** Gets the producer id before the first send, so errors such as an unsupported broker show early. */
  async initialize(): Promise<void> {
    if (!this.config.idempotent || this.identity !== null) return;
    this.identityTask ??= this.initProducerId(false).finally(() => {
      this.identityTask = null;
      this.wakeup();
    });
    await this.identityTask;
  }

  /** Why the sender stopped for good (e.g. InitProducerId refused), or null. */
  get fatal(): unknown {
    return this.fatalError;
  }

  /** Stops sending; batches still queued fail with err. */
  stop(err: unknown = new ClosedError('producer')): void {
    this.stopped = true;
    this.fatalError ??= err;
    if (this.timer) clearTimeout(this.timer);
    for (const q of this.accumulator.allQueues()) {
      for (const b of q.batches.splice(0)) this.fail(b, err);
    }
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const now = Date.now();
    this.expire(now);
    if (this.config.idempotent && (this.identity === null || this.needsNewEpoch)) {
      if (!this.identityTask && !this.anyInFlight()) this.refreshIdentity();
      return;
    }
    let nextWake = Infinity;
    const byLeader = new Map<number, PartitionQueue[]>();
    let leaderMissing = false;
    for (const q of this.accumulator.nonEmptyQueues()) {
      const head = q.head!;
      if (head.retryAt > now) {
        nextWake = Math.min(nextWake, head.retryAt);
        continue;
      }
      if (!this.lingerDone(q, head, now)) {
        nextWake = Math.min(nextWake, head.createdAt + this.config.lingerMs);
        continue;
      }
      const leader = this.cluster.metadata.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        leaderMissing = true;
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(q);
    }
    if (leaderMissing) this.refreshMetadataThenWake();
    for (const [nodeId, queues] of byLeader) this.drainNode(nodeId, queues, now);
    this.armTimer(nextWake);
  }

  private lingerDone(q: PartitionQueue, head: ProducerBatch, now: number): boolean {
    return head.closed || q.batches.length > 1 || now - head.createdAt >= this.config.lingerMs || this.flushing > 0 || head.attempts > 0;
  }

  /** Sends requests to one broker while it has room, each with one ready batch per partition. */
  private drainNode(nodeId: number, queues: PartitionQueue[], now: number): void {
    while ((this.inFlightByNode.get(nodeId) ?? 0) < this.config.maxInFlight) {
      const batches: ProducerBatch[] = [];
      let size = 0;
      // Start at a rotating index so no partition is always last to get into a full request.
      const n = queues.length;
      const start = this.drainStart++ % n;
      for (let i = 0; i < n; i++) {
        const q = queues[(start + i) % n]!;
        const head = q.head;
        if (head === undefined || head.retryAt > now || !this.lingerDone(q, head, now)) continue;
        if (this.config.idempotent && !mayDrain(q, this.config.maxInFlight)) continue;
        if (batches.length > 0 && size + head.sizeInBytes > this.config.maxRequestSize) continue;
        batches.push(this.take(q));
        size += head.sizeInBytes;
      }
      if (batches.length === 0) return;
      this.dispatch(nodeId, batches);
    }
  }

  private take(q: PartitionQueue): ProducerBatch {
    const b = q.batches.shift()!;
    b.closed = true;
    b.inFlight = true;
    q.inFlight++;
    if (this.config.idempotent) assignSequence(q, b, this.identity!);
    return b;
  }

  private dispatch(nodeId: number, batches: ProducerBatch[]): void {
    this.inFlightByNode.set(nodeId, (this.inFlightByNode.get(nodeId) ?? 0) + 1);
    const previous = this.pipelines.get(nodeId) ?? Promise.resolve();
    // The chain only covers connecting, encoding and writing; responses are awaited outside it.
    const written = previous.then(() => this.write(nodeId, batches));
    this.pipelines.set(
      nodeId,
      written.then(
        () => undefined,
        () => undefined,
      ),
    );
    written
      .then((sent) => sent.response)
      .then(
        (response) => this.onResponse(nodeId, batches, response),
        (err: unknown) => this.onRequestError(nodeId, batches, err),
      )
      .catch((err: unknown) => {
        // A bug in response handling must not leave batches hanging.
        for (const b of batches) if (!b.isDone) this.fail(b, err);
      });
  }

  private async write(nodeId: number, batches: ProducerBatch[]): Promise<{ response: Promise<ProduceResponse | undefined> }> {
    const broker = this.cluster.broker(nodeId);
    const conn = broker.current ?? (await broker.connection());
    const version = conn.versionFor(ApiKey.Produce);
    if (version === undefined) throw new UnsupportedVersionError(`broker ${conn.address} does not support Produce v3 or later (record batches)`);
    const byTopic = new Map<string, ProduceRequest['topicData'][number]>();
    for (const b of batches) {
      const records = b.encoded ?? (await this.encode(b));
      let t = byTopic.get(b.topic);
      if (!t) byTopic.set(b.topic, (t = { name: b.topic, partitionData: [] }));
      t.partitionData.push({ index: b.partition, records });
    }
    const body: ProduceRequest = { transactionalId: null, acks: this.config.acks, timeoutMs: this.config.requestTimeoutMs, topicData: [...byTopic.values()] };
    if (this.config.acks === 0) {
      return { response: conn.send(ApiKey.Produce, version, body, { expectResponse: false }).then(() => undefined) };
    }
    return { response: conn.send(ApiKey.Produce, version, body) };
  }

  private async encode(b: ProducerBatch): Promise<Buffer> {
    const input: RecordBatchInput = {
      compression: this.config.compression,
      baseTimestamp: BigInt(b.createdAt),
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
      records: b.records,
    };
    b.encoded = this.config.compression === CompressionType.Zstd ? await encodeRecordBatch(input) : encodeRecordBatchSync(input);
    return b.encoded;
  }

  private landed(nodeId: number, batches: ProducerBatch[]): void {
    this.inFlightByNode.set(nodeId, (this.inFlightByNode.get(nodeId) ?? 1) - 1);
    for (const b of batches) {
      b.inFlight = false;
      this.accumulator.queue(b.topic, b.partition).inFlight--;
    }
  }

  private onResponse(nodeId: number, batches: ProducerBatch[], response: ProduceResponse | undefined): void {
    this.landed(nodeId, batches);
    if (response === undefined) {
      // acks=0: the broker says nothing, so nothing is known beyond "written to the socket".
      for (const b of batches) this.complete(b, -1n, -1n);
      this.wakeup();
      return;
    }
    const byPartition = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of response.responses) for (const p of t.partitionResponses) byPartition.set(`${t.name}\0${p.index}`, p);
    const now = Date.now();
    let refresh = false;
    for (const b of batches) {
      const q = this.accumulator.queue(b.topic, b.partition);
      const p = byPartition.get(`${b.topic}\0${b.partition}`);
      const code = p?.errorCode ?? ErrorCode.NETWORK_EXCEPTION;
      const outcome = this.config.idempotent ? classifyIdempotent(q, b, code) : code === 0 ? 'success' : new KafkaError(code).retriable ? 'retry' : 'fail';
      const error = () => new KafkaError(code, p?.errorMessage ?? (p ? undefined : `no answer for ${b.topic}-${b.partition} in the Produce response`));
      switch (outcome) {
        case 'success':
          if (this.config.idempotent) recordAck(q, b);
          this.complete(b, code === ErrorCode.NONE && p ? p.baseOffset : -1n, p?.logAppendTimeMs ?? -1n);
          break;
        case 'retry':
          if (STALE_METADATA.has(code)) refresh = true;
          this.retryOrFail(b, q, error(), now);
          break;
        case 'fail-and-reset':
          this.needsNewEpoch = true;
          this.fail(b, error());
          break;
        case 'fail':
          this.fail(b, error());
          break;
      }
    }
    if (refresh) this.refreshMetadataThenWake();
    this.wakeup();
  }

  private onRequestError(nodeId: number, batches: ProducerBatch[], err: unknown): void {
    this.landed(nodeId, batches);
    const now = Date.now();
    const retriable = isRetriableError(err);
    for (const b of batches) {
      if (retriable) this.retryOrFail(b, this.accumulator.queue(b.topic, b.partition), err, now);
      else this.fail(b, err);
    }
    // The broker may be gone for good (leadership moved): look again before resending.
    if (retriable) this.refreshMetadataThenWake();
    this.wakeup();
  }

  private retryOrFail(b: ProducerBatch, q: PartitionQueue, err: unknown, now: number): void {
    if (b.attempts >= this.config.retries || now - b.createdAt >= this.config.deliveryTimeoutMs || this.stopped) {
      if (this.config.idempotent) this.needsNewEpoch = true;
      this.fail(b, err);
      return;
    }
    b.attempts++;
    b.retryAt = now + backoffMs(b.attempts - 1, { initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs });
    if (this.config.idempotent) q.retrying = true;
    this.accumulator.reenqueue(b);
  }

  /** delivery.timeout.ms: batches waiting too long fail, as Java's producer expires them. */
  private expire(now: number): void {
    for (const q of this.accumulator.nonEmptyQueues()) {
      for (let i = 0; i < q.batches.length; i++) {
        const b = q.batches[i]!;
        if (now - b.createdAt < this.config.deliveryTimeoutMs) continue;
        q.batches.splice(i--, 1);
        // A batch that had a sequence leaves a gap the broker would refuse: start a new epoch.
        if (this.config.idempotent && b.baseSequence >= 0) this.needsNewEpoch = true;
        this.fail(b, new TimeoutError(`${b.recordCount} record(s) for ${b.topic}-${b.partition} expired after ${now - b.createdAt} ms (delivery.timeout.ms ${this.config.deliveryTimeoutMs})`));
      }
    }
  }

  private complete(b: ProducerBatch, baseOffset: bigint, logAppendTime: bigint): void {
    this.accumulator.forget(b);
    this.memory.release(b.sizeInBytes);
    b.complete({ baseOffset, logAppendTime });
  }

  private fail(b: ProducerBatch, err: unknown): void {
    this.accumulator.forget(b);
    this.memory.release(b.sizeInBytes);
    b.fail(err);
    this.onBatchFailed(b, err);
  }

  private anyInFlight(): boolean {
    for (const n of this.inFlightByNode.values()) if (n > 0) return true;
    return false;
  }

  /** InitProducerId, or a new epoch once every request in flight has landed. */
  private refreshIdentity(): void {
    const bump = this.needsNewEpoch && this.identity !== null;
    this.identityTask = this.initProducerId(bump).then(
      () => {
        this.identityTask = null;
        this.wakeup();
      },
      (err: unknown) => {
        this.identityTask = null;
        if (isRetriableError(err)) {
          this.armTimer(Date.now() + this.config.retryBackoffMs);
        } else {
          this.stop(err);
        }
      },
    );
  }

  private async initProducerId(bump: boolean): Promise<void> {
    const current = this.identity;
    const response = await this.cluster.retry(() =>
      this.cluster.anyBroker().request(ApiKey.InitProducerId, (version) => ({
        transactionalId: null,
        transactionTimeoutMs: NO_TRANSACTION_TIMEOUT,
        // KIP-360: v3+ lets an idempotent producer bump its own epoch instead of taking a new id.
        producerId: version >= 3 && bump && current ? current.producerId : -1n,
        producerEpoch: version >= 3 && bump && current ? current.producerEpoch : -1,
      })).then((r) => {
        if (r.errorCode !== 0) throw new KafkaError(r.errorCode, 'InitProducerId');
        return r;
      }),
    );
    this.identity = { producerId: response.producerId, producerEpoch: response.producerEpoch };
    if (bump || this.needsNewEpoch) resetSequences(this.accumulator.allQueues());
    this.needsNewEpoch = false;
  }

  /** Refreshes metadata, at most once per retry.backoff.ms, and looks for ready batches after. */
  private refreshMetadataThenWake(): void {
    if (this.metadataPending) return;
    const earliest = this.metadataRefreshedAt + this.config.retryBackoffMs;
    if (Date.now() < earliest) {
      this.armTimer(earliest);
      return;
    }
    this.metadataPending = true;
    this.cluster.refreshMetadata().then(
      () => {
        this.metadataPending = false;
        this.metadataRefreshedAt = Date.now();
        this.wakeup();
      },
      () => {
        this.metadataPending = false;
        this.armTimer(Date.now() + this.config.retryBackoffMs);
      },
    );
  }

  private armTimer(at: number): void {
    if (at === Infinity || this.stopped) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.wakeup();
    }, Math.max(0, at - Date.now()));
  }
}
