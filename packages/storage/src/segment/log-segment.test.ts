import { existsSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { RecordBatchView } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { nodeFileIO } from '../io/file-io.js';
import { encodeTestBatch, makeBatch } from '../test-support/batches.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { LogSegment } from './log-segment.js';

const dirs = tempDirs('segment');
afterAll(() => dirs.cleanup());

const INTERVAL = 200;

async function newSegment(base = 0) {
  const dir = dirs.make();
  const seg = await LogSegment.create({ io: nodeFileIO, dir, baseOffset: base, maxIndexSize: 4096, now: 0 });
  seg.indexIntervalForRebuild = INTERVAL;
  return { dir, seg };
}

/** Appends n batches of `per` records with consecutive offsets; returns each batch's bytes. */
async function fill(seg: LogSegment, n: number, per = 3, firstOffset = seg.baseOffset, tsBase = 10_000): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let next = firstOffset;
  for (let i = 0; i < n; i++) {
    const b = makeBatch(per, { baseOffset: next, tag: i, baseTimestamp: tsBase + i * 100, valueSize: 20 });
    await seg.append(b, INTERVAL);
    out.push(Buffer.from(b));
    next += per;
  }
  return out;
}

function reopen(dir: string, base = 0) {
  return LogSegment.open({ io: nodeFileIO, dir, baseOffset: base, maxIndexSize: 4096, now: 0 }).then((s) => {
    s.indexIntervalForRebuild = INTERVAL;
    return s;
  });
}

describe('LogSegment append and read', () => {
  it('returns whole batches from the one holding the offset, bounded by maxBytes but at least one', async () => {
    const { seg } = await newSegment(100);
    const batches = await fill(seg, 20);
    expect(seg.offsetIndex.entries).toBeGreaterThan(2);
    const r = (await seg.read(131, 1))!;
    expect(r.firstOffset).toBe(130);
    expect(r.batchCount).toBe(1);
    expect(r.records.equals(batches[10]!)).toBe(true);

    const two = (await seg.read(130, batches[10]!.length * 2 + 5))!;
    expect(two.batchCount).toBe(2);
    expect(two.lastOffset).toBe(135);
    expect(two.records.equals(Buffer.concat([batches[10]!, batches[11]!]))).toBe(true);

    expect(await seg.read(131, 1, Number.MAX_SAFE_INTEGER, false)).toMatchObject({ batchCount: 0 });
    // The upper bound excludes a batch reaching it.
    expect((await seg.read(130, 1 << 20, 136))!.lastOffset).toBe(135);
    expect(await seg.read(130, 1 << 20, 132)).toMatchObject({ batchCount: 0 });
    expect(await seg.read(160, 100)).toBeUndefined();
    expect(await seg.readNextOffset()).toBe(160);
    await seg.close();
  });

  it('keeps index positions in step with the file and survives close/reopen', async () => {
    const { dir, seg } = await newSegment();
    const batches = await fill(seg, 30);
    const entries = seg.offsetIndex.entries;
    const { timestamp } = await seg.maxTimestampAndOffset();
    expect(timestamp).toBe(10_000 + 29 * 100 + 2);
    await seg.close();
    expect(statSync(seg.offsetIndexPath).size).toBe(entries * 8);
    const again = await reopen(dir);
    expect(await again.maxTimestampAndOffset()).toEqual({ timestamp, offset: 89 });
    expect(again.offsetIndex.entries).toBe(entries);
    expect((await again.read(45, 10))!.records.equals(batches[15]!)).toBe(true);
    expect(await again.readNextOffset()).toBe(90);
    await again.close();
  });

  it('skips a gap between batches (compacted offsets) to the next batch', async () => {
    const { seg } = await newSegment();
    await seg.append(makeBatch(2, { baseOffset: 0 }), INTERVAL);
    await seg.append(makeBatch(2, { baseOffset: 10 }), INTERVAL);
    expect((await seg.translateOffset(5))!.baseOffset).toBe(10);
    expect((await seg.read(5, 1000))!.firstOffset).toBe(10);
    await seg.close();
  });
});

describe('LogSegment corruption handling', () => {
  it('recover() cuts a torn tail and rebuilds the indexes', async () => {
    const { dir, seg } = await newSegment();
    await fill(seg, 10);
    const fullSize = seg.size;
    const entries = seg.offsetIndex.entries;
    await seg.close();
    truncateSync(seg.logPath, fullSize - 7);
    unlinkSync(seg.offsetIndexPath);
    const again = await reopen(dir);
    const result = await again.recover(INTERVAL);
    expect(result.truncatedBytes).toBe(fullSize - 7 - (fullSize / 10) * 9);
    expect(result.reason).toMatch(/torn/);
    expect(again.size).toBe((fullSize / 10) * 9);
    expect(await again.readNextOffset()).toBe(27);
    expect(again.offsetIndex.entries).toBeLessThanOrEqual(entries);
    expect(statSync(again.offsetIndexPath).size).toBe(again.offsetIndex.entries * 8);
    await again.close();
  });

  it('recover() stops at a batch whose CRC fails and never serves it', async () => {
    const { dir, seg } = await newSegment();
    const batches = await fill(seg, 10);
    await seg.close();
    const bytes = readFileSync(seg.logPath);
    const at = batches[0]!.length * 4 + 70; // inside batch 4's records
    bytes[at] ^= 0xff;
    writeFileSync(seg.logPath, bytes);

    const reader = await reopen(dir);
    // Before recovery, a read that reaches the corrupt batch stops in front of it...
    const r = (await reader.read(9, 1 << 20))!;
    expect(r.lastOffset).toBe(11);
    // ...and a read starting at it fails with CORRUPT_MESSAGE instead of returning it.
    await expect(reader.read(12, 1 << 20)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'CORRUPT_MESSAGE'));
    const result = await reader.recover(INTERVAL);
    expect(result.reason).toMatch(/CRC/);
    expect(reader.size).toBe(batches[0]!.length * 4);
    expect(await reader.readNextOffset()).toBe(12);
    await reader.close();
  });

  it('rebuilds an index whose entries were garbled in a way the sanity check passes', async () => {
    const { dir, seg } = await newSegment();
    const batches = await fill(seg, 30);
    await seg.close();
    const idx = readFileSync(seg.offsetIndexPath);
    expect(idx.length).toBeGreaterThanOrEqual(16);
    // Shift the first entry's offset down: still increasing, but it now points at the wrong batch.
    idx.writeInt32BE(idx.readInt32BE(0) - 1, 0);
    writeFileSync(seg.offsetIndexPath, idx);
    const again = await reopen(dir);
    const target = idx.readInt32BE(0); // the garbled entry's offset
    const r = (await again.read(target, 1))!;
    expect(r.firstOffset).toBeLessThanOrEqual(target);
    expect(r.lastOffset).toBeGreaterThanOrEqual(target);
    expect(r.records.equals(batches[Math.floor(target / 3)]!)).toBe(true);
    expect(readFileSync(seg.offsetIndexPath).readInt32BE(0)).toBe(idx.readInt32BE(0) + 1);
    await again.close();
  });

  it('rebuilds missing or torn index files when they are loaded', async () => {
    const { dir, seg } = await newSegment();
    await fill(seg, 20);
    await seg.close();
    const written = readFileSync(seg.offsetIndexPath);
    expect(written.length).toBeGreaterThan(0);
    unlinkSync(seg.timeIndexPath);
    writeFileSync(seg.offsetIndexPath, Buffer.concat([written, Buffer.alloc(3)]));
    const again = await reopen(dir);
    await again.ensureIndexes();
    expect(readFileSync(again.offsetIndexPath).equals(written)).toBe(true);
    expect(existsSync(again.timeIndexPath)).toBe(true);
    expect((await again.maxTimestampAndOffset()).timestamp).toBe(10_000 + 19 * 100 + 2);
    await again.close();
  });
});

describe('LogSegment truncation and look-ups', () => {
  it('truncateTo removes the batch holding the offset and everything after it', async () => {
    const { seg } = await newSegment();
    const batches = await fill(seg, 10);
    const removed = await seg.truncateTo(16, 0);
    expect(removed).toBe(batches[0]!.length * 5);
    expect(await seg.readNextOffset()).toBe(15);
    expect((await seg.maxTimestampAndOffset()).timestamp).toBe(10_000 + 4 * 100 + 2);
    await seg.append(makeBatch(1, { baseOffset: 15, baseTimestamp: 5 }), INTERVAL);
    expect((await seg.read(15, 100))!.records.length).toBeGreaterThan(0);
    expect(await seg.readNextOffset()).toBe(16);
    expect(await seg.truncateTo(100, 0)).toBe(0);
    await seg.close();
  });

  it('finds the first record at or after a timestamp, decoding only the batch that reaches it', async () => {
    const { seg } = await newSegment();
    await fill(seg, 10); // batch i: offsets 3i..3i+2, timestamps 10000+100i .. +2
    expect(await seg.findOffsetByTimestamp(10_401, 0)).toMatchObject({ offset: 13, timestamp: 10_401 });
    expect(await seg.findOffsetByTimestamp(10_403, 0)).toMatchObject({ offset: 15, timestamp: 10_500 });
    expect(await seg.findOffsetByTimestamp(0, 7)).toMatchObject({ offset: 7 });
    expect(await seg.findOffsetByTimestamp(99_999, 0)).toBeUndefined();
    await seg.close();
  });

  it('finds the record carrying the max timestamp, not just its batch', async () => {
    const { seg } = await newSegment();
    await seg.append(makeBatch(3, { baseOffset: 0, baseTimestamp: 100 }), INTERVAL);
    const b = encodeTestBatch(
      [
        { value: Buffer.from('a'), timestamp: 500 },
        { value: Buffer.from('b'), timestamp: 900 },
        { value: Buffer.from('c'), timestamp: 600 },
      ],
      { baseOffset: 3 },
    );
    await seg.append(b, INTERVAL);
    await seg.append(makeBatch(2, { baseOffset: 6, baseTimestamp: 200 }), INTERVAL);
    expect(await seg.findMaxTimestampRecord()).toMatchObject({ timestamp: 900, offset: 4 });
    await seg.close();
  });

  it('iterates whole CRC-checked batches for the cleaner and renames its files by suffix', async () => {
    const { seg } = await newSegment();
    const batches = await fill(seg, 5);
    const seen: Buffer[] = [];
    for await (const v of seg.batches()) seen.push(Buffer.from(v.bytes()));
    expect(seen).toEqual(batches);
    const headers = [];
    for await (const h of seg.headers()) headers.push(h.lastOffset);
    expect(headers).toEqual([2, 5, 8, 11, 14]);
    await seg.changeFileSuffix('.swap');
    expect(seg.logPath.endsWith('.log.swap')).toBe(true);
    expect(existsSync(seg.logPath) && existsSync(seg.offsetIndexPath) && existsSync(seg.timeIndexPath)).toBe(true);
    expect(new RecordBatchView((await seg.read(0, 10))!.records).baseOffsetNum).toBe(0);
    await seg.deleteFiles();
    expect(existsSync(seg.logPath)).toBe(false);
  });
});
