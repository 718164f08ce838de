import type { TxnMarker } from '@tributary/protocol';

/** A transaction that ended with an ABORT marker (Kafka's AbortedTxn). */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
}

interface OngoingAborted {
  txn: AbortedTxn;
  /** Last offset of the last batch of this transaction seen in this pass, if any. */
  lastObservedBatchOffset: number | undefined;
}

/**
 * Transaction state while the cleaner walks a log from its start (Kafka's CleanedTransactionMetadata).
 * Data batches of aborted transactions are discarded. A marker is kept while batches of its
 * transaction are still in the log; once none are, it becomes removable, after the delete horizon.
 */
export class CleanedTransactionMetadata {
  private readonly aborted: AbortedTxn[];
  private next = 0;
  private readonly ongoingCommitted = new Set<number>();
  private readonly ongoingAborted = new Map<number, OngoingAborted>();

  constructor(abortedTxns: readonly AbortedTxn[]) {
    this.aborted = [...abortedTxns].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private consumeAbortedUpTo(offset: number): void {
    while (this.next < this.aborted.length && this.aborted[this.next]!.firstOffset <= offset) {
      const txn = this.aborted[this.next++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, lastObservedBatchOffset: undefined });
    }
  }

  /**
   * A data batch was read. Returns true when it belongs to an aborted transaction (discard it).
   */
  onBatchRead(producerId: number, isTransactional: boolean, lastOffset: number): boolean {
    this.consumeAbortedUpTo(lastOffset);
    if (!isTransactional) return false;
    const aborted = this.ongoingAborted.get(producerId);
    if (aborted !== undefined) {
      aborted.lastObservedBatchOffset = lastOffset;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /**
   * A control batch was read; `marker` is its transaction marker, null for another control type,
   * undefined for an empty control batch. Returns true when the marker may be discarded: nothing of
   * its transaction was seen in this pass (an empty batch always may).
   */
  onControlBatchRead(producerId: number, lastOffset: number, marker: TxnMarker | null | undefined): boolean {
    this.consumeAbortedUpTo(lastOffset);
    if (marker === undefined) return true;
    if (marker === null) return false;
    if (!marker.commit) {
      const aborted = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      // Transactional batches of this producer read since its last marker that were not known to be
      // aborted belong to this transaction too: they are the empty batches an earlier round kept for
      // the producer's sequence state (Kafka knows them from its transaction index). The marker must
      // outlive them, or a rebuild of producer state would see a transaction that never ends.
      const sawOtherBatches = this.ongoingCommitted.delete(producerId);
      return !((aborted !== undefined && aborted.lastObservedBatchOffset !== undefined) || sawOtherBatches);
    }
    return !this.ongoingCommitted.delete(producerId);
  }
}
