import type { CoordinatorLog } from './coordinator-log.js';
import {
  type GroupMetadataValue,
  type OffsetCommitValue,
  decodeCoordinatorKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
} from './coordinator-records.js';
import { GroupCoordinatorError } from './errors.js';
import { TopicPartitionMap } from './topic-partition-map.js';

/** An offset read back, at its replay position (see GroupOffsets). */
export interface ReplayedOffset {
  readonly value: OffsetCommitValue;
  readonly position: number;
}

/** What a partition of __consumer_offsets holds once replayed to its end. */
export interface ReplayedPartition {
  /** The latest metadata of each group that has one. */
  readonly groups: ReadonlyMap<string, GroupMetadataValue>;
  /** Committed offsets per group (groups whose offsets were all deleted map to an empty map). */
  readonly offsets: ReadonlyMap<string, TopicPartitionMap<ReplayedOffset>>;
  /** Offsets of transactions with no marker yet: group → producer id → offsets. */
  readonly pending: ReadonlyMap<string, ReadonlyMap<number, TopicPartitionMap<ReplayedOffset>>>;
  /** The position of the last batch read; later writes must come after it. */
  readonly lastPosition: number;
}

/**
 * Reads a partition of __consumer_offsets from its start (Kafka's doLoadGroupsAndOffsets): the
 * latest record of each key wins, tombstones delete. A transactional batch's offsets are held for
 * their producer until its marker: a COMMIT applies each one unless the partition's offset already
 * comes from a later record, an ABORT drops them. Batches are numbered in log order; those numbers
 * are the positions that decide which of two commits is newer. A record that does not decode
 * throws GroupCoordinatorError('CORRUPT_RECORD'); unknown key versions are skipped.
 */
export async function replayPartition(log: CoordinatorLog, partition: number): Promise<ReplayedPartition> {
  const groups = new Map<string, GroupMetadataValue>();
  const offsets = new Map<string, TopicPartitionMap<ReplayedOffset>>();
  /** Producer id → group → its offsets in the transaction not ended yet at this point of the log. */
  const open = new Map<number, Map<string, TopicPartitionMap<ReplayedOffset>>>();
  const offsetsOf = (groupId: string) => getOrCreate(offsets, groupId, () => new TopicPartitionMap<ReplayedOffset>());
  let position = 0;
  for await (const entry of log.readAll(partition)) {
    position++;
    if (entry.kind === 'marker') {
      const ended = open.get(entry.producerId);
      open.delete(entry.producerId);
      if (entry.commit && ended) {
        for (const [groupId, forGroup] of ended) {
          const committed = offsetsOf(groupId);
          for (const [topic, p, o] of forGroup.entries()) {
            const current = committed.get(topic, p);
            if (current === undefined || current.position < o.position) committed.set(topic, p, o);
          }
        }
      }
      continue;
    }
    const txn = entry.producerId === null ? null : getOrCreate(open, entry.producerId, () => new Map<string, TopicPartitionMap<ReplayedOffset>>());
    for (const record of entry.records) {
      const key = decodePart(partition, 'key', () => decodeCoordinatorKey(record.key));
      if (key.kind === 'offset') {
        const target = txn ? getOrCreate(txn, key.group, () => new TopicPartitionMap<ReplayedOffset>()) : offsetsOf(key.group);
        if (record.value === null) target.delete(key.topic, key.partition);
        else target.set(key.topic, key.partition, { value: decodePart(partition, 'offset value', () => decodeOffsetCommitValue(record.value!)), position });
      } else if (key.kind === 'group') {
        if (record.value === null) groups.delete(key.group);
        else groups.set(key.group, decodePart(partition, 'group value', () => decodeGroupMetadataValue(record.value!)));
      }
    }
  }

  const pending = new Map<string, Map<number, TopicPartitionMap<ReplayedOffset>>>();
  for (const [producerId, byGroup] of open) {
    for (const [groupId, forGroup] of byGroup) {
      if (forGroup.size > 0) getOrCreate(pending, groupId, () => new Map()).set(producerId, forGroup);
    }
  }
  return { groups, offsets, pending, lastPosition: position };
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

function decodePart<T>(partition: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new GroupCoordinatorError('CORRUPT_RECORD', `__consumer_offsets-${partition}: undecodable record ${what}`, { cause: err });
  }
}
