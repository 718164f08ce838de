import { decodeRecordBatch, type RecordBatchView } from '@tributary/protocol';
import { fromProtocolError } from '../errors.js';

/** A record's offset and timestamp: all a timestamp look-up needs from inside a batch. */
export interface RecordTimestamp {
  offset: number;
  timestamp: number;
}

/**
 * Offsets and timestamps of the records of one stored batch (decompressing it if needed). Only
 * look-ups by timestamp call this, for at most a batch or two per look-up; the produce and fetch
 * paths never decode records. LogAppendTime batches report the batch max timestamp for every
 * record, as Kafka does.
 */
export async function recordTimestamps(batch: RecordBatchView): Promise<RecordTimestamp[]> {
  try {
    const decoded = await decodeRecordBatch(batch);
    return decoded.records.map((r) => ({ offset: Number(r.offset), timestamp: Number(r.timestamp) }));
  } catch (err) {
    throw fromProtocolError(err, 'decoding a stored batch for a timestamp look-up');
  }
}
