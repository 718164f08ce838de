import { ApiKey, ErrorCode, KafkaError } from '@tributary/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { type TopicPartition, tpKey } from '../consumer/types.js';

/** ListOffsets special timestamps. */
export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;

export interface OffsetQuery extends TopicPartition {
  /** -2 earliest, -1 latest, or a timestamp (the first offset whose timestamp is at or after it). */
  timestamp: bigint;
}

export interface ListedOffset {
  offset: bigint;
  timestamp: bigint;
}

/**
 * ListOffsets for many partitions: one request per partition leader, in parallel; retried (with a
 * metadata refresh) for partitions whose leader moved. read_committed asks for the last stable
 * offset instead of the high watermark when looking up "latest".
 */
export async function listOffsets(cluster: Cluster, queries: readonly OffsetQuery[], readCommitted: boolean): Promise<Map<string, ListedOffset>> {
  const results = new Map<string, ListedOffset>();
  let remaining = [...queries];
  await cluster.topics([...new Set(queries.map((q) => q.topic))], 30_000);
  await cluster.retry(async () => {
    const byLeader = new Map<number, OffsetQuery[]>();
    for (const q of remaining) {
      const leader = cluster.metadata.leaderFor(q.topic, q.partition);
      if (leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${q.topic}-${q.partition}`);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(q);
    }
    const failed: OffsetQuery[] = [];
    let firstError: KafkaError | null = null;
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const byTopic = new Map<string, OffsetQuery[]>();
        for (const q of list) byTopic.set(q.topic, [...(byTopic.get(q.topic) ?? []), q]);
        const response = await cluster.broker(leader).request(ApiKey.ListOffsets, (version) => ({
          replicaId: -1,
          // v2+ only; older brokers answer the high watermark.
          isolationLevel: version >= 2 && readCommitted ? 1 : 0,
          timeoutMs: 30_000,
          topics: [...byTopic].map(([name, qs]) => ({
            name,
            partitions: qs.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: q.timestamp, maxNumOffsets: 1 })),
          })),
        }));
        const answered = new Set<string>();
        for (const t of response.topics) {
          for (const p of t.partitions) {
            const k = tpKey(t.name, p.partitionIndex);
            answered.add(k);
            if (p.errorCode !== 0) {
              const err = new KafkaError(p.errorCode, `ListOffsets ${t.name}-${p.partitionIndex}`);
              if (!err.retriable) throw err;
              firstError ??= err;
              failed.push(list.find((q) => q.topic === t.name && q.partition === p.partitionIndex)!);
            } else {
              results.set(k, { offset: p.offset, timestamp: p.timestamp });
            }
          }
        }
        for (const q of list) if (!answered.has(tpKey(q.topic, q.partition))) failed.push(q);
      }),
    );
    remaining = failed;
    if (failed.length > 0) throw firstError ?? new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'partitions missing from the ListOffsets response');
  });
  return results;
}
