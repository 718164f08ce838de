import type { TxnMarker } from '@tributary/protocol';
import type { AbortedTxn } from '../index/transaction-index.js';

export type { AbortedTxn } from '../index/transaction-index.js';

interface OngoingAborted {
  txn: AbortedTxn;
  /** Last offset of the last batch of this transaction seen in this pass, if any. */
  lastObservedBatchOffset: number | undefined;
}

/**
 * Transaction state while the cleaner walks a log from its start (Kafka's CleanedTransactionMetadata).
 * The aborted transactions come from the log's transaction index, added segment by segment as the
 * cleaner reaches them. Data batches of aborted transactions are discarded. A marker is kept while
 * batches of its transaction are still in the log; once none are, it becomes removable, after the
 * delete horizon. The index entry of an ABORT marker that is kept goes to the cleaned segment's
 * index (takeRetainedAbortedTxns), so read_committed consumers still skip what is left of its data.
 */
export class CleanedTransactionMetadata {
  /** Not yet reached, by first offset. */
  private pending: AbortedTxn[] = [];
  private readonly ongoingCommitted = new Set<number>();
  private readonly ongoingAborted = new Map<number, OngoingAborted>();
  private retained: AbortedTxn[] = [];

  constructor(abortedTxns: readonly AbortedTxn[] = []) {
    this.addAbortedTransactions(abortedTxns);
  }

  /**
   * Adds aborted transactions found in the index for the range about to be read. The same
   * transaction may be added again for a later segment (its data and marker span both); the copy is
   * ignored while the transaction is open, and no copy outlives its marker since every copy's first
   * offset is below the marker.
   */
  addAbortedTransactions(abortedTxns: readonly AbortedTxn[]): void {
    if (abortedTxns.length === 0) return;
    this.pending = [...this.pending, ...abortedTxns].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Entries of the ABORT markers kept since the last call, in marker order (for the cleaned segment's index). */
  takeRetainedAbortedTxns(): AbortedTxn[] {
    const out = this.retained;
    this.retained = [];
    return out;
  }

  private consumeAbortedUpTo(offset: number): void {
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.firstOffset <= offset) {
      const txn = this.pending[n++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, lastObservedBatchOffset: undefined });
    }
    if (n > 0) this.pending = this.pending.slice(n);
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
      // Transactional batches of this producer read since its last marker that the index does not
      // list as aborted belong to this transaction too (the index lacks an entry when producer state
      // lost the transaction before its marker, e.g. rebuilt from a log start past its data). The
      // marker must outlive them, or a rebuild of producer state would see a transaction that never ends.
      const sawOtherBatches = this.ongoingCommitted.delete(producerId);
      const retain = (aborted !== undefined && aborted.lastObservedBatchOffset !== undefined) || sawOtherBatches;
      // Kafka copies the entry of a kept ABORT marker into the cleaned segment's index.
      if (retain && aborted !== undefined && aborted.txn.lastOffset === lastOffset) this.retained.push(aborted.txn);
      return !retain;
    }
    return !this.ongoingCommitted.delete(producerId);
  }
}
