import { Reader, Writer, crc32c } from '@tributary/protocol';
import { NUM_BATCHES_TO_RETAIN, ProducerStateEntry, type BatchMetadata } from './producer-state-entry.js';

/**
 * Producer-state snapshot files, `<20-digit offset>.snapshot` in the partition directory, as Kafka
 * names them. A snapshot named N holds the state after every batch below offset N.
 *
 * The layout is Tributary's own (Kafka's keeps only the last batch per producer; this keeps all
 * cached batches so retries stay deduplicated across a restart), big-endian:
 *
 *   int16  version (1)
 *   uint32 CRC-32C of every byte after this field
 *   int32  producer count
 *   per producer:
 *     int64 producerId | int16 producerEpoch | int32 coordinatorEpoch |
 *     int64 currentTxnFirstOffset (-1: none) | int64 lastTimestamp | int8 batch count (0..5)
 *     per batch: int32 firstSeq | int32 lastSeq | int64 firstOffset | int64 lastOffset | int64 timestamp
 *
 * A torn or corrupted file fails the CRC or the length checks and is reported as corrupt, never
 * loaded.
 */
export const SNAPSHOT_SUFFIX = '.snapshot';
export const SNAPSHOT_VERSION = 1;

const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;
const HEADER_SIZE = 6; // version + crc
const PRODUCER_FIXED_SIZE = 8 + 2 + 4 + 8 + 8 + 1;
const BATCH_SIZE = 4 + 4 + 8 + 8 + 8;

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The offset a snapshot file name stands for, or undefined for any other file. */
export function snapshotOffsetOf(fileName: string): number | undefined {
  const m = SNAPSHOT_NAME.exec(fileName);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : undefined;
}

export function encodeSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const w = new Writer(HEADER_SIZE + 4 + list.length * (PRODUCER_FIXED_SIZE + NUM_BATCHES_TO_RETAIN * BATCH_SIZE));
  w.int16(SNAPSHOT_VERSION);
  w.uint32(0); // CRC placeholder
  w.int32(list.length);
  for (const e of list) {
    w.int64(BigInt(e.producerId)).int16(e.producerEpoch).int32(e.coordinatorEpoch);
    w.int64(BigInt(e.currentTxnFirstOffset)).int64(BigInt(e.lastTimestamp)).int8(e.batches.length);
    for (const b of e.batches) {
      w.int32(b.firstSeq).int32(b.lastSeq).int64(BigInt(b.firstOffset)).int64(BigInt(b.lastOffset)).int64(BigInt(b.timestamp));
    }
  }
  const buf = w.finish();
  buf.writeUInt32BE(crc32c(buf.subarray(HEADER_SIZE)), 2);
  return buf;
}

/** Why a snapshot could not be loaded; the manager skips (and deletes) such a file. */
export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
}

function safe(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new CorruptSnapshotError(`${what} ${v} is not a safe integer`);
  return n;
}

export function decodeSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER_SIZE + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new CorruptSnapshotError(`unknown snapshot version ${version}`);
  const stored = buf.readUInt32BE(2);
  const computed = crc32c(buf.subarray(HEADER_SIZE));
  if (stored !== computed) throw new CorruptSnapshotError(`snapshot CRC mismatch: stored ${stored.toString(16)}, computed ${computed.toString(16)}`);
  try {
    const r = new Reader(buf, HEADER_SIZE);
    const count = r.checkCount(r.int32(), PRODUCER_FIXED_SIZE);
    if (count < 0) throw new CorruptSnapshotError(`negative producer count ${count}`);
    const entries: ProducerStateEntry[] = [];
    for (let i = 0; i < count; i++) {
      const producerId = safe(r.int64(), 'producer id');
      const producerEpoch = r.int16();
      const coordinatorEpoch = r.int32();
      const currentTxnFirstOffset = safe(r.int64(), 'transaction first offset');
      const lastTimestamp = safe(r.int64(), 'timestamp');
      const batchCount = r.int8();
      if (batchCount < 0 || batchCount > NUM_BATCHES_TO_RETAIN) throw new CorruptSnapshotError(`producer ${producerId} has ${batchCount} batches`);
      const batches: BatchMetadata[] = [];
      for (let j = 0; j < batchCount; j++) {
        batches.push({
          firstSeq: r.int32(),
          lastSeq: r.int32(),
          firstOffset: safe(r.int64(), 'batch first offset'),
          lastOffset: safe(r.int64(), 'batch last offset'),
          timestamp: safe(r.int64(), 'batch timestamp'),
        });
      }
      entries.push(new ProducerStateEntry(producerId, producerEpoch, coordinatorEpoch, lastTimestamp, currentTxnFirstOffset, batches));
    }
    if (r.remaining !== 0) throw new CorruptSnapshotError(`${r.remaining} bytes after the last producer`);
    return entries;
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw err;
    // Reader raises ProtocolError for anything short or out of range.
    throw new CorruptSnapshotError(`malformed snapshot: ${err instanceof Error ? err.message : String(err)}`);
  }
}
