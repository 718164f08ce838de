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
 */
export class DelayedFetch extends DelayedOperation {
  constructor(
    private readonly params: FetchParams,
    /** The partitions of params.partitions, same order; undefined for unknown ones. */
    private readonly partitions: readonly (Partition | undefined)[],
    /** partitions[i].bytesAppended before the first read. */
    private readonly appendedBefore: readonly number[],
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
      // A read_committed consumer sees nothing past the last stable offset, whatever was appended.
      if (committed && (partition.localLog?.lastStableOffset ?? 0) <= req.fetchOffset) continue;
      bytes += Math.min(appended, Math.max(0, req.partitionMaxBytes));
      if (bytes >= this.params.minBytes) return true;
    }
    return false;
  }

  protected onComplete(): void {
    this.complete();
  }
}
