import { compressSync, uncompressSync } from 'snappy';
import { ProtocolError } from '../primitives/protocol-error.js';
import { checkDeclaredSize, needBytes, wrapNativeErrors } from './limits.js';

/**
 * SNAPPY (codec 2). Kafka producers differ in what they send: Java and kafka-python wrap raw snappy
 * blocks in the xerial (snappy-java) stream framing, librdkafka and kafkajs-snappy may send one raw
 * block. We write a raw block, which every client reads, and read both.
 */

/** snappy-java stream header: 0x82 'SNAPPY' 0x00, then int32 version and int32 compatible version. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;

export function snappyCompress(data: Buffer): Buffer {
  return compressSync(data);
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function snappyDecompress(data: Buffer, limit: number): Buffer {
  return isXerialFramed(data) ? decompressXerial(data, limit) : decompressRawBlock(data, limit);
}

/**
 * Uncompressed length from a raw block's preamble (a little-endian base-128 varint of at most 32
 * bits). Read here, before the native decoder allocates that many bytes.
 */
function rawUncompressedLength(block: Buffer): number {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    needBytes('snappy', block, i, 1);
    const b = block[i]!;
    if (i === 4 && b > 0x0f) break;
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw new ProtocolError('COMPRESSION_ERROR', 'corrupt snappy payload: length preamble exceeds 32 bits');
}

function decompressRawBlock(block: Buffer, limit: number): Buffer {
  checkDeclaredSize('snappy', rawUncompressedLength(block), limit);
  return wrapNativeErrors('snappy', () => uncompressSync(block, { asBuffer: true }) as Buffer);
}

/** Xerial framing: header, then chunks of int32 big-endian length + one raw snappy block each. */
function decompressXerial(data: Buffer, limit: number): Buffer {
  // Sum the declared sizes of every chunk first, so a bomb is refused before anything is inflated.
  const blocks: Buffer[] = [];
  let declared = 0;
  let at = XERIAL_HEADER_SIZE;
  while (at < data.length) {
    needBytes('snappy', data, at, 4);
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0) throw new ProtocolError('COMPRESSION_ERROR', `corrupt snappy payload: xerial chunk length ${length}`);
    needBytes('snappy', data, at, length);
    const block = data.subarray(at, at + length);
    at += length;
    declared += rawUncompressedLength(block);
    checkDeclaredSize('snappy', declared, limit);
    blocks.push(block);
  }
  const out = blocks.map((block) => wrapNativeErrors('snappy', () => uncompressSync(block, { asBuffer: true }) as Buffer));
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
