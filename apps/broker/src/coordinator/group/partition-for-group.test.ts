import { describe, expect, it } from 'vitest';
import { GroupCoordinatorError } from './errors.js';
import { javaStringHashCode, kafkaAbs, partitionForGroup } from './partition-for-group.js';

// Reference values printed by a JVM (OpenJDK, String.hashCode and Kafka's Utils.abs semantics,
// modulo Kafka's default 50 partitions), not computed by the code under test.
const JAVA: Array<[string, number, number]> = [
  ['', 0, 0],
  ['hello', 99162322, 22],
  ['Hello World', -862545276, 26],
  ['polygenelubricants', -2147483648, 0],
  ['my-group', -1906497762, 12],
  ['console-consumer-12345', 158455506, 6],
  ['Aa', 2112, 12],
  ['BB', 2112, 12],
  ['grüppe-ü', 243491011, 11],
  ['emoji-\u{1F600}', 1164511306, 6],
];

describe('partition for a group', () => {
  it.each(JAVA)('hashes %j exactly like java.lang.String.hashCode', (s, hash) => {
    expect(javaStringHashCode(s)).toBe(hash);
  });

  it.each(JAVA)('places %j on the partition Kafka picks with 50 partitions', (s, _hash, partition) => {
    expect(partitionForGroup(s, 50)).toBe(partition);
  });

  it('maps Integer.MIN_VALUE to 0 like Utils.abs, and otherwise takes the absolute value', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-5)).toBe(5);
    expect(kafkaAbs(7)).toBe(7);
  });

  it('stays within the partition count for any group id', () => {
    for (let i = 0; i < 500; i++) {
      const p = partitionForGroup(`group-${i}-${'x'.repeat(i % 17)}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForGroup('g', 0)).toThrow(GroupCoordinatorError);
    expect(() => partitionForGroup('g', 1.5)).toThrow(GroupCoordinatorError);
  });
});
