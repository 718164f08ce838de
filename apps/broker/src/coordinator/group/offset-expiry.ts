import type { GroupMetadata } from './group-metadata.js';

/**
 * Which of a group's committed offsets have outlived offsets.retention.minutes (Kafka 2.1+, KIP-211):
 *  - a group with a protocol type that is Empty: retention counts from when it became Empty (from
 *    the commit time when that moment is unknown, e.g. metadata written by an old broker);
 *  - a Stable consumer group whose subscriptions are known: offsets of topics nobody subscribes to
 *    any more expire by their commit time;
 *  - a group without a protocol type (offsets committed from outside group management): by commit time;
 *  - otherwise nothing expires while the group is active.
 * An offset committed with an explicit retention (OffsetCommit v2-4) expires at its own timestamp.
 * A partition with a commit in flight never expires.
 */
export function expiredOffsets(group: GroupMetadata, nowMs: number, retentionMs: number): Array<[string, number]> {
  let baseTime: ((commitTimestamp: number) => number) | null = null;
  let spared: ReadonlySet<string> = new Set();
  if (group.protocolType !== null && group.is('Empty')) {
    const emptySince = group.currentStateTimestamp;
    baseTime = (commitTimestamp) => emptySince ?? commitTimestamp;
  } else if (group.isConsumerGroup && group.knownSubscribedTopics !== null && group.is('Stable')) {
    baseTime = (commitTimestamp) => commitTimestamp;
    spared = group.knownSubscribedTopics;
  } else if (group.protocolType === null) {
    baseTime = (commitTimestamp) => commitTimestamp;
  }
  if (!baseTime) return [];

  const expired: Array<[string, number]> = [];
  for (const [topic, partition, offset] of group.offsets.entries()) {
    if (spared.has(topic) || group.offsets.hasPending(topic, partition)) continue;
    const isExpired =
      offset.expireTimestamp !== null
        ? nowMs >= offset.expireTimestamp
        : nowMs - baseTime(offset.commitTimestamp) >= retentionMs;
    if (isExpired) expired.push([topic, partition]);
  }
  return expired;
}
