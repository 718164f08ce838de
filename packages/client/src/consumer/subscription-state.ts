import type { CompletedFetch } from './completed-fetch.js';
import { type TopicPartition, tpKey } from './types.js';

export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

/** The consumer's state for one assigned partition. */
export class PartitionState {
  /** Next offset to hand to the application; null until known (committed offset or reset). */
  position: bigint | null = null;
  /** Next offset to fetch; ahead of position while fetched records wait in `buffered`. */
  fetchOffset: bigint | null = null;
  /** Bumped by seek and reset, so a response to a fetch sent before them is discarded. */
  epoch = 0;
  paused = false;
  fetchInFlight = false;
  buffered: CompletedFetch[] = [];
  highWatermark = -1n;
  /** Not fetched again before this time (after an error). */
  retryAt = 0;
  /** The position must be looked up: committed offset first (if `committed`), then the reset policy. */
  resetPending: OffsetResetPolicy | 'committed' | null = 'committed';

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Moves to an offset and drops everything fetched for the old position. */
  seek(offset: bigint): void {
    this.position = offset;
    this.fetchOffset = offset;
    this.buffered = [];
    this.resetPending = null;
    this.epoch++;
  }

  /** Forgets the position; it will be reset by the given policy. */
  requestReset(policy: OffsetResetPolicy | 'committed'): void {
    this.position = null;
    this.fetchOffset = null;
    this.buffered = [];
    this.resetPending = policy;
    this.epoch++;
  }
}

/** Which partitions the consumer owns and where it stands in each. */
export class SubscriptionState {
  private readonly partitions = new Map<string, PartitionState>();

  get(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(tpKey(topic, partition));
  }

  has(topic: string, partition: number): boolean {
    return this.partitions.has(tpKey(topic, partition));
  }

  /** Adds partitions (keeping the state of ones already held). */
  add(tps: Iterable<TopicPartition>): PartitionState[] {
    const added: PartitionState[] = [];
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      if (!this.partitions.has(k)) {
        const s = new PartitionState(tp.topic, tp.partition);
        this.partitions.set(k, s);
        added.push(s);
      }
    }
    return added;
  }

  remove(tps: Iterable<TopicPartition>): void {
    for (const tp of tps) this.partitions.delete(tpKey(tp.topic, tp.partition));
  }

  clear(): void {
    this.partitions.clear();
  }

  all(): PartitionState[] {
    return [...this.partitions.values()];
  }

  assignment(): TopicPartition[] {
    return this.all().map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Assignment grouped by topic. */
  byTopic(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const s of this.partitions.values()) {
      let list = out.get(s.topic);
      if (!list) out.set(s.topic, (list = []));
      list.push(s.partition);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }
}
