import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { ProtocolError } from '../primitives/protocol-error.js';
import { checkDeclaredSize, needBytes, wrapNativeErrors } from './limits.js';

/**
 * LZ4 (codec 3): the LZ4 *frame* format (magic 0x184D2204), as Java's KafkaLZ4BlockOutputStream,
 * librdkafka and kafkajs-lz4 write it. The frame is walked here before decompressing, for two
 * reasons: it bounds the output from the block headers (a bomb is refused before the native decoder
 * allocates), and it splits concatenated frames, which lz4-napi alone would silently cut at the first.
 */

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames (0x184D2A50..0x184D2A5F) carry user data and are ignored by decoders. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
/**
 * An LZ4 block expands at most ~255 times (each 0xFF length byte adds 255 output bytes), plus a
 * small constant for the first sequence; with this a frame's bound stays close to its real size
 * even when it declares large blocks.
 */
const MAX_BLOCK_RATIO = 255;
const BLOCK_RATIO_SLACK = 64;

export function lz4Compress(data: Buffer): Buffer {
  // Independent blocks, no content size or checksums, as Java's KafkaLZ4BlockOutputStream writes;
  // lz4-napi picks the block max size (64 KiB..4 MiB) from the input, and every Kafka client
  // reader accepts all four sizes.
  return compressFrameSync(data);
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError('COMPRESSION_ERROR', `corrupt lz4 payload: ${message}`);
}

interface FrameExtent {
  /** Frame bytes including header, blocks, end mark and checksum. */
  end: number;
  /** Upper bound of the frame's decompressed size. */
  bound: number;
}

/** Walks one LZ4 frame starting at `at`, checking its structure and bounding its output. */
function walkFrame(data: Buffer, at: number): FrameExtent {
  needBytes('lz4', data, at, 7);
  const flg = data[at + 4]!;
  const bd = data[at + 5]!;
  if (flg >> 6 !== 1) throw corrupt(`frame version ${flg >> 6} is not 1`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 0x07];
  if (blockMax === undefined) throw corrupt(`block max size id ${(bd >> 4) & 0x07}`);
  let pos = at + 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1; // + header checksum byte
  needBytes('lz4', data, at, pos - at);
  let bound = 0;
  for (;;) {
    needBytes('lz4', data, pos, 4);
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // end mark
    const uncompressed = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's block max ${blockMax}`);
    needBytes('lz4', data, pos, size + (blockChecksum ? 4 : 0));
    pos += size + (blockChecksum ? 4 : 0);
    bound += uncompressed ? size : Math.min(blockMax, size * MAX_BLOCK_RATIO + BLOCK_RATIO_SLACK);
  }
  if (contentChecksum) {
    needBytes('lz4', data, pos, 4);
    pos += 4;
  }
  return { end: pos, bound };
}

export function lz4Decompress(data: Buffer, limit: number): Buffer {
  const frames: Buffer[] = [];
  let bound = 0;
  let at = 0;
  while (at < data.length) {
    needBytes('lz4', data, at, 4);
    const magic = data.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      needBytes('lz4', data, at + 4, 4);
      const size = data.readUInt32LE(at + 4);
      needBytes('lz4', data, at + 8, size);
      at += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)} at byte ${at}`);
    const frame = walkFrame(data, at);
    bound += frame.bound;
    checkDeclaredSize('lz4', bound, limit);
    frames.push(data.subarray(at, frame.end));
    at = frame.end;
  }
  if (frames.length === 0) throw corrupt('no lz4 frame');
  const out = frames.map((frame) => wrapNativeErrors('lz4', () => decompressFrameSync(frame)));
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
