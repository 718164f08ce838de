import { statSync } from 'node:fs';
import { BatchLayout, RecordBatchView, TimestampType, crc32c } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError, type StorageErrorCode } from '../errors.js';
import { encodeTestBatch, makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, Log, MAX_TIMESTAMP } from './log.js';

const dirs = tempDirs('log');
afterAll(() => dirs.cleanup());

const rejectsWith = (code: StorageErrorCode) => (e: unknown) => isStorageError(e, code);

describe('Log append', () => {
  it('assigns offsets by patching base offsets and stores the bytes unchanged otherwise', async () => {
    const { log } = await openTestLog(dirs.make());
    const a = makeBatch(3, { baseOffset: 0 });
    const b = makeBatch(5, { baseOffset: 0, tag: 1 });
    const ra = await log.append(a);
    const rb = await log.append(b);
    expect([ra.firstOffset, ra.lastOffset, rb.firstOffset, rb.lastOffset]).toEqual([0, 2, 3, 7]);
    expect(rb.logAppendTime).toBe(-1);
    const stored = await readAll(log);
    expect(stored).toEqual([a, b]);
    expect(new RecordBatchView(stored[1]!).baseOffsetNum).toBe(3);
    expect(new RecordBatchView(stored[1]!).isCrcValid()).toBe(true);
    expect(log.logEndOffset).toBe(8);
    await log.close();
  });

  it('appends the batches of one records field as one unit', async () => {
    const { log } = await openTestLog(dirs.make());
    const records = Buffer.concat([makeBatch(2), makeBatch(4, { tag: 2 }), makeBatch(1, { tag: 3 })]);
    const r = await log.append(records);
    expect(r).toMatchObject({ firstOffset: 0, lastOffset: 6, batchCount: 3, recordCount: 7, sizeInBytes: records.length });
    const read = await log.read(0, 1 << 20);
    expect(read.records.equals(records)).toBe(true);
    expect(read.batchCount).toBe(3);
    await log.close();
  });

  it('refuses bad batches with Kafka error codes and appends nothing', async () => {
    const { log } = await openTestLog(dirs.make(), { 'max.message.bytes': '200' });
    await expect(log.append(makeBatch(1, { valueSize: 300 }))).rejects.toSatisfy(rejectsWith('MESSAGE_TOO_LARGE'));

    const corrupt = makeBatch(2);
    corrupt[corrupt.length - 1] ^= 1;
    await expect(log.append(corrupt)).rejects.toSatisfy(rejectsWith('CORRUPT_MESSAGE'));
    await expect(log.append(makeBatch(2).subarray(0, 70))).rejects.toSatisfy(rejectsWith('CORRUPT_MESSAGE'));

    const legacy = makeBatch(1);
    legacy[BatchLayout.MAGIC] = 1;
    await expect(log.append(legacy)).rejects.toSatisfy(rejectsWith('UNSUPPORTED_FOR_MESSAGE_FORMAT'));

    const control = encodeTestBatch([{ value: null }], { control: true, producerId: 1, producerEpoch: 0 });
    await expect(log.append(control)).rejects.toSatisfy(rejectsWith('INVALID_RECORD'));
    const badCount = encodeTestBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }], { lastOffsetDelta: 5 });
    await expect(log.append(badCount)).rejects.toSatisfy(rejectsWith('INVALID_RECORD'));

    // A valid batch after a corrupt one in the same append: the whole append is refused.
    await expect(log.append(Buffer.concat([makeBatch(1), corrupt]))).rejects.toSatisfy(rejectsWith('CORRUPT_MESSAGE'));
    expect(log.logEndOffset).toBe(0);
    expect(log.size).toBe(0);
    await log.close();
  });

  it('checks the CRC of a large append while writing it, and undoes the write when it fails', async () => {
    const { log } = await openTestLog(dirs.make(), { 'max.message.bytes': String(2 << 20) });
    const good = makeBatch(300, { valueSize: 1000 }); // ~300 KiB: the overlapped path
    await log.append(good);
    const bad = makeBatch(300, { valueSize: 1000, tag: 7 });
    bad[bad.length - 10] ^= 0x20;
    const sizeBefore = log.activeSegment.size;
    await expect(log.append(bad)).rejects.toSatisfy(rejectsWith('CORRUPT_MESSAGE'));
    expect(log.isOffline).toBe(false);
    expect(log.activeSegment.size).toBe(sizeBefore);
    expect(statSync(log.activeSegment.logPath).size).toBe(sizeBefore);
    expect((await log.append(makeBatch(300, { valueSize: 1000, tag: 8 }))).firstOffset).toBe(300);
    expect(await readAll(log, 4 << 20)).toHaveLength(2);
    await log.close();
  });

  it('stamps LogAppendTime into the batch and keeps its CRC valid', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'message.timestamp.type': 'LogAppendTime' });
    clock.set(1_700_000_000_000);
    const r = await log.append(makeBatch(3, { baseTimestamp: 5 }));
    expect(r.logAppendTime).toBe(1_700_000_000_000);
    const stored = new RecordBatchView((await log.read(0, 1000)).records);
    expect(stored.timestampType).toBe(TimestampType.LogAppendTime);
    expect(stored.maxTimestampNum).toBe(1_700_000_000_000);
    expect(stored.crc).toBe(crc32c(stored.bytes().subarray(BatchLayout.ATTRIBUTES)));
    // Every record of a LogAppendTime batch has the append time.
    expect(await log.fetchOffsetByTimestamp(1_700_000_000_000)).toMatchObject({ offset: 0, timestamp: 1_700_000_000_000 });
    await log.close();
  });

  it('flushes per message with flush.messages=1 (recovery point follows the log end)', async () => {
    const { log } = await openTestLog(dirs.make(), { 'flush.messages': '1' });
    await log.append(makeBatch(2));
    expect(log.recoveryPoint).toBe(2);
    await log.append(makeBatch(3));
    expect(log.recoveryPoint).toBe(5);
    await log.close();
  });
});

describe('Log read', () => {
  it('enforces [logStartOffset, logEndOffset] and returns nothing at the end', async () => {
    const { log } = await openTestLog(dirs.make());
    await log.append(makeBatch(5));
    await expect(log.read(6, 100)).rejects.toSatisfy(rejectsWith('OFFSET_OUT_OF_RANGE'));
    await expect(log.read(-1, 100)).rejects.toSatisfy(rejectsWith('OFFSET_OUT_OF_RANGE'));
    const end = await log.read(5, 100);
    expect(end).toMatchObject({ batchCount: 0, firstOffset: -1, nextOffset: 5, logEndOffset: 5 });
    expect(end.records.length).toBe(0);
    await log.close();
  });

  it('starts at the batch holding the offset, returns whole batches, at least one', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '1000', 'index.interval.bytes': '100' });
    const sent: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const b = makeBatch(4, { tag: i, valueSize: 15 });
      await log.append(b);
      sent.push(b);
    }
    expect(log.segments().length).toBeGreaterThan(3);
    for (const offset of [0, 1, 37, 78, 159]) {
      const r = await log.read(offset, 1);
      expect(r.batchCount).toBe(1);
      expect(r.firstOffset).toBe(offset - (offset % 4));
      expect(r.records.equals(sent[Math.floor(offset / 4)]!)).toBe(true);
    }
    // Reads never cross a segment boundary but continue from where they stopped.
    expect(await readAll(log, 350)).toEqual(sent);
    // Upper bound (high watermark / LSO) is honoured.
    const bounded = await log.read(0, 1 << 20, { upperBoundOffset: 10 });
    expect(bounded.lastOffset).toBe(7);
    await log.close();
  });

  it('looks up offsets by timestamp across segments, plus earliest, latest and max', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '600', 'index.interval.bytes': '64' });
    for (let i = 0; i < 30; i++) await log.append(makeBatch(2, { baseTimestamp: 1000 + i * 10, tag: i }));
    // A late, out-of-order batch holding the max timestamp.
    await log.append(
      encodeTestBatch([
        { value: Buffer.from('a'), timestamp: 1500 },
        { value: Buffer.from('b'), timestamp: 9999 },
      ]),
    );
    for (let i = 0; i < 3; i++) await log.append(makeBatch(2, { baseTimestamp: 2000 + i, tag: 50 + i }));
    expect(log.segments().length).toBeGreaterThan(3);
    expect(await log.fetchOffsetByTimestamp(1000 + 17 * 10 + 1)).toMatchObject({ offset: 35, timestamp: 1171 });
    expect(await log.fetchOffsetByTimestamp(1000 + 17 * 10 + 2)).toMatchObject({ offset: 36, timestamp: 1180 });
    expect(await log.fetchOffsetByTimestamp(EARLIEST_TIMESTAMP)).toMatchObject({ offset: 0 });
    expect(await log.fetchOffsetByTimestamp(LATEST_TIMESTAMP)).toMatchObject({ offset: 68 });
    expect(await log.fetchOffsetByTimestamp(MAX_TIMESTAMP)).toMatchObject({ offset: 61, timestamp: 9999 });
    expect(await log.fetchOffsetByTimestamp(10_000)).toBeUndefined();
    await log.close();
  });
});

describe('Log close and reopen', () => {
  it('a clean reopen sees the same log; an unclean one recovers to the same state', async () => {
    const parent = dirs.make();
    const { log, clock, dir } = await openTestLog(parent, { 'segment.bytes': '800' });
    for (let i = 0; i < 25; i++) await log.append(makeBatch(3, { tag: i }));
    const before = await readAll(log);
    await log.close();
    const clean = await Log.open({ dir, config: log.config, clock, hadCleanShutdown: true, recoveryPoint: log.recoveryPoint });
    expect(clean.loadReport!.recovered).toEqual([]);
    expect(clean.logEndOffset).toBe(75);
    expect(await readAll(clean)).toEqual(before);
    await clean.append(makeBatch(1));
    await clean.close({ flush: false });
    const unclean = await Log.open({ dir, config: log.config, clock });
    expect(unclean.loadReport!.recovered.length).toBe(unclean.segments().length);
    expect(unclean.logEndOffset).toBe(76);
    expect((await readAll(unclean)).slice(0, 25)).toEqual(before);
    await unclean.close();
  });
});
