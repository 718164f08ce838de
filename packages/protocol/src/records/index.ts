export { crc32c, crc32cImplementation } from './crc32c.js';
export {
  BatchLayout,
  CompressionType,
  TimestampType,
  RecordBatchView,
  batchViews,
  readInt64Num,
  writeInt64Num,
  ATTR_COMPRESSION_MASK,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
} from './batch-header.js';
export {
  type RecordHeader,
  type RecordBody,
  type DecodedRecord,
  MIN_RECORD_SIZE,
} from './record.js';
export {
  type RecordInput,
  type RecordBatchInput,
  type DecodedRecordBatch,
  NO_PRODUCER_ID,
  NO_PRODUCER_EPOCH,
  NO_SEQUENCE,
  NO_PARTITION_LEADER_EPOCH,
  NO_TIMESTAMP,
} from './record-batch-types.js';
export { encodeRecordBatch, encodeRecordBatchSync } from './encode-record-batch.js';
export { decodeRecordBatch, decodeRecordBatchSync, type DecodeRecordBatchOptions } from './decode-record-batch.js';
export { decodeRecordBatches, decodeRecordBatchesSync, type DecodeRecordBatchesOptions } from './decode-record-batches.js';
export {
  ControlRecordType,
  CONTROL_RECORD_KEY_VERSION,
  END_TXN_MARKER_VERSION,
  type ControlRecordKey,
  type EndTxnMarker,
  type TxnMarker,
  type EndTxnMarkerBatchInput,
  encodeControlRecordKey,
  parseControlRecordKey,
  encodeEndTxnMarkerValue,
  parseEndTxnMarkerValue,
  parseTxnMarker,
  endTxnMarkerBatch,
} from './control-record.js';
