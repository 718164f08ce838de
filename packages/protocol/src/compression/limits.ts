import { ProtocolError } from '../primitives/protocol-error.js';

/**
 * Default ceiling on the bytes one compressed payload may expand to. Kafka's default
 * max.message.bytes is about 1 MiB and real batches compress a few times at most, so 256 MiB leaves
 * room for any honest batch while refusing a decompression bomb long before it can exhaust memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Options shared by every decompressor. */
export interface DecompressOptions {
  /** Refuse (ProtocolError FRAME_TOO_LARGE) a payload that would expand beyond this many bytes. */
  maxDecompressedBytes?: number;
}

export function resolveLimit(options: DecompressOptions | undefined): number {
  const limit = options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ProtocolError('INVALID_VALUE', `maxDecompressedBytes must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

/**
 * Refuses a payload whose size, declared in its own headers or bounded from its structure, is above
 * the limit. Called before the native decompressor runs, so it never gets to allocate the bomb.
 */
export function checkDeclaredSize(codec: string, size: number, limit: number): void {
  if (size > limit) {
    throw new ProtocolError(
      'FRAME_TOO_LARGE',
      `${codec} payload would decompress to ${size} bytes, above the limit of ${limit}`,
    );
  }
}

/**
 * Runs a native decompressor and turns whatever it throws into ProtocolError('COMPRESSION_ERROR'),
 * so callers never see a library's own error types (ProtocolErrors pass through as they are).
 */
export function wrapNativeErrors<T>(codec: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw toCompressionError(codec, err);
  }
}

export async function wrapNativeErrorsAsync<T>(codec: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toCompressionError(codec, err);
  }
}

function toCompressionError(codec: string, err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ProtocolError('COMPRESSION_ERROR', `corrupt ${codec} payload: ${detail}`);
}

/** Throws COMPRESSION_ERROR unless n bytes are available at `at` (for hand-walked frame headers). */
export function needBytes(codec: string, buf: Buffer, at: number, n: number): void {
  if (at + n > buf.length) {
    throw new ProtocolError('COMPRESSION_ERROR', `corrupt ${codec} payload: truncated at byte ${at} (need ${n} more, have ${buf.length - at})`);
  }
}
