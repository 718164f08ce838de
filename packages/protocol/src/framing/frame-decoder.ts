import { ProtocolError } from '../primitives/protocol-error.js';

/** Kafka's default socket.request.max.bytes (100 MiB). */
export const DEFAULT_MAX_FRAME_SIZE = 104_857_600;

/**
 * Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 * Chunks are kept as received and joined only when a frame spans several of them, so a frame that
 * arrives in one chunk is returned as a zero-copy view. A size above maxFrameSize (or negative) is
 * rejected as soon as the 4 size bytes arrive, before anything is buffered for it, so a hostile peer
 * cannot make us allocate by announcing a huge frame.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private nextSize = -1;

  constructor(readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Bytes received but not yet returned as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds received bytes and returns every frame completed by them, in order. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.nextSize < 0) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size < 0) throw new ProtocolError('INVALID_LENGTH', `negative frame size ${size}`);
        if (size > this.maxFrameSize) {
          throw new ProtocolError('FRAME_TOO_LARGE', `frame of ${size} bytes exceeds the maximum of ${this.maxFrameSize}`);
        }
        this.nextSize = size;
      }
      if (this.buffered < this.nextSize) break;
      frames.push(this.take(this.nextSize));
      this.nextSize = -1;
    }
    return frames;
  }

  /** Removes n buffered bytes (n <= buffered); zero-copy when they lie in the first chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (n === 0) return Buffer.alloc(0);
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const c = this.chunks[0]!;
      const want = n - copied;
      if (c.length <= want) {
        c.copy(out, copied);
        copied += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, copied, 0, want);
        this.chunks[0] = c.subarray(want);
        copied += want;
      }
    }
    return out;
  }
}

/** Prefixes a payload with its 4-byte size. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}
