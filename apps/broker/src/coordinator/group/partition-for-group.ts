import { GroupCoordinatorError } from './errors.js';

/**
 * Which partition of __consumer_offsets holds a group: Kafka computes
 * Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions, and every client and broker must agree
 * on it (FindCoordinator answers with the leader of that partition), so the hash is Java's exactly.
 */

/** Java's String.hashCode(): s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  }
  return h;
}

/** Kafka's Utils.abs: like Math.abs, except Integer.MIN_VALUE (which has no positive twin) maps to 0. */
export function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

export function partitionForGroup(groupId: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new GroupCoordinatorError(
      'INVALID_CONFIG',
      `offsets.topic.num.partitions must be a positive integer, got ${numPartitions}`,
    );
  }
  return kafkaAbs(javaStringHashCode(groupId)) % numPartitions;
}
