import { makeBatch } from '../test-support/batches.js';

/**
 * The batch the crash test's child appends for a tag: its size varies (1–5 records of 50–2000 bytes,
 * every 13th one much larger) so kills land mid-write, mid-roll and between batches.
 */
export function crashBatch(tag: number): Buffer {
  const records = 1 + (tag % 5);
  const valueSize = tag % 13 === 0 ? 9000 : 50 + ((tag * 37) % 1950);
  return makeBatch(records, { tag, valueSize, baseTimestamp: 1_600_000_000_000 + tag });
}
