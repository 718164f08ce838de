import { ControlRecordType, type DecodedRecordBatch, type RecordBatchView, batchViews, decodeRecordBatchSync, parseControlRecordKey } from '@tributary/protocol';
import { decodeBatchRecords } from './record-decoder.js';
import { AbortedTransactionFilter, type AbortedTransaction } from './transaction-filter.js';
import type { ConsumerRecord } from './types.js';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/**
 * One partition's records from one Fetch response, handed out a few at a time. Batch headers are
 * scanned on arrival (cheap: no record is decoded) to learn the next offset to fetch; records are
 * decoded batch by batch as the application asks for them. A trailing partial batch (the broker
 * cut at the byte limit) is ignored and fetched again from its start.
 */
export class CompletedFetch {
  private readonly views: RecordBatchView[];
  private viewIndex = 0;
  private records: ConsumerRecord[] = [];
  private recordIndex = 0;
  private readonly filter: AbortedTransactionFilter | null;
  /** Offset after the last complete batch: where the next fetch of this partition starts. */
  readonly nextFetchOffset: bigint;

  constructor(
    readonly topic: string,
    readonly partition: number,
    records: Buffer | null,
    readonly fetchOffset: bigint,
    readonly highWatermark: bigint,
    readonly fetchEpoch: number,
    isolation: IsolationLevel,
    aborted: readonly AbortedTransaction[] | null,
  ) {
    this.views = records === null || records.length === 0 ? [] : [...batchViews(records, true)];
    const last = this.views[this.views.length - 1];
    this.nextFetchOffset = last === undefined ? fetchOffset : maxOffset(fetchOffset, last.lastOffset + 1n);
    this.filter = isolation === 'read_committed' ? new AbortedTransactionFilter(aborted) : null;
  }

  /** No complete batch arrived (nothing new, or a batch larger than the fetch size). */
  get isEmpty(): boolean {
    return this.views.length === 0;
  }

  get isExhausted(): boolean {
    return this.recordIndex >= this.records.length && this.viewIndex >= this.views.length;
  }

  /**
   * Up to `max` records at or after `position`, in order. Returns the records and the position
   * after them (past skipped control and aborted batches too, so the position never points into
   * data that will not be delivered).
   */
  async take(max: number, position: bigint): Promise<{ records: ConsumerRecord[]; position: bigint }> {
    const out: ConsumerRecord[] = [];
    let pos = position;
    while (out.length < max) {
      if (this.recordIndex >= this.records.length) {
        if (this.viewIndex >= this.views.length) break;
        const view = this.views[this.viewIndex++]!;
        const lastOffset = view.lastOffset;
        if (lastOffset < pos) continue;
        if (this.skipBatch(view)) {
          pos = maxOffset(pos, lastOffset + 1n);
          continue;
        }
        // Records below the position are dropped while decoding: a compressed batch is fetched
        // whole even when the position is in its middle.
        const records: ConsumerRecord[] = [];
        const decoding = decodeBatchRecords(view, pos, records);
        if (decoding) await decoding;
        this.records = records;
        this.recordIndex = 0;
        if (records.length === 0) {
          pos = maxOffset(pos, lastOffset + 1n);
          continue;
        }
      }
      const n = Math.min(max - out.length, this.records.length - this.recordIndex);
      for (let i = 0; i < n; i++) out.push(this.records[this.recordIndex++]!);
      pos = out[out.length - 1]!.offset + 1n;
      if (this.recordIndex >= this.records.length) {
        // Compaction can leave the last offsets of a batch empty; skip past them.
        pos = maxOffset(pos, this.views[this.viewIndex - 1]!.lastOffset + 1n);
      }
    }
    return { records: out, position: pos };
  }

  /** Control batches never reach the application; under read_committed, neither do aborted ones. */
  private skipBatch(view: RecordBatchView): boolean {
    if (this.filter === null) return view.isControl;
    return this.filter.skip(view, view.isControl && isAbortMarker(decodeRecordBatchSync(view)));
  }
}

function maxOffset(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function isAbortMarker(batch: DecodedRecordBatch): boolean {
  if (!batch.isControl || batch.records.length === 0) return false;
  try {
    return parseControlRecordKey(batch.records[0]!.key).type === ControlRecordType.Abort;
  } catch {
    return false;
  }
}
