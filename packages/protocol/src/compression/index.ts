export { compress, compressSync, decompress, decompressSync, isSyncCodec } from './codecs.js';
export { DEFAULT_MAX_DECOMPRESSED_BYTES, type DecompressOptions } from './limits.js';
export { isXerialFramed } from './snappy.js';
export { zstdDecompressedBound } from './zstd.js';
