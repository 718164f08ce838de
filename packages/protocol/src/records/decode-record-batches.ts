import { batchViews } from './batch-header.js';
import { type DecodeRecordBatchOptions, decodeRecordBatch, decodeRecordBatchSync } from './decode-record-batch.js';
import type { DecodedRecordBatch } from './record-batch-types.js';

export interface DecodeRecordBatchesOptions extends DecodeRecordBatchOptions {
  /**
   * Ignore a trailing partial batch instead of failing. A Fetch response may end in one (the
   * broker cuts at max bytes) and consumers skip it; a Produce request may not. Default false.
   */
  allowPartialTail?: boolean;
}

/** Decodes every batch in a records field (Fetch response, Produce request, log segment slice). */
export async function decodeRecordBatches(buf: Buffer, options?: DecodeRecordBatchesOptions): Promise<DecodedRecordBatch[]> {
  const out: DecodedRecordBatch[] = [];
  for (const view of batchViews(buf, options?.allowPartialTail ?? false)) {
    out.push(await decodeRecordBatch(view, options));
  }
  return out;
}

/** decodeRecordBatches for buffers without zstd batches. */
export function decodeRecordBatchesSync(buf: Buffer, options?: DecodeRecordBatchesOptions): DecodedRecordBatch[] {
  const out: DecodedRecordBatch[] = [];
  for (const view of batchViews(buf, options?.allowPartialTail ?? false)) out.push(decodeRecordBatchSync(view, options));
  return out;
}
