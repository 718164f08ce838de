import { decodeRecordBatches, encodeRecordBatchSync, ErrorCode, KafkaError } from '@tributary/protocol';
import { isStorageError, type Log } from '@tributary/storage';
import type { Clock } from '../services.js';
import { GROUP_METADATA_TOPIC_NAME, type CoordinatorLog, type CoordinatorRecord } from './group/coordinator-log.js';
import { GroupCoordinatorError } from './group/errors.js';
import type { OffsetsPartitions } from './offsets-partitions.js';

/** How much of a partition one read takes while replaying it. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * __consumer_offsets on the broker's own storage: each append becomes one uncompressed record
 * batch appended to the partition as the coordinator, and a load replays the partition's log from
 * its start. Appends to one partition are chained, so they reach the log in call order even
 * when an earlier one is still being written (the coordinator relies on that: a group's
 * latest metadata record must be the last one in the log).
 */
export class StorageCoordinatorLog implements CoordinatorLog {
  private readonly tails = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly partitions: OffsetsPartitions,
    private readonly clock: Clock,
    private readonly topic: string = GROUP_METADATA_TOPIC_NAME,
  ) {}

  append(partition: number, records: readonly CoordinatorRecord[]): Promise<void> {
    const now = BigInt(this.clock.now());
    // Encoded before queueing, so the batch carries the time of the call.
    const batch = encodeRecordBatchSync({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })) });
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

  async *readAll(partition: number): AsyncIterable<CoordinatorRecord> {
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
        // Transaction markers carry no coordinator state.
        if (batch.isControl) continue;
        for (const record of batch.records) {
          if (record.offset < BigInt(offset)) continue;
          if (record.key === null) {
            throw new GroupCoordinatorError('CORRUPT_RECORD', `${this.topic}-${partition}: record at offset ${record.offset} has no key`);
          }
          yield { key: record.key, value: record.value };
        }
      }
      offset = chunk.nextOffset;
    }
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
