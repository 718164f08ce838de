import { gunzipSync, gzipSync } from 'node:zlib';
import { ProtocolError } from '../primitives/protocol-error.js';
import { wrapNativeErrors } from './limits.js';

/** GZIP (codec 1): a standard gzip stream; Kafka and every client use node-compatible zlib framing. */
export function gzipCompress(data: Buffer): Buffer {
  return gzipSync(data);
}

/**
 * Gunzips with zlib's own output cap, so a bomb stops at `limit` bytes inside zlib instead of being
 * inflated in full first. Concatenated gzip members are accepted, as Java's GZIPInputStream does.
 */
export function gzipDecompress(data: Buffer, limit: number): Buffer {
  return wrapNativeErrors('gzip', () => {
    try {
      // maxOutputLength must be at least 1; an empty result still fits in a limit of 0 below.
      return gunzipSync(data, { maxOutputLength: Math.max(1, limit) });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ProtocolError('FRAME_TOO_LARGE', `gzip payload decompresses to more than the limit of ${limit} bytes`);
      }
      throw err;
    }
  });
}
