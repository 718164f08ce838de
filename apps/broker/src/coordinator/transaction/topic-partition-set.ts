/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The partitions of a transaction, grouped by topic so that "is this partition in the transaction"
 * (asked for every transactional produce) is two map lookups with no key string built.
 */
export class TopicPartitionSet {
  private readonly topics = new Map<string, Set<number>>();
  private count = 0;

  constructor(partitions: Iterable<TopicPartition> = []) {
    for (const tp of partitions) this.add(tp.topic, tp.partition);
  }

  get size(): number {
    return this.count;
  }

  has(topic: string, partition: number): boolean {
    return this.topics.get(topic)?.has(partition) ?? false;
  }

  add(topic: string, partition: number): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    if (!set.has(partition)) {
      set.add(partition);
      this.count++;
    }
  }

  delete(topic: string, partition: number): void {
    const set = this.topics.get(topic);
    if (set?.delete(partition)) {
      this.count--;
      if (set.size === 0) this.topics.delete(topic);
    }
  }

  clear(): void {
    this.topics.clear();
    this.count = 0;
  }

  /** Whether every partition here is also in `other`. */
  subsetOf(other: TopicPartitionSet): boolean {
    for (const [topic, set] of this.topics) {
      for (const p of set) if (!other.has(topic, p)) return false;
    }
    return true;
  }

  equals(other: TopicPartitionSet): boolean {
    return this.size === other.size && this.subsetOf(other);
  }

  union(more: Iterable<TopicPartition>): TopicPartitionSet {
    const out = new TopicPartitionSet(this.list());
    for (const tp of more) out.add(tp.topic, tp.partition);
    return out;
  }

  /** Every partition, grouped by topic in insertion order. */
  list(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, set] of this.topics) for (const partition of set) out.push({ topic, partition });
    return out;
  }

  /** Topic by topic, the layout of TransactionLogValue and DescribeTransactions. */
  byTopic(): Array<{ topic: string; partitions: number[] }> {
    return [...this.topics].map(([topic, set]) => ({ topic, partitions: [...set] }));
  }
}
