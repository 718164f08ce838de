import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileIO } from '../io/file-io.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { CorruptIndexError } from './index-file.js';
import { OffsetIndex } from './offset-index.js';

const dirs = tempDirs('offset-index');
afterAll(() => dirs.cleanup());

function build(base: number, entries: Array<[number, number]>, maxIndexSize = 1024): OffsetIndex {
  const path = join(dirs.make(), 'x.index');
  const idx = OffsetIndex.empty(nodeFileIO, path, base, maxIndexSize);
  for (const [o, p] of entries) idx.append(o, p);
  return idx;
}

describe('OffsetIndex', () => {
  it('finds the largest entry at or below the target, or the segment start', () => {
    const idx = build(100, [
      [105, 400],
      [110, 900],
      [120, 2000],
    ]);
    expect(idx.lookup(99)).toMatchObject({ offset: 100, position: 0, slot: -1 });
    expect(idx.lookup(104)).toMatchObject({ offset: 100, position: 0 });
    expect(idx.lookup(105)).toMatchObject({ offset: 105, position: 400 });
    expect(idx.lookup(119)).toMatchObject({ offset: 110, position: 900 });
    expect(idx.lookup(10_000)).toMatchObject({ offset: 120, position: 2000, slot: 2 });
    expect(idx.lastOffset).toBe(120);
  });

  it('refuses an entry that does not increase the offset', () => {
    const idx = build(0, [[5, 10]]);
    expect(() => idx.append(5, 20)).toThrow(CorruptIndexError);
  });

  it('writes Kafka-format 8-byte big-endian entries (relative offset, position) on flush', async () => {
    const idx = build(1000, [
      [1003, 77],
      [1010, 4096],
    ]);
    await idx.flush();
    await idx.closeFile();
    const bytes = readFileSync(idx.path);
    expect(bytes.length).toBe(16);
    expect([bytes.readInt32BE(0), bytes.readInt32BE(4), bytes.readInt32BE(8), bytes.readInt32BE(12)]).toEqual([3, 77, 10, 4096]);
  });

  it('truncation by offset and by position drops the right entries, and the file follows on flush', async () => {
    const idx = build(0, [
      [10, 100],
      [20, 200],
      [30, 300],
    ]);
    await idx.flush();
    idx.truncateTo(20);
    expect(idx.entries).toBe(1);
    expect(idx.lookup(25)).toMatchObject({ offset: 10, position: 100 });
    await idx.flush();
    expect(readFileSync(idx.path).length).toBe(8);
    idx.append(15, 150);
    idx.truncateToPosition(150);
    expect(idx.entries).toBe(1);
    await idx.closeFile();
  });

  it('is full at segment.index.bytes / 8 entries', () => {
    const idx = build(0, [], 24);
    expect(idx.maxEntries).toBe(3);
    idx.append(1, 1);
    idx.append(2, 2);
    expect(idx.isFull()).toBe(false);
    idx.append(3, 3);
    expect(idx.isFull()).toBe(true);
  });

  it('loads a flushed file and rejects files that cannot be valid indexes', async () => {
    const idx = build(50, [
      [55, 10],
      [60, 20],
    ]);
    await idx.flush();
    await idx.closeFile();
    const loaded = await OffsetIndex.load(nodeFileIO, idx.path, 50, 1024, 1000);
    expect(loaded.entries).toBe(2);
    expect(loaded.lookup(59)).toMatchObject({ offset: 55, position: 10 });

    // Position beyond the log size.
    await expect(OffsetIndex.load(nodeFileIO, idx.path, 50, 1024, 15)).rejects.toThrow(CorruptIndexError);
    // Length not a multiple of 8.
    writeFileSync(idx.path, Buffer.alloc(12));
    await expect(OffsetIndex.load(nodeFileIO, idx.path, 50, 1024, 1000)).rejects.toThrow(CorruptIndexError);
    // Offsets going backwards.
    const garbled = Buffer.alloc(16);
    garbled.writeInt32BE(9, 0);
    garbled.writeInt32BE(10, 4);
    garbled.writeInt32BE(4, 8);
    garbled.writeInt32BE(20, 12);
    writeFileSync(idx.path, garbled);
    await expect(OffsetIndex.load(nodeFileIO, idx.path, 50, 1024, 1000)).rejects.toThrow(/out of order/);
  });
});
