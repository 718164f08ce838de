import type { CompletedTxn, ProducerStateManager } from '../producer-state/producer-state-manager.js';
import type { LogSegment } from '../segment/log-segment.js';
import { LogSegments } from './log-segments.js';

/**
 * Brings producer state from `from` (where its snapshot ended) up to `end` by feeding every stored
 * batch with a producer id in between to update(), whole (control batches need their marker record).
 * `onCompletedTxn` sees each transaction a marker completes, with the segment holding the marker,
 * right after the update (the producer state then is what Kafka's recovery computes the entry's last
 * stable offset from).
 */
export async function replayProducerState(
  segments: readonly LogSegment[],
  psm: ProducerStateManager,
  from: number,
  end: number,
  onCompletedTxn?: (segment: LogSegment, txn: CompletedTxn) => void,
): Promise<void> {
  const startIndex = Math.max(0, LogSegments.floorIndex(segments, from));
  for (const seg of segments.slice(startIndex)) {
    if (seg.baseOffset >= end) break;
    const start = seg.baseOffset >= from ? undefined : await seg.translateOffset(from);
    if (seg.baseOffset < from && start === undefined) continue;
    for await (const v of seg.batches(start?.position ?? 0)) {
      if (v.baseOffsetNum >= end) break;
      if (v.lastOffsetNum < from) continue;
      if (v.producerIdNum < 0) continue;
      const completed = psm.update(v);
      if (completed !== undefined && onCompletedTxn !== undefined) onCompletedTxn(seg, completed);
    }
  }
  psm.updateMapEndOffset(end);
}
