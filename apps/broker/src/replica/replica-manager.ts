import { encodeRecordBatch, endTxnMarkerBatch, ErrorCode } from '@tributary/protocol';
import { isCompacted, tpKey, type LogManager } from '@tributary/storage';
import type { Logger } from 'pino';
import type { MetadataChange, MetadataStore, TopicMetadata } from '../controller/metadata-store.js';
import { INTERNAL_TOPICS } from '../controller/topic-names.js';
import type { AppendEntry, AppendRequest, ClientOrigin, PartitionAppendResult } from './append-types.js';
import { DelayedFetch } from './delayed-fetch.js';
import type { FetchParams, FetchPartitionResult } from './fetch-types.js';
import { readFromLocalLogs } from './local-read.js';
import { legacyOffsetsBefore, offsetForTimestamp, type ListOffsetRequest, type ListOffsetResult } from './offset-lookup.js';
import { Partition } from './partition.js';
import { knownErrorOf } from './partition-error.js';
import { Purgatory } from './purgatory.js';
import { keylessRecords, recordErrorsMessage } from './record-keys.js';
import type { TxnMarkerSpec } from './txn-markers.js';

export interface ReplicaManagerOptions {
  readonly nodeId: number;
  readonly metadata: MetadataStore;
  readonly logManager: LogManager;
  readonly logger: Logger;
  /** For ListOffsets v0 (the log end's "modification time"). */
  readonly clock: { now(): number };
}

/**
 * The broker's data plane (Kafka's ReplicaManager): which partitions exist and who leads them
 * (kept in step with the metadata store), appends to the leader's log, reads for Fetch with the
 * long-poll purgatory, and offset look-ups for ListOffsets.
 *
 * Single node: every partition whose replicas include this node is led here, the ISR is this node,
 * and the high watermark is the log end, so acks=all is satisfied when the append returns
 * (min.insync.replicas above 1 cannot be met: NOT_ENOUGH_REPLICAS). Replication will add follower
 * partitions, a DelayedProduce purgatory completed by high-watermark advances (see appendRecords),
 * and follower fetches; the handlers already go through this class for all of it.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly topicNamesById = new Map<string, string>();
  private readonly fetchPurgatory = new Purgatory<DelayedFetch>();
  private readonly nodeId: number;
  private readonly logs: LogManager;
  private readonly log: Logger;
  private readonly clock: { now(): number };
  private unsubscribe: (() => void) | undefined;
  private shuttingDown = false;

  private constructor(opts: ReplicaManagerOptions) {
    this.nodeId = opts.nodeId;
    this.logs = opts.logManager;
    this.log = opts.logger;
    this.clock = opts.clock;
  }

  /** Loads every topic of the metadata store and follows its changes from then on. */
  static async open(opts: ReplicaManagerOptions): Promise<ReplicaManager> {
    const manager = new ReplicaManager(opts);
    // Subscribe first: a change committed while the list is being read is then not missed.
    manager.unsubscribe = opts.metadata.subscribe((change) => manager.onMetadataChange(change));
    for (const topic of await opts.metadata.listTopics()) manager.addPartitions(topic, 0);
    return manager;
  }

  // ------------------------------------------------------------------ partitions

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(tpKey({ topic, partition }));
  }

  /** The partitions of a topic in partition order (empty for an unknown topic). */
  topicPartitions(topic: string): Partition[] {
    const out: Partition[] = [];
    for (let i = 0; ; i++) {
      const p = this.getPartition(topic, i);
      if (!p) return out;
      out.push(p);
    }
  }

  /** The name of the topic with this id (Fetch v13+), undefined when unknown. */
  topicNameById(topicId: Uint8Array): string | undefined {
    return this.topicNamesById.get(Buffer.from(topicId).toString('hex'));
  }

  private onMetadataChange(change: MetadataChange): void {
    switch (change.type) {
      case 'topic-created':
        this.addPartitions(change.topic, 0);
        break;
      case 'partitions-added':
        this.addPartitions(change.topic, change.previousCount);
        break;
      case 'topic-deleted':
        this.removeTopic(change.topic);
        break;
      default:
        break;
    }
  }

  private addPartitions(topic: TopicMetadata, from: number): void {
    this.topicNamesById.set(topic.topicId.toString('hex'), topic.name);
    for (const p of topic.partitions.slice(from)) {
      const key = tpKey({ topic: topic.name, partition: p.partition });
      this.partitions.set(key, new Partition(topic.name, p.partition, topic.topicId, p.replicas, this.nodeId, this.logs));
    }
  }

  private removeTopic(topic: TopicMetadata): void {
    this.topicNamesById.delete(topic.topicId.toString('hex'));
    for (const p of topic.partitions) {
      const key = tpKey({ topic: topic.name, partition: p.partition });
      this.partitions.delete(key);
      // Waiting fetches answer now; their read reports UNKNOWN_TOPIC_OR_PARTITION.
      this.fetchPurgatory.completeAll(key);
    }
  }

  // ------------------------------------------------------------------ produce

  /**
   * Appends each entry to its partition's leader log (Kafka's appendRecords), partitions
   * independently: one partition's error never fails another. The results follow the entries' order.
   */
  async appendRecords(request: AppendRequest): Promise<PartitionAppendResult[]> {
    // acks=all: on one node the high watermark is the log end, so an append that returned is
    // already acknowledged by the whole ISR. Replication will park a DelayedProduce in a Purgatory
    // here, keyed by partition and completed as the high watermark passes each partition's last
    // appended offset, or at the request's timeout.
    return Promise.all(request.entries.map((e) => this.appendToPartition(e, request.acks, request.origin)));
  }

  private async appendToPartition(entry: AppendEntry, acks: number, origin: ClientOrigin): Promise<PartitionAppendResult> {
    const partition = this.getPartition(entry.topic, entry.partition);
    if (!partition) return appendError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (origin === 'client' && INTERNAL_TOPICS.has(entry.topic)) {
      return appendError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${entry.topic}`);
    }
    try {
      const log = await partition.leaderLog();
      const minIsr = log.config.minInsyncReplicas;
      if (acks === -1 && partition.isr.length < minIsr) {
        return appendError(
          ErrorCode.NOT_ENOUGH_REPLICAS,
          `The size of the current ISR [${partition.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${partition.name}`,
        );
      }
      if (origin === 'client' && isCompacted(log.config)) {
        const recordErrors = await keylessRecords(entry.records, partition.name);
        if (recordErrors.length > 0) {
          return { ...appendError(ErrorCode.INVALID_RECORD, recordErrorsMessage(recordErrors)), recordErrors };
        }
      }
      const appended = await log.append(entry.records, { origin, leaderEpoch: partition.leaderEpoch, beforeWrite: entry.beforeWrite });
      if (!appended.duplicate && appended.batchCount > 0) {
        partition.bytesAppended += appended.sizeInBytes;
        this.fetchPurgatory.checkAndComplete(tpKey({ topic: entry.topic, partition: entry.partition }));
      }
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: appended.firstOffset,
        logAppendTime: appended.logAppendTime,
        logStartOffset: appended.logStartOffset,
        recordErrors: [],
      };
    } catch (err) {
      const known = knownErrorOf(err);
      if (known) return appendError(known.errorCode, known.message);
      this.log.error({ err, partition: partition.name }, 'append failed unexpectedly');
      return appendError(ErrorCode.UNKNOWN_SERVER_ERROR, 'unexpected error while appending; see the broker log');
    }
  }

  /**
   * Appends a transaction's COMMIT or ABORT marker to each partition (Kafka's WriteTxnMarkers
   * append): one control batch per partition, carrying the producer id and epoch and the
   * coordinator epoch, appended as the coordinator with acks=all (internal topics included), and
   * waking the fetches waiting on the partition like any append. Results follow the partitions' order.
   */
  async appendTxnMarkers(marker: TxnMarkerSpec, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): Promise<PartitionAppendResult[]> {
    const batch = await encodeRecordBatch(
      endTxnMarkerBatch({
        commit: marker.commit,
        producerId: BigInt(marker.producerId),
        producerEpoch: marker.producerEpoch,
        coordinatorEpoch: marker.coordinatorEpoch,
        timestamp: BigInt(this.clock.now()),
      }),
    );
    // Storage patches offsets and the leader epoch into the bytes it appends: a copy per partition.
    const entries = partitions.map((p) => ({ topic: p.topic, partition: p.partition, records: Buffer.from(batch) }));
    return this.appendRecords({ acks: -1, origin: 'coordinator', entries });
  }

  // ------------------------------------------------------------------ fetch

  /**
   * Reads for a Fetch (Kafka's fetchMessages). Answers at once when max_wait_ms is 0, min_bytes is
   * already there, a partition failed, or the broker is stopping; otherwise waits in the purgatory
   * until appends bring min_bytes or max_wait_ms passes, then reads again. Always answers by the
   * deadline (or at shutdown, with what is there).
   */
  async fetch(params: FetchParams): Promise<FetchPartitionResult[]> {
    const lookup = (topic: string, partition: number) => this.getPartition(topic, partition);
    const partitions = params.partitions.map((p) => (p.topic === undefined ? undefined : lookup(p.topic, p.partition)));
    const appendedBefore = partitions.map((p) => p?.bytesAppended ?? 0);
    const stableBefore = partitions.map((p) => p?.localLog?.lastStableOffset ?? 0);
    const first = await readFromLocalLogs(params, lookup, this.log);
    if (
      this.shuttingDown ||
      params.maxWaitMs <= 0 ||
      params.partitions.length === 0 ||
      first.bytes >= params.minBytes ||
      first.hasError
    ) {
      return first.partitions;
    }
    return new Promise((resolve, reject) => {
      const isCurrent = (p: Partition) => this.partitions.get(tpKey({ topic: p.topic, partition: p.index })) === p;
      const op = new DelayedFetch(params, partitions, appendedBefore, stableBefore, first.bytes, isCurrent, () => {
        readFromLocalLogs(params, lookup, this.log).then((r) => resolve(r.partitions), reject);
      });
      const keys = new Set<string>();
      for (const p of partitions) if (p) keys.add(tpKey({ topic: p.topic, partition: p.index }));
      this.fetchPurgatory.tryCompleteElseWatch(op, [...keys]);
    });
  }

  /** Fetches waiting in the purgatory (for tests and diagnostics). */
  get waitingFetches(): number {
    return this.fetchPurgatory.size;
  }

  // ------------------------------------------------------------------ list offsets

  /** ListOffsets v1+ for one partition. */
  async listOffset(req: ListOffsetRequest): Promise<ListOffsetResult> {
    const partition = this.getPartition(req.topic, req.partition);
    if (!partition) return offsetError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    try {
      partition.checkLeaderEpoch(req.currentLeaderEpoch);
      return await offsetForTimestamp(partition, await partition.leaderLog(), req);
    } catch (err) {
      return offsetError(this.errorCodeOf(err, partition));
    }
  }

  /** ListOffsets v0 for one partition: old-style offsets, newest first. */
  async legacyListOffsets(
    topic: string,
    index: number,
    timestamp: number,
    maxNumOffsets: number,
    fromConsumer: boolean,
  ): Promise<{ errorCode: number; offsets: number[] }> {
    const partition = this.getPartition(topic, index);
    if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offsets: [] };
    try {
      const log = await partition.leaderLog();
      return { errorCode: ErrorCode.NONE, offsets: await legacyOffsetsBefore(log, timestamp, maxNumOffsets, this.clock.now(), fromConsumer) };
    } catch (err) {
      return { errorCode: this.errorCodeOf(err, partition), offsets: [] };
    }
  }

  private errorCodeOf(err: unknown, partition: Partition): number {
    const known = knownErrorOf(err);
    if (known) return known.errorCode;
    this.log.error({ err, partition: partition.name }, 'offset look-up failed unexpectedly');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Broker shutdown begins: every waiting fetch answers now with what is there, and later fetches
   * answer without waiting, so no request holds up the network layer's drain.
   */
  shutdown(): void {
    this.shuttingDown = true;
    this.fetchPurgatory.shutdown();
  }

  /** Stops following the metadata store (after shutdown). */
  close(): void {
    this.shutdown();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

function appendError(errorCode: number, message: string): PartitionAppendResult {
  return { errorCode, errorMessage: message, baseOffset: -1, logAppendTime: -1, logStartOffset: -1, recordErrors: [] };
}

function offsetError(errorCode: number): ListOffsetResult {
  return { errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 };
}
