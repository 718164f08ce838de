import { describe, expect, it } from 'vitest';
import { AbortedTransactionFilter, type BatchInfo } from './transaction-filter.js';

const data = (producerId: bigint, lastOffset: bigint, isTransactional = true): BatchInfo => ({ producerId, lastOffset, isTransactional, isControl: false });
const marker = (producerId: bigint, offset: bigint): BatchInfo => ({ producerId, lastOffset: offset, isTransactional: true, isControl: true });

describe('AbortedTransactionFilter', () => {
  it('drops the batches of an aborted transaction up to its abort marker, and the marker itself', () => {
    const f = new AbortedTransactionFilter([{ producerId: 1n, firstOffset: 0n }]);
    expect(f.skip(data(1n, 4n), false)).toBe(true);
    expect(f.skip(data(1n, 9n), false)).toBe(true);
    expect(f.skip(marker(1n, 10n), true)).toBe(true);
    // The producer's next transaction (not listed as aborted) is delivered.
    expect(f.skip(data(1n, 15n), false)).toBe(false);
  });

  it('keeps committed transactions, other producers and non-transactional batches', () => {
    const f = new AbortedTransactionFilter([{ producerId: 1n, firstOffset: 5n }]);
    expect(f.skip(data(1n, 3n), false)).toBe(false); // before the aborted transaction started
    expect(f.skip(data(2n, 6n), false)).toBe(false); // another producer, interleaved
    expect(f.skip(data(1n, 7n), false)).toBe(true);
    expect(f.skip(data(-1n, 8n, false), false)).toBe(false); // not transactional at all
    expect(f.skip(marker(2n, 9n), false)).toBe(true); // a COMMIT marker is skipped but ends nothing
    expect(f.skip(data(1n, 10n), false)).toBe(true);
  });

  it('activates an aborted transaction only once its first offset is reached', () => {
    const f = new AbortedTransactionFilter([
      { producerId: 1n, firstOffset: 20n },
      { producerId: 1n, firstOffset: 0n },
    ]);
    expect(f.skip(data(1n, 2n), false)).toBe(true);
    expect(f.skip(marker(1n, 3n), true)).toBe(true);
    expect(f.skip(data(1n, 10n), false)).toBe(false); // a committed transaction in between
    expect(f.skip(marker(1n, 11n), false)).toBe(true);
    expect(f.skip(data(1n, 21n), false)).toBe(true); // the second aborted one
  });

  it('with no aborted transactions, skips only control batches', () => {
    const f = new AbortedTransactionFilter(null);
    expect(f.skip(data(1n, 1n), false)).toBe(false);
    expect(f.skip(marker(1n, 2n), true)).toBe(true);
  });
});
