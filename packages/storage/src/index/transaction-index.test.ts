import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { nodeFileIO } from '../io/file-io.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { CorruptIndexError } from './index-file.js';
import { ABORTED_TXN_SIZE, decodeAbortedTxns, encodeAbortedTxn, TransactionIndex, type AbortedTxn } from './transaction-index.js';

const dirs = tempDirs('txn-index');
afterAll(() => dirs.cleanup());

const BASE = 100;
const pathIn = (dir: string) => join(dir, '00000000000000000100.txnindex');
const txn = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset = lastOffset + 1): AbortedTxn => ({
  producerId,
  firstOffset,
  lastOffset,
  lastStableOffset,
});

describe('AbortedTxn entries', () => {
  it("use Kafka's 34-byte layout: version int16 0, then producerId, firstOffset, lastOffset, lastStableOffset as int64", () => {
    const bytes = encodeAbortedTxn(txn(0x1_0000_0002, 5, 2 ** 40 + 7, 2 ** 40 + 8));
    expect(bytes.length).toBe(ABORTED_TXN_SIZE);
    expect(bytes.readInt16BE(0)).toBe(0);
    expect(bytes.readBigInt64BE(2)).toBe(0x1_0000_0002n);
    expect(bytes.readBigInt64BE(10)).toBe(5n);
    expect(bytes.readBigInt64BE(18)).toBe(2n ** 40n + 7n);
    expect(bytes.readBigInt64BE(26)).toBe(2n ** 40n + 8n);
    expect(decodeAbortedTxns(bytes, 'x', 0)).toEqual([txn(0x1_0000_0002, 5, 2 ** 40 + 7, 2 ** 40 + 8)]);
  });

  it('refuses a torn tail, an unknown version, a marker below the segment base, out-of-order entries and unsafe numbers', () => {
    const two = Buffer.concat([encodeAbortedTxn(txn(1, 100, 110)), encodeAbortedTxn(txn(2, 105, 120))]);
    expect(decodeAbortedTxns(two, 'x', BASE)).toHaveLength(2);
    expect(() => decodeAbortedTxns(two.subarray(0, 50), 'x', BASE)).toThrow(CorruptIndexError);
    const badVersion = Buffer.from(two);
    badVersion.writeInt16BE(1, ABORTED_TXN_SIZE);
    expect(() => decodeAbortedTxns(badVersion, 'x', BASE)).toThrow(/version 1/);
    expect(() => decodeAbortedTxns(encodeAbortedTxn(txn(1, 90, 99)), 'x', BASE)).toThrow(/below the segment base/);
    const reversed = Buffer.concat([encodeAbortedTxn(txn(2, 105, 120)), encodeAbortedTxn(txn(1, 100, 110))]);
    expect(() => decodeAbortedTxns(reversed, 'x', BASE)).toThrow(/not after 120/);
    const huge = encodeAbortedTxn(txn(1, 100, 110));
    huge.writeBigInt64BE(2n ** 62n, 10);
    expect(() => decodeAbortedTxns(huge, 'x', BASE)).toThrow(/safe integers/);
  });
});

describe('TransactionIndex', () => {
  it('creates its file with the first entry only, appends in marker order and loads back what it wrote', async () => {
    const path = pathIn(dirs.make());
    const idx = TransactionIndex.empty(nodeFileIO, path, BASE);
    await idx.flush();
    expect(existsSync(path)).toBe(false);
    await idx.append(txn(7, 100, 104, 101));
    await idx.append(txn(8, 101, 106));
    await idx.flush();
    expect(statSync(path).size).toBe(2 * ABORTED_TXN_SIZE);
    await expect(idx.append(txn(9, 102, 106))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'UNKNOWN_SERVER_ERROR'));
    expect(idx.entries).toBe(2);
    await idx.close();

    const loaded = await TransactionIndex.load(nodeFileIO, path, BASE);
    expect(loaded.allAbortedTxns()).toEqual([txn(7, 100, 104, 101), txn(8, 101, 106)]);
    await loaded.append(txn(9, 110, 111));
    await loaded.close();
    expect(decodeAbortedTxns(readFileSync(path), path, BASE).map((t) => t.producerId)).toEqual([7, 8, 9]);
  });

  it('makes an entry visible before its write completes', async () => {
    const idx = TransactionIndex.empty(nodeFileIO, pathIn(dirs.make()), BASE);
    const writing = idx.append(txn(1, 100, 101));
    expect(idx.collectAbortedTxns(0, 1000).abortedTransactions).toEqual([txn(1, 100, 101)]);
    await writing;
    await idx.close();
  });

  it('a missing file is an empty index; a corrupt one fails to load', async () => {
    const dir = dirs.make();
    const path = pathIn(dir);
    expect((await TransactionIndex.load(nodeFileIO, path, BASE)).entries).toBe(0);
    writeFileSync(path, encodeAbortedTxn(txn(1, 100, 101)));
    appendFileSync(path, Buffer.alloc(10));
    await expect(TransactionIndex.load(nodeFileIO, path, BASE)).rejects.toThrow(CorruptIndexError);
  });

  it('collects the entries overlapping a range and stops at the first whose last stable offset reaches its end', async () => {
    const idx = TransactionIndex.empty(nodeFileIO, pathIn(dirs.make()), BASE);
    // Producer 1: [100, 110] aborted while producer 2's transaction (from 105) was open, so LSO 105.
    await idx.append(txn(1, 100, 110, 105));
    await idx.append(txn(2, 105, 120, 121));
    await idx.append(txn(3, 130, 140, 141));
    expect(idx.collectAbortedTxns(0, 125)).toEqual({ abortedTransactions: [txn(1, 100, 110, 105), txn(2, 105, 120, 121)], isComplete: true });
    expect(idx.collectAbortedTxns(0, 200)).toEqual({ abortedTransactions: [txn(1, 100, 110, 105), txn(2, 105, 120, 121), txn(3, 130, 140, 141)], isComplete: false });
    expect(idx.collectAbortedTxns(111, 125)).toEqual({ abortedTransactions: [txn(2, 105, 120, 121)], isComplete: true });
    // Producer 1's entry already says nothing later can start below 105.
    expect(idx.collectAbortedTxns(0, 105)).toEqual({ abortedTransactions: [txn(1, 100, 110, 105)], isComplete: true });
    expect(idx.collectAbortedTxns(121, 125)).toEqual({ abortedTransactions: [], isComplete: true });
    await idx.close();
  });

  it('truncateTo drops entries whose marker is at or after the offset and cuts the file', async () => {
    const path = pathIn(dirs.make());
    const idx = TransactionIndex.empty(nodeFileIO, path, BASE);
    await idx.append(txn(1, 100, 102));
    await idx.append(txn(2, 101, 104));
    await idx.append(txn(3, 103, 108));
    await idx.truncateTo(105);
    expect(idx.allAbortedTxns().map((t) => t.producerId)).toEqual([1, 2]);
    await idx.flush();
    expect(statSync(path).size).toBe(2 * ABORTED_TXN_SIZE);
    await idx.truncateTo(104);
    expect(idx.lastOffset).toBe(102);
    await idx.append(txn(4, 103, 104));
    await idx.close();
    expect((await TransactionIndex.load(nodeFileIO, path, BASE)).allAbortedTxns().map((t) => t.producerId)).toEqual([1, 4]);
  });

  it('reset empties the index and removes the file; renameTo moves it after queued writes', async () => {
    const dir = dirs.make();
    const path = pathIn(dir);
    const idx = TransactionIndex.empty(nodeFileIO, path, BASE);
    await idx.append(txn(1, 100, 102));
    await idx.reset();
    expect(idx.entries).toBe(0);
    expect(existsSync(path)).toBe(false);
    const writing = idx.append(txn(2, 100, 103));
    const moved = join(dir, '00000000000000000100.txnindex.deleted');
    await idx.renameTo(moved);
    await writing;
    expect(existsSync(path)).toBe(false);
    expect(decodeAbortedTxns(readFileSync(moved), moved, BASE)).toEqual([txn(2, 100, 103)]);
    await idx.deleteFile();
    expect(existsSync(moved)).toBe(false);
  });

  it('cuts back a stale, longer file under its name before the first append', async () => {
    const path = pathIn(dirs.make());
    writeFileSync(path, Buffer.concat([encodeAbortedTxn(txn(5, 100, 150)), encodeAbortedTxn(txn(6, 100, 160))]));
    const idx = TransactionIndex.empty(nodeFileIO, path, BASE);
    await idx.append(txn(1, 100, 101));
    await idx.close();
    expect(decodeAbortedTxns(readFileSync(path), path, BASE)).toEqual([txn(1, 100, 101)]);
  });
});
