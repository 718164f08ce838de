import { type RecordBatchView, decodeRecordBatch, parseTxnMarker, type TxnMarker } from '@tributary/protocol';
import type { AbortedTxn } from '../index/transaction-index.js';
import type { CleanerStats } from './cleaner-stats.js';
import type { OffsetMap } from './offset-map.js';

/** An aborted transaction as the map pass finds it in the log (no last stable offset). */
export type FoundAbortedTxn = Omit<AbortedTxn, 'lastStableOffset'>;

/** A segment as the offset-map pass reads it. */
export interface MapSourceSegment {
  readonly baseOffset: number;
  /** Every batch whose last offset is >= fromOffset, in order, CRC-checked. */
  batchesFrom(fromOffset: number): AsyncIterable<RecordBatchView>;
}

interface PendingTxn {
  firstOffset: number;
  keys: { key: Buffer; offset: number }[];
}

async function markerOf(view: RecordBatchView): Promise<TxnMarker | null | undefined> {
  const first = (await decodeRecordBatch(view)).records[0];
  if (first === undefined) return undefined;
  try {
    return parseTxnMarker(first);
  } catch {
    return null;
  }
}

/**
 * Builds the key → offset map of the dirty section [start, end) (Kafka's buildOffsetMap). Aborted
 * records must not shadow live ones: Kafka skips them using its transaction index; this pass tells
 * them apart from the log itself — a producer's transactional batches open a transaction that its
 * next COMMIT/ABORT marker closes, and keys of a transaction enter the map only when its COMMIT is
 * read — so reading continues past `end` until every transaction with data in the section has its
 * marker. Returns the aborted transactions it found (the cleaner's batch filter takes them from the
 * transaction index instead).
 *
 * `segments` run from the one holding `start` to the end of the log. When the map reaches its size
 * limit, mapping stops (map.latestOffset marks how far it got, as in Kafka) but the transaction scan
 * goes on.
 */
export async function buildOffsetMap(
  segments: readonly MapSourceSegment[],
  start: number,
  end: number,
  map: OffsetMap,
  stats: CleanerStats,
): Promise<FoundAbortedTxn[]> {
  map.clear();
  const pending = new Map<number, PendingTxn>();
  const aborted: FoundAbortedTxn[] = [];
  let full = false;

  const putKey = (key: Buffer, offset: number): boolean => {
    if (full) return false;
    if (map.isFull && !map.has(key)) {
      full = true;
      return false;
    }
    map.put(key, offset);
    return true;
  };

  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const nextSegmentStart = i + 1 < segments.length ? segments[i + 1]!.baseOffset : Number.MAX_SAFE_INTEGER;
    const inSection = seg.baseOffset < end;
    if (!inSection && pending.size === 0) break;
    for await (const batch of seg.batchesFrom(start)) {
      const base = batch.baseOffsetNum;
      const last = batch.lastOffsetNum;
      const producerId = batch.producerIdNum;
      if (base >= end) {
        // Past the section: only look for the markers of transactions still open.
        if (pending.size === 0) return aborted;
        if (batch.isControl && pending.has(producerId)) {
          const marker = await markerOf(batch);
          const txn = pending.get(producerId)!;
          pending.delete(producerId);
          if (marker && !marker.commit) aborted.push({ producerId, firstOffset: txn.firstOffset, lastOffset: base });
          // Committed: its records in the section are live and shadow older ones, as in Kafka.
          else if (marker) for (const k of txn.keys) putKey(k.key, k.offset);
        }
        continue;
      }
      if (batch.isControl) {
        const txn = pending.get(producerId);
        if (txn !== undefined) {
          const marker = await markerOf(batch);
          if (marker) {
            pending.delete(producerId);
            if (marker.commit) {
              for (const k of txn.keys) putKey(k.key, k.offset);
            } else {
              aborted.push({ producerId, firstOffset: txn.firstOffset, lastOffset: base });
            }
          }
        }
      } else if (batch.isTransactional && producerId >= 0) {
        let txn = pending.get(producerId);
        if (txn === undefined) {
          txn = { firstOffset: base, keys: [] };
          pending.set(producerId, txn);
        }
        if (!full) {
          for (const r of (await decodeRecordBatch(batch)).records) {
            stats.mapRecordsRead++;
            const offset = Number(r.offset);
            if (r.key !== null && offset >= start) txn.keys.push({ key: Buffer.from(r.key), offset });
          }
        }
      } else if (!full) {
        for (const r of (await decodeRecordBatch(batch)).records) {
          stats.mapRecordsRead++;
          const offset = Number(r.offset);
          if (r.key !== null && offset >= start && !putKey(r.key, offset)) break;
        }
      }
      if (!full && last >= start) map.updateLatestOffset(last);
    }
    // Offsets may have gaps (an earlier cleaning): the map covers up to the next segment.
    if (!full && inSection) map.updateLatestOffset(Math.min(nextSegmentStart, end) - 1);
  }
  return aborted;
}
