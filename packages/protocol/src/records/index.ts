export { crc32c } from './crc32c.js';
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
