import { partitionForKey } from './murmur2.js';

/** What a partitioner knows about the record and the topic when it chooses. */
export interface PartitionerInput {
  topic: string;
  key: Buffer | null;
  /** Encoded size estimate of the record, for sticky partitioning's byte count. */
  sizeInBytes: number;
  /** All partitions of the topic. */
  numPartitions: number;
  /** Partitions that currently have a known leader (Java: availablePartitionsForTopic). */
  availablePartitions: readonly number[];
}

/** Chooses the partition of a record that names none. */
export type Partitioner = (input: PartitionerInput) => number;

/**
 * Java's default partitioning (Kafka 3.3+ BuiltInPartitioner, KIP-794):
 * - a record with a key goes to toPositive(murmur2(key)) % numPartitions, over all partitions, so a
 *   key stays on its partition while a leader is briefly unavailable;
 * - a record without a key goes to the topic's "sticky" partition, which changes after batch.size
 *   bytes have been sent to it, to a random available partition. Sticking fills whole batches
 *   (fewer, larger requests) while still spreading load uniformly over time.
 */
export class DefaultPartitioner {
  private readonly sticky = new Map<string, { partition: number; bytes: number }>();

  constructor(
    private readonly stickyBatchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  readonly partition: Partitioner = (input) => {
    if (input.key !== null) return partitionForKey(input.key, input.numPartitions);
    return this.stickyPartition(input);
  };

  private stickyPartition(input: PartitionerInput): number {
    let state = this.sticky.get(input.topic);
    if (state === undefined || state.partition >= input.numPartitions || state.bytes >= this.stickyBatchSize) {
      state = { partition: this.nextPartition(input, state?.partition), bytes: 0 };
      this.sticky.set(input.topic, state);
    }
    state.bytes += input.sizeInBytes;
    return state.partition;
  }

  /** A random available partition other than the previous one when there is a choice. */
  private nextPartition(input: PartitionerInput, previous: number | undefined): number {
    const candidates = input.availablePartitions.length > 0 ? input.availablePartitions : range(input.numPartitions);
    if (candidates.length === 1) return candidates[0]!;
    for (;;) {
      const p = candidates[Math.floor(this.random() * candidates.length)]!;
      if (p !== previous) return p;
    }
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
