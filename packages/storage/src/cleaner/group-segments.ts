import type { LogSegment } from '../segment/log-segment.js';

const INT32_MAX = 0x7fffffff;

/**
 * Kafka's groupSegmentsBySize: consecutive segments are cleaned into one while the group's log bytes
 * stay within segment.bytes, each index within segment.index.bytes, and every offset of the group
 * stays within 2^31-1 of its first base offset (relative offsets are 4 bytes). This keeps cleaned
 * segments from shrinking forever. Indexes must be loaded (ensureIndexes) before calling.
 */
export function groupSegmentsBySize(
  segments: readonly LogSegment[],
  maxSize: number,
  maxIndexSize: number,
  firstUncleanableOffset: number,
): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndex.sizeInBytes;
    let timeIndexSize = first.timeIndex.sizeInBytes;
    i++;
    while (i < segments.length) {
      const s = segments[i]!;
      // The worst-case last offset of s: the next segment's base - 1, or the round's bound - 1.
      const lastOffsetOfS = i + 1 < segments.length ? segments[i + 1]!.baseOffset - 1 : firstUncleanableOffset - 1;
      const fits =
        logSize + s.size <= maxSize &&
        indexSize + s.offsetIndex.sizeInBytes <= maxIndexSize &&
        timeIndexSize + s.timeIndex.sizeInBytes <= maxIndexSize &&
        (s.size === 0 || lastOffsetOfS - first.baseOffset <= INT32_MAX);
      if (!fits) break;
      group.push(s);
      logSize += s.size;
      indexSize += s.offsetIndex.sizeInBytes;
      timeIndexSize += s.timeIndex.sizeInBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
