import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../config/log-config.js';
import { isStorageError } from '../errors.js';
import { makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';

const dirs = tempDirs('log-roll');
afterAll(() => dirs.cleanup());

const DAY = 24 * 3600 * 1000;

describe('segment roll', () => {
  it('rolls when the next append would pass segment.bytes, naming files by base offset', async () => {
    const { log, dir } = await openTestLog(dirs.make(), { 'segment.bytes': '500' });
    const size = makeBatch(2, { valueSize: 30 }).length;
    for (let i = 0; i < 10; i++) await log.append(makeBatch(2, { valueSize: 30, tag: i }));
    const perSegment = Math.floor(500 / size);
    expect(log.segments().map((s) => s.baseOffset)).toEqual(
      Array.from({ length: Math.ceil(10 / perSegment) }, (_, i) => i * perSegment * 2),
    );
    for (const s of log.segments()) expect(s.size).toBeLessThanOrEqual(500);
    await log.settle();
    const names = readdirSync(dir).filter((n) => n.endsWith('.log'));
    expect(names).toContain(`${String(perSegment * 2).padStart(20, '0')}.log`);
    // Each roll snapshots producer state at the new base offset.
    expect(readdirSync(dir).filter((n) => n.endsWith('.snapshot')).length).toBe(log.segments().length - 1);
    // The rolled segments were flushed in the background: the recovery point reached the active segment.
    expect(log.recoveryPoint).toBe(log.activeSegment.baseOffset);
    await log.close();
  });

  it('rolls by segment.ms measured on record timestamps', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.ms': '1000' });
    await log.append(makeBatch(1, { baseTimestamp: 10_000 }));
    await log.append(makeBatch(1, { baseTimestamp: 10_900 }));
    expect(log.segments().length).toBe(1);
    await log.append(makeBatch(1, { baseTimestamp: 11_001 }));
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 2]);
    await log.close();
  });

  it('rolls when the offset index is full (segment.index.bytes)', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.index.bytes': '24', 'index.interval.bytes': '1' });
    for (let i = 0; i < 12; i++) await log.append(makeBatch(1, { tag: i }));
    // 3 entries fit; the first batch of a segment adds none, so each segment holds 4 batches.
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 4, 8]);
    await log.close();
  });

  it('roll() on an empty active segment is a no-op; updateConfig applies to later appends', async () => {
    const { log } = await openTestLog(dirs.make());
    const first = await log.roll();
    expect(log.segments()).toEqual([first]);
    await log.append(makeBatch(3));
    await log.roll();
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 3]);
    log.updateConfig(parseLogConfig({ 'segment.bytes': '150' }, log.config));
    await log.append(makeBatch(1, { valueSize: 60 }));
    await log.append(makeBatch(1, { valueSize: 60 }));
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 3, 4]);
    await log.close();
  });
});

describe('retention', () => {
  it('deletes whole segments older than retention.ms by their largest timestamp, never the data past it', async () => {
    const { log, clock, dir } = await openTestLog(dirs.make(), { 'segment.bytes': '400', 'retention.ms': String(DAY) });
    clock.set(90 * DAY);
    for (let i = 0; i < 12; i++) await log.append(makeBatch(2, { baseTimestamp: 90 * DAY + i * 3600_000, tag: i, valueSize: 40 }));
    const segs = log.segments();
    expect(segs.length).toBeGreaterThan(3);
    expect(await log.deleteOldSegments()).toBe(0);
    // Move time so that only the first two segments' newest records are older than a day.
    const secondMax = (await segs[1]!.maxTimestampAndOffset()).timestamp;
    const thirdMax = (await segs[2]!.maxTimestampAndOffset()).timestamp;
    clock.set(secondMax + DAY + 1);
    expect(thirdMax).toBeGreaterThan(secondMax);
    expect(await log.deleteOldSegments()).toBe(2);
    expect(log.logStartOffset).toBe(segs[2]!.baseOffset);
    await expect(log.read(0, 100)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    await log.settle();
    // The deleted segments' files are gone (file.delete.delay.ms=0: removed in the background).
    expect(existsSync(segs[0]!.logPath)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('00000000000000000000'))).toEqual([]);
    // Everything expired: the active segment goes too, replaced by an empty one at the log end.
    clock.set(200 * DAY);
    await log.deleteOldSegments();
    expect(log.segments().length).toBe(1);
    expect(log.activeSegment.size).toBe(0);
    expect(log.logStartOffset).toBe(24);
    expect(log.logEndOffset).toBe(24);
    await log.close();
  });

  it('an empty active segment is never deleted, and retention.ms=-1 keeps everything', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'retention.ms': '-1' });
    await log.append(makeBatch(2, { baseTimestamp: 1 }));
    clock.set(1e12);
    expect(await log.deleteOldSegments()).toBe(0);
    log.updateConfig(parseLogConfig({ 'retention.ms': '1' }, log.config));
    expect(await log.deleteOldSegments()).toBe(1);
    expect(await log.deleteOldSegments()).toBe(0);
    await log.close();
  });

  it('deletes oldest segments while the log stays at or above retention.bytes', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '300' });
    for (let i = 0; i < 10; i++) await log.append(makeBatch(2, { valueSize: 50, tag: i }));
    const sizes = log.segments().map((s) => s.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const limit = total - sizes[0]! - sizes[1]! - 1;
    log.updateConfig(parseLogConfig({ 'retention.bytes': String(limit) }, log.config));
    expect(await log.deleteOldSegments()).toBe(2);
    expect(log.size).toBe(total - sizes[0]! - sizes[1]!);
    await log.close();
  });

  it('does not delete segments above the high watermark of a replicated log', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'segment.bytes': '300', 'retention.ms': '1000' }, { externalHighWatermark: true });
    for (let i = 0; i < 6; i++) await log.append(makeBatch(2, { valueSize: 50, tag: i, baseTimestamp: 1 }));
    clock.set(1e9);
    expect(log.highWatermark).toBe(0);
    expect(await log.deleteOldSegments()).toBe(0);
    log.updateHighWatermark(log.segments()[2]!.baseOffset);
    expect(await log.deleteOldSegments()).toBe(2);
    await log.close();
  });

  it('with cleanup.policy=compact only the log start offset deletes segments', async () => {
    const { log, clock } = await openTestLog(dirs.make(), { 'segment.bytes': '300', 'retention.ms': '1', 'cleanup.policy': 'compact' });
    for (let i = 0; i < 6; i++) await log.append(makeBatch(2, { valueSize: 50, tag: i, baseTimestamp: 1 }));
    clock.set(1e9);
    expect(await log.deleteOldSegments()).toBe(0);
    await log.close();
  });
});

describe('deleteRecordsBefore', () => {
  it('moves the log start offset, deletes wholly covered segments and refuses offsets past the high watermark', async () => {
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '300' });
    for (let i = 0; i < 10; i++) await log.append(makeBatch(2, { valueSize: 50, tag: i }));
    const segs = log.segments();
    const target = segs[2]!.baseOffset + 1;
    expect(await log.deleteRecordsBefore(target)).toBe(target);
    expect(log.logStartOffset).toBe(target);
    expect(log.segments()[0]).toBe(segs[2]);
    await expect(log.read(target - 1, 100)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    // Reading at the new start returns the batch holding it.
    expect((await log.read(target, 100)).firstOffset).toBe(target - 1);
    await expect(log.deleteRecordsBefore(log.logEndOffset + 1)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    // Moving it backwards changes nothing.
    expect(await log.deleteRecordsBefore(0)).toBe(target);
    expect((await readAll(log)).length).toBeGreaterThan(0);
    await log.close();
  });
});
