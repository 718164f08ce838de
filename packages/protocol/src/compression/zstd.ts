import { compress, decompress } from '@mongodb-js/zstd';
import { ProtocolError } from '../primitives/protocol-error.js';
import { checkDeclaredSize, needBytes, wrapNativeErrorsAsync } from './limits.js';

/**
 * ZSTD (codec 4, Kafka 2.1+): standard zstd frames. The binding inflates the whole payload with no
 * cap, so before calling it the frames are walked (RFC 8878 section 3.1) to bound the output: raw
 * and RLE blocks state their exact size, a compressed block regenerates at most
 * min(window size, 128 KiB). A declared frame content size above the limit is refused as well.
 */

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_SIZE_MAX = 128 * 1024;
/** Kafka's default compression.zstd.level. */
const DEFAULT_LEVEL = 3;

export async function zstdCompress(data: Buffer, level = DEFAULT_LEVEL): Promise<Buffer> {
  return compress(data, level);
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError('COMPRESSION_ERROR', `corrupt zstd payload: ${message}`);
}

interface FrameHeader {
  /** Offset of the first block header. */
  blocksAt: number;
  /** Declared content size, or -1 when the frame does not say. */
  contentSize: number;
  windowSize: number;
  checksum: boolean;
}

function readFrameHeader(data: Buffer, at: number): FrameHeader {
  needBytes('zstd', data, at, 5);
  const descriptor = data[at + 4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (descriptor & 0x08) throw corrupt('reserved frame header bit is set');
  const checksum = (descriptor & 0x04) !== 0;
  const dictIdSize = [0, 1, 2, 4][descriptor & 0x03]!;
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
  let pos = at + 5;
  let windowSize = 0;
  if (!singleSegment) {
    needBytes('zstd', data, pos, 1);
    const wd = data[pos++]!;
    const windowBase = 2 ** (10 + (wd >> 3));
    windowSize = windowBase + (windowBase / 8) * (wd & 0x07);
  }
  pos += dictIdSize;
  needBytes('zstd', data, pos, fcsSize);
  let contentSize = -1;
  if (fcsSize === 1) contentSize = data[pos]!;
  else if (fcsSize === 2) contentSize = data.readUInt16LE(pos) + 256;
  else if (fcsSize === 4) contentSize = data.readUInt32LE(pos);
  else if (fcsSize === 8) contentSize = data.readUInt32LE(pos) + data.readUInt32LE(pos + 4) * 2 ** 32;
  pos += fcsSize;
  if (singleSegment) windowSize = contentSize;
  return { blocksAt: pos, contentSize, windowSize, checksum };
}

/** Walks one frame's blocks; returns where the frame ends and an upper bound of its output. */
function walkFrame(data: Buffer, at: number, limit: number): { end: number; bound: number } {
  const header = readFrameHeader(data, at);
  if (header.contentSize >= 0) checkDeclaredSize('zstd', header.contentSize, limit);
  const blockMax = Math.min(header.windowSize, BLOCK_SIZE_MAX);
  let pos = header.blocksAt;
  let bound = 0;
  for (let last = false; !last; ) {
    needBytes('zstd', data, pos, 3);
    const word = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    pos += 3;
    last = (word & 1) !== 0;
    const type = (word >> 1) & 0x03;
    const size = word >>> 3;
    if (type === 0) {
      needBytes('zstd', data, pos, size);
      pos += size;
      bound += size;
    } else if (type === 1) {
      needBytes('zstd', data, pos, 1);
      pos += 1;
      bound += size;
    } else if (type === 2) {
      if (size > blockMax) throw corrupt(`compressed block of ${size} bytes exceeds the block maximum ${blockMax}`);
      needBytes('zstd', data, pos, size);
      pos += size;
      bound += blockMax;
    } else {
      throw corrupt('reserved block type');
    }
    checkDeclaredSize('zstd', bound, limit);
  }
  if (header.checksum) {
    needBytes('zstd', data, pos, 4);
    pos += 4;
  }
  return { end: pos, bound };
}

/** Upper bound of the decompressed size of a run of zstd (and skippable) frames. */
export function zstdDecompressedBound(data: Buffer, limit: number): number {
  let bound = 0;
  let frames = 0;
  let at = 0;
  while (at < data.length) {
    needBytes('zstd', data, at, 4);
    const magic = data.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      needBytes('zstd', data, at + 4, 4);
      const size = data.readUInt32LE(at + 4);
      needBytes('zstd', data, at + 8, size);
      at += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)} at byte ${at}`);
    const frame = walkFrame(data, at, limit - bound);
    bound += frame.bound;
    frames++;
    at = frame.end;
  }
  if (frames === 0) throw corrupt('no zstd frame');
  return bound;
}

export async function zstdDecompress(data: Buffer, limit: number): Promise<Buffer> {
  zstdDecompressedBound(data, limit);
  return wrapNativeErrorsAsync('zstd', () => decompress(data));
}
