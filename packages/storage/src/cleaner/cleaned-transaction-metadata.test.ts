import type { TxnMarker } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { AbortedTxn } from '../index/transaction-index.js';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';

const ABORT: TxnMarker = { commit: false, version: 0, coordinatorEpoch: 0 };
const COMMIT: TxnMarker = { commit: true, version: 0, coordinatorEpoch: 0 };
const p7: AbortedTxn = { producerId: 7, firstOffset: 10, lastOffset: 20, lastStableOffset: 12 };
const p8: AbortedTxn = { producerId: 8, firstOffset: 12, lastOffset: 25, lastStableOffset: 26 };

describe('CleanedTransactionMetadata', () => {
  it('discards the data of aborted transactions added segment by segment, and hands over the entries of the ABORT markers it keeps', () => {
    const txn = new CleanedTransactionMetadata();
    // Segment [10, 15): both transactions overlap it.
    txn.addAbortedTransactions([p7, p8]);
    expect(txn.onBatchRead(7, true, 10)).toBe(true);
    expect(txn.onBatchRead(9, true, 11)).toBe(false); // producer 9's transaction is not aborted
    expect(txn.onBatchRead(7, false, 13)).toBe(false); // not transactional
    // Segment [15, 30): the index lists both again (their markers are here); the copies are ignored.
    txn.addAbortedTransactions([p7, p8]);
    expect(txn.onControlBatchRead(9, 16, COMMIT)).toBe(false); // its data was read: keep
    expect(txn.onControlBatchRead(7, 20, ABORT)).toBe(false); // its data was read: keep, with the entry
    expect(txn.onControlBatchRead(8, 25, ABORT)).toBe(true); // none of its data was read: removable, no entry
    expect(txn.takeRetainedAbortedTxns()).toEqual([p7]);
    expect(txn.takeRetainedAbortedTxns()).toEqual([]);
    // A later transaction of producer 7 is not confused with the finished one.
    expect(txn.onBatchRead(7, true, 31)).toBe(false);
  });

  it('keeps an ABORT whose producer left transactional batches the index does not list, without inventing an entry', () => {
    const txn = new CleanedTransactionMetadata();
    expect(txn.onBatchRead(5, true, 3)).toBe(false);
    expect(txn.onControlBatchRead(5, 4, ABORT)).toBe(false);
    expect(txn.takeRetainedAbortedTxns()).toEqual([]);
    expect(txn.onControlBatchRead(5, 6, undefined)).toBe(true); // an emptied marker batch
  });
});
