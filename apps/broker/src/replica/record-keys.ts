import { batchViews, decodeRecordBatch } from '@tributary/protocol';

/** One refused record of a batch (Kafka's RecordError: the record's index in its batch). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
}

/**
 * Kafka's LogValidator key check for compacted topics: compaction keeps the last record per key,
 * so a record without a key could never be compacted and is refused (INVALID_RECORD, listing
 * each keyless record). This is the one produce check that decodes records (decompressing them when
 * needed); it runs only for compacted topics, as in Kafka. Throws ProtocolError for a batch that
 * does not decode (the caller reports CORRUPT_MESSAGE).
 */
export async function keylessRecords(records: Buffer, topicPartition: string): Promise<RecordError[]> {
  const errors: RecordError[] = [];
  for (const view of batchViews(records, false)) {
    const batch = await decodeRecordBatch(view);
    batch.records.forEach((record, index) => {
      if (record.key === null) {
        errors.push({ batchIndex: index, message: `Compacted topic cannot accept message without key in topic partition ${topicPartition}.` });
      }
    });
  }
  return errors;
}

/** Kafka's summary message for a batch refused because of record errors. */
export function recordErrorsMessage(errors: readonly RecordError[]): string {
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`);
  return (
    `One or more records have been rejected due to ${errors.length} record errors in total, ` +
    `and only showing the first three errors at most: [${shown.join(', ')}]`
  );
}
