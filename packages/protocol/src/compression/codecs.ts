import { CompressionType } from '../records/batch-header.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { type DecompressOptions, checkDeclaredSize, resolveLimit } from './limits.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

/**
 * One entry point per direction for the record batch codec: `compress`/`decompress` handle every
 * Kafka codec (zstd's binding is async-only); the `*Sync` twins handle all but zstd, for callers
 * that cannot await. Codec ids come straight from batch attributes, so anything outside 0..4 is
 * refused with UNKNOWN_CODEC rather than treated as "none".
 */

function unknownCodec(codec: number): ProtocolError {
  return new ProtocolError('UNKNOWN_CODEC', `unknown compression codec id ${codec}`);
}

function zstdNeedsAsync(): ProtocolError {
  return new ProtocolError('INVALID_VALUE', 'zstd is only available through the async compress/decompress');
}

/** Whether the codec can run synchronously (every codec except zstd). */
export function isSyncCodec(codec: CompressionType): boolean {
  return codec >= CompressionType.None && codec <= CompressionType.Lz4;
}

export function compressSync(codec: CompressionType, data: Buffer): Buffer {
  switch (codec) {
    case CompressionType.None:
      return data;
    case CompressionType.Gzip:
      return gzipCompress(data);
    case CompressionType.Snappy:
      return snappyCompress(data);
    case CompressionType.Lz4:
      return lz4Compress(data);
    case CompressionType.Zstd:
      throw zstdNeedsAsync();
    default:
      throw unknownCodec(codec);
  }
}

export async function compress(codec: CompressionType, data: Buffer): Promise<Buffer> {
  return codec === CompressionType.Zstd ? zstdCompress(data) : compressSync(codec, data);
}

export function decompressSync(codec: CompressionType, data: Buffer, options?: DecompressOptions): Buffer {
  const limit = resolveLimit(options);
  let out: Buffer;
  switch (codec) {
    case CompressionType.None:
      out = data;
      break;
    case CompressionType.Gzip:
      out = gzipDecompress(data, limit);
      break;
    case CompressionType.Snappy:
      out = snappyDecompress(data, limit);
      break;
    case CompressionType.Lz4:
      out = lz4Decompress(data, limit);
      break;
    case CompressionType.Zstd:
      throw zstdNeedsAsync();
    default:
      throw unknownCodec(codec);
  }
  // The per-codec checks bound the output before inflating; this catches any codec whose bound
  // was loose (and a limit of 0, which zlib cannot express).
  checkDeclaredSize(CompressionType[codec]!.toLowerCase(), out.length, limit);
  return out;
}

export async function decompress(codec: CompressionType, data: Buffer, options?: DecompressOptions): Promise<Buffer> {
  if (codec !== CompressionType.Zstd) return decompressSync(codec, data, options);
  const limit = resolveLimit(options);
  const out = await zstdDecompress(data, limit);
  checkDeclaredSize('zstd', out.length, limit);
  return out;
}
