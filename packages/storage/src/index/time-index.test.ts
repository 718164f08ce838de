import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileIO } from '../io/file-io.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { CorruptIndexError } from './index-file.js';
import { NO_TIMESTAMP, TimeIndex } from './time-index.js';

const dirs = tempDirs('time-index');
afterAll(() => dirs.cleanup());

function empty(base: number, maxIndexSize = 1200): TimeIndex {
  return TimeIndex.empty(nodeFileIO, join(dirs.make(), 'x.timeindex'), base, maxIndexSize);
}

describe('TimeIndex', () => {
  it('appends only increasing timestamps', () => {
    const idx = empty(0);
    idx.maybeAppend(100, 5);
    idx.maybeAppend(100, 7);
    idx.maybeAppend(90, 9);
    idx.maybeAppend(150, 12);
    expect(idx.entries).toBe(2);
    expect(idx.lastEntry()).toEqual({ timestamp: 150, offset: 12 });
  });

  it('looks up the entry with the largest timestamp at or below the target', () => {
    const idx = empty(1000);
    idx.maybeAppend(100, 1005);
    idx.maybeAppend(200, 1010);
    idx.maybeAppend(300, 1020);
    expect(idx.lookup(50)).toEqual({ timestamp: NO_TIMESTAMP, offset: 1000 });
    expect(idx.lookup(200)).toEqual({ timestamp: 200, offset: 1010 });
    expect(idx.lookup(299)).toEqual({ timestamp: 200, offset: 1010 });
    expect(idx.lookup(1e12)).toEqual({ timestamp: 300, offset: 1020 });
  });

  it('stores 12-byte entries: 8-byte timestamp then 4-byte relative offset', async () => {
    const idx = empty(500);
    idx.maybeAppend(1_700_000_000_123, 510);
    await idx.flush();
    await idx.closeFile();
    const bytes = readFileSync(idx.path);
    expect(bytes.length).toBe(12);
    expect(bytes.readBigInt64BE(0)).toBe(1_700_000_000_123n);
    expect(bytes.readInt32BE(8)).toBe(10);
  });

  it('honours the full check except for the forced final entry', () => {
    const idx = empty(0, 24);
    idx.maybeAppend(1, 1);
    idx.maybeAppend(2, 2);
    expect(idx.isFull()).toBe(true);
    idx.maybeAppend(3, 3);
    expect(idx.entries).toBe(2);
    idx.maybeAppend(3, 3, true);
    expect(idx.entries).toBe(3);
  });

  it('truncates entries at or after an offset', () => {
    const idx = empty(0);
    idx.maybeAppend(10, 1);
    idx.maybeAppend(20, 5);
    idx.maybeAppend(30, 9);
    idx.truncateTo(5);
    expect(idx.entries).toBe(1);
    expect(idx.lastEntry()).toEqual({ timestamp: 10, offset: 1 });
  });

  it('rejects torn or out-of-order files on load', async () => {
    const idx = empty(0);
    idx.maybeAppend(10, 1);
    idx.maybeAppend(20, 5);
    await idx.flush();
    await idx.closeFile();
    expect((await TimeIndex.load(nodeFileIO, idx.path, 0, 1200)).entries).toBe(2);
    writeFileSync(idx.path, Buffer.alloc(13));
    await expect(TimeIndex.load(nodeFileIO, idx.path, 0, 1200)).rejects.toThrow(CorruptIndexError);
    const bad = Buffer.alloc(24);
    bad.writeBigInt64BE(50n, 0);
    bad.writeBigInt64BE(40n, 12);
    writeFileSync(idx.path, bad);
    await expect(TimeIndex.load(nodeFileIO, idx.path, 0, 1200)).rejects.toThrow(CorruptIndexError);
  });
});
