/** What one cleaning round read and kept, for logs and tests (a subset of Kafka's CleanerStats). */
export class CleanerStats {
  batchesRead = 0;
  recordsRead = 0;
  bytesRead = 0;
  batchesRetained = 0;
  recordsRetained = 0;
  bytesWritten = 0;
  /** Records dropped because they had no key (Kafka counts these as invalid messages). */
  keylessRecordsDropped = 0;
  /** Records read while building the offset map. */
  mapRecordsRead = 0;
}
