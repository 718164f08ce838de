import { decodeRecordBatches, encodeRecordBatchSync, ErrorCode, KafkaError, parseTxnMarker, type DecodedRecordBatch } from '@tributary/protocol';
import { isStorageError, type Log } from '@tributary/storage';
import type { Clock } from '../services.js';
import {
  GROUP_METADATA_TOPIC_NAME,
  type CoordinatorLog,
  type CoordinatorLogEntry,
  type CoordinatorRecord,
  type TransactionalProducer,
} from './group/coordinator-log.js';
import { GroupCoordinatorError } from './group/errors.js';
import type { OffsetsPartitions } from './offsets-partitions.js';

/** How much of a partition one read takes while replaying it. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * __consumer_offsets on the broker's own storage: each append becomes one uncompressed record
 * batch appended to the partition as the coordinator, and a load replays the partition's log from
 * its start. Appends to one partition are chained, so they reach the log in call order even
 * when an earlier one is still being written (the coordinator relies on that: a group's
 * latest metadata record must be the last one in the log, and the order of offset commits in
 * the log decides which one counts).
 *
 * A TxnOffsetCommit's batch is transactional and carries the producer's id and epoch, as Kafka
 * writes it, so the transaction's marker in this partition decides whether its offsets count
 * (and the partition's last stable offset waits for it).
 */
export class StorageCoordinatorLog implements CoordinatorLog {
  private readonly tails = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly partitions: OffsetsPartitions,
    private readonly clock: Clock,
    private readonly topic: string = GROUP_METADATA_TOPIC_NAME,
  ) {}

  append(partition: number, records: readonly CoordinatorRecord[], producer?: TransactionalProducer): Promise<void> {
    // The time of the call, whenever the queued batch is written.
    const now = BigInt(this.clock.now());
    const inputs = records.map((r) => ({ key: r.key, value: r.value, timestamp: now }));
    const batch = producer ? this.transactionalBatch(producer, inputs) : encodeRecordBatchSync({ records: inputs });
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const written = previous.then(() => this.partitions.append(partition, batch));
    // The next append waits for this one whatever its outcome; its failure belongs to its caller.
    const tail = written.catch(() => undefined);
    this.tails.set(partition, tail);
    void tail.then(() => {
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    });
    return written;
  }

  /**
   * A TxnOffsetCommit's batch: transactional, under the producer's id and epoch, with sequence 0 as
   * Kafka writes it (storage checks only the epoch of a coordinator's batch, not its sequence).
   */
  private transactionalBatch(producer: TransactionalProducer, records: Array<{ key: Buffer; value: Buffer | null; timestamp: bigint }>): Buffer {
    return encodeRecordBatchSync({
      isTransactional: true,
      producerId: BigInt(producer.producerId),
      producerEpoch: producer.producerEpoch,
      baseSequence: 0,
      records,
    });
  }

  async *readAll(partition: number): AsyncIterable<CoordinatorLogEntry> {
    const log = this.logOf(partition);
    let offset = log.logStartOffset;
    while (!this.closed && offset < log.logEndOffset) {
      let chunk;
      try {
        chunk = await log.read(offset, READ_CHUNK_BYTES);
      } catch (err) {
        // Retention or the cleaner moved the log start past us meanwhile: go on from the new start.
        if (isStorageError(err, 'OFFSET_OUT_OF_RANGE') && log.logStartOffset > offset) {
          offset = log.logStartOffset;
          continue;
        }
        throw err;
      }
      if (chunk.batchCount === 0) break;
      let batches;
      try {
        batches = await decodeRecordBatches(chunk.records);
      } catch (err) {
        throw new GroupCoordinatorError('CORRUPT_RECORD', `${this.topic}-${partition}: undecodable record batch at offset ${chunk.firstOffset}`, { cause: err });
      }
      for (const batch of batches) {
        // The first batch of a read may start before the requested offset.
        if (batch.lastOffset < BigInt(offset)) continue;
        const entry = batch.isControl ? this.markerOf(partition, batch) : this.recordsOf(partition, batch, offset);
        if (entry) yield entry;
      }
      offset = chunk.nextOffset;
    }
  }

  /** A COMMIT or ABORT marker; null for an empty control batch (its transaction was cleaned away) or another control type. */
  private markerOf(partition: number, batch: DecodedRecordBatch): CoordinatorLogEntry | null {
    const record = batch.records[0];
    if (!record) return null;
    let marker;
    try {
      marker = parseTxnMarker(record);
    } catch (err) {
      throw new GroupCoordinatorError('CORRUPT_RECORD', `${this.topic}-${partition}: undecodable control record at offset ${record.offset}`, { cause: err });
    }
    return marker ? { kind: 'marker', producerId: Number(batch.producerId), commit: marker.commit } : null;
  }

  private recordsOf(partition: number, batch: DecodedRecordBatch, fromOffset: number): CoordinatorLogEntry | null {
    const records: CoordinatorRecord[] = [];
    for (const record of batch.records) {
      if (record.offset < BigInt(fromOffset)) continue;
      if (record.key === null) {
        throw new GroupCoordinatorError('CORRUPT_RECORD', `${this.topic}-${partition}: record at offset ${record.offset} has no key`);
      }
      records.push({ key: record.key, value: record.value });
    }
    if (records.length === 0) return null;
    return { kind: 'records', producerId: batch.isTransactional ? Number(batch.producerId) : null, records };
  }

  /** Waits for every queued append; reads in progress stop at their next chunk. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.tails.values()]);
  }

  private logOf(partition: number): Log {
    const log = this.partitions.log(partition);
    if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${this.topic}-${partition} is not hosted by this broker`);
    return log;
  }
}
