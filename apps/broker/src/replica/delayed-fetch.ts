import { READ_COMMITTED, type FetchParams } from './fetch-types.js';
import type { Partition } from './partition.js';
import { DelayedOperation } from './purgatory.js';

/**
 * A long-poll Fetch (Kafka's DelayedFetch): the first read found fewer than min_bytes, so it waits
 * until enough bytes have been appended to its partitions or max_wait_ms passes, then reads again
 * and answers. Appends wake it through the purgatory; its own timer is the deadline.
 *
 * Arrivals are measured with each partition's bytesAppended counter against a snapshot taken before
 * the first read, so data appended while that read was in progress counts too. The estimate can
 * only overcount (bytes already in the first read), which at worst answers a little early with
 * what the final read finds; it never waits while enough data is there.
 *
 * A read_committed fetch only counts partitions whose last stable offset is past its fetch offset.
 * When that offset moves (a transaction's marker), records appended before the wait began may
 * become readable at once, which the appended-bytes counter cannot see: the fetch then answers.
 */
export class DelayedFetch extends DelayedOperation {
  constructor(
    private readonly params: FetchParams,
    /** The partitions of params.partitions, same order; undefined for unknown ones. */
    private readonly partitions: readonly (Partition | undefined)[],
    /** partitions[i].bytesAppended before the first read. */
    private readonly appendedBefore: readonly number[],
    /**
     * read_committed: each partition's last stable offset before the first read (taken then, like
     * appendedBefore, so a marker written while that read was in progress counts too).
     */
    private readonly stableBefore: readonly number[],
    /** Bytes the first read returned. */
    private readonly firstReadBytes: number,
    /** Partitions this fetch resolved; a different object under the same key means it was recreated. */
    private readonly current: (partition: Partition) => boolean,
    private readonly complete: () => void,
  ) {
    super(params.maxWaitMs);
  }

  protected isSatisfied(): boolean {
    let bytes = this.firstReadBytes;
    const committed = this.params.isolationLevel === READ_COMMITTED;
    for (let i = 0; i < this.partitions.length; i++) {
      const partition = this.partitions[i];
      if (!partition) continue;
      // Deleted, recreated or no longer led here: answer now, the read reports the error.
      if (!this.current(partition) || !partition.isLeader) return true;
      const appended = partition.bytesAppended - this.appendedBefore[i]!;
      if (appended <= 0) continue;
      const req = this.params.partitions[i]!;
      if (committed) {
        // A read_committed consumer sees nothing past the last stable offset, whatever was appended.
        const stable = partition.localLog?.lastStableOffset ?? 0;
        if (stable <= req.fetchOffset) continue;
        if (stable > this.stableBefore[i]!) return true;
      }
      bytes += Math.min(appended, Math.max(0, req.partitionMaxBytes));
      if (bytes >= this.params.minBytes) return true;
    }
    return false;
  }

  protected onComplete(): void {
    this.complete();
  }
}
