/** One entry of a Fetch response's AbortedTransactions list. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** The batch fields the filter needs (a RecordBatchView or decoded batch has them all). */
export interface BatchInfo {
  producerId: bigint;
  lastOffset: bigint;
  isTransactional: boolean;
  isControl: boolean;
}

/**
 * read_committed filtering of one fetched partition, as Kafka's consumer does it: the broker lists
 * the aborted transactions overlapping the fetched range (producer id, first offset); walking the
 * batches in offset order, a producer's transaction counts as aborted from its first offset until
 * the producer's ABORT marker, and its transactional batches in between are dropped. Committed
 * transactions and non-transactional batches pass. Control batches never reach the application.
 */
export class AbortedTransactionFilter {
  private readonly pending: AbortedTransaction[];
  private readonly abortedProducers = new Set<bigint>();

  constructor(aborted: readonly AbortedTransaction[] | null) {
    this.pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /**
   * Whether to drop this batch. `isAbortMarker` tells, for a control batch, whether it holds the
   * ABORT marker (which ends the producer's aborted transaction).
   */
  skip(batch: BatchInfo, isAbortMarker: boolean): boolean {
    if (batch.producerId >= 0n) {
      while (this.pending.length > 0 && this.pending[0]!.firstOffset <= batch.lastOffset) {
        this.abortedProducers.add(this.pending.shift()!.producerId);
      }
      if (batch.isControl && isAbortMarker) {
        this.abortedProducers.delete(batch.producerId);
      } else if (batch.isTransactional && this.abortedProducers.has(batch.producerId)) {
        return true;
      }
    }
    return batch.isControl;
  }
}
