import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { parseLogConfig } from '../config/log-config.js';
import { isStorageError } from '../errors.js';
import { FaultInjectingFileIO } from '../io/fault-injecting-io.js';
import type { Log } from '../log/log.js';
import { makeBatch } from '../test-support/batches.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { CLEAN_SHUTDOWN_FILE } from '../util/file-names.js';
import { LogManager, type LogManagerOptions } from './log-manager.js';

const dirs = tempDirs('log-manager');
afterAll(() => dirs.cleanup());

const config = parseLogConfig({ 'segment.bytes': '400', 'file.delete.delay.ms': '1000' });

function open(logDirs: string[], extra: Partial<LogManagerOptions> = {}, clock = new ManualClock(1_000_000)) {
  return LogManager.open({ logDirs, defaultConfig: config, clock, ...extra });
}

describe('LogManager', () => {
  it('spreads new logs over log.dirs and reopens each in its dir', async () => {
    const a = dirs.make();
    const b = dirs.make();
    const m = await open([a, b]);
    for (let p = 0; p < 4; p++) await (await m.getOrCreateLog('orders', p)).append(makeBatch(2, { tag: p }));
    expect(readdirSync(a).filter((n) => n.startsWith('orders-')).length).toBe(2);
    expect(readdirSync(b).filter((n) => n.startsWith('orders-')).length).toBe(2);
    // Concurrent creation of one partition yields one log.
    const [x, y] = await Promise.all([m.getOrCreateLog('dup', 0), m.getOrCreateLog('dup', 0)]);
    expect(x).toBe(y);
    await m.close();
    const again = await open([a, b]);
    expect(
      again
        .allLogs()
        .map((l) => `${l.topicPartition.topic}-${l.topicPartition.partition}`)
        .sort(),
    ).toEqual(['dup-0', 'orders-0', 'orders-1', 'orders-2', 'orders-3']);
    expect(again.getLog('orders', 3)!.logEndOffset).toBe(2);
    await again.close();
  });

  it('a clean close leaves checkpoints and the clean-shutdown marker; the next open skips recovery', async () => {
    const d = dirs.make();
    const m = await open([d]);
    const log = await m.getOrCreateLog('t', 0);
    for (let i = 0; i < 10; i++) await log.append(makeBatch(3, { tag: i, valueSize: 30 }));
    await log.deleteRecordsBefore(4);
    await m.close();
    expect(existsSync(join(d, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(readFileSync(join(d, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 30\n');
    expect(readFileSync(join(d, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 4\n');

    const again = await open([d]);
    const reopened = again.getLog('t', 0)!;
    expect(reopened.loadReport!.recovered).toEqual([]);
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([4, 30]);
    // The marker is consumed on open: a crash from now on is unclean.
    expect(existsSync(join(d, CLEAN_SHUTDOWN_FILE))).toBe(false);
    await again.close();
  });

  it('after an unclean shutdown, recovers from the checkpointed recovery point and keeps the checkpointed log start', async () => {
    const d = dirs.make();
    const clock = new ManualClock(1_000_000);
    const m = await open([d], {}, clock);
    const log = await m.getOrCreateLog('t', 0);
    for (let i = 0; i < 10; i++) await log.append(makeBatch(3, { tag: i, valueSize: 30 }));
    await log.flush();
    await log.deleteRecordsBefore(7);
    await m.tick(); // the log-start checkpoint is written promptly after DeleteRecords
    expect(readFileSync(join(d, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 7\n');
    clock.advance(60_000);
    await m.tick(); // and the recovery point every log.flush.offset.checkpoint.interval.ms
    expect(readFileSync(join(d, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 30\n');
    await log.append(makeBatch(3, { tag: 10, valueSize: 30 }));
    // The segment holding the recovery point (30) and everything after it get recovered.
    const fromBase = log.segments().filter((s) => s.baseOffset <= 30).at(-1)!.baseOffset;
    const expectedRecovered = log.segments().filter((s) => s.baseOffset >= fromBase).map((s) => s.baseOffset);
    // "Crash": the first manager is not closed, so no marker is written.
    const again = await open([d], {}, clock);
    const reopened = again.getLog('t', 0)!;
    expect(reopened.loadReport!.recovered.map((r) => r.baseOffset)).toEqual(expectedRecovered);
    expect(expectedRecovered.length).toBeLessThan(reopened.segments().length);
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([7, 33]);
    await again.close();
    // Release the first manager's file descriptors (its dir is no longer used).
    await m.close().catch(() => undefined);
  });

  it('deletes a log by renaming its dir to -delete and removing it after file.delete.delay.ms', async () => {
    const d = dirs.make();
    const clock = new ManualClock(5_000);
    const m = await open([d], {}, clock);
    await (await m.getOrCreateLog('gone', 0)).append(makeBatch(1));
    await (await m.getOrCreateLog('kept', 0)).append(makeBatch(1));
    expect(await m.deleteLog('gone', 0)).toBe(true);
    expect(m.getLog('gone', 0)).toBeUndefined();
    const renamed = readdirSync(d).filter((n) => n.startsWith('gone-0.') && n.endsWith('-delete'));
    expect(renamed).toHaveLength(1);
    expect(existsSync(join(d, 'gone-0'))).toBe(false);
    clock.advance(1000);
    await m.tick();
    await m.close();
    expect(readdirSync(d).filter((n) => n.startsWith('gone'))).toEqual([]);
    expect(readFileSync(join(d, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nkept 0 1\n');
    // A leftover -delete dir from an interrupted deletion is removed on the next start.
    mkdirSync(join(d, 'old-3.0123abcd-delete'));
    const again = await open([d]);
    await again.close();
    expect(readdirSync(d).filter((n) => n.endsWith('-delete'))).toEqual([]);
    expect(again.allLogs().map((l) => l.topicPartition.topic)).toEqual(['kept']);
  });

  it('runs retention, flush.ms and the cleaner from tick() as the clock advances', async () => {
    const d = dirs.make();
    const clock = new ManualClock(1_000_000);
    const cleaned: string[][] = [];
    const m = await open(
      [d],
      {
        topicConfig: (topic) =>
          topic === 'compacted'
            ? parseLogConfig({ 'cleanup.policy': 'compact' }, config)
            : parseLogConfig({ 'retention.ms': '10000', 'flush.ms': '5000' }, config),
        cleaner: { cleanOnce: async (logs: readonly Log[]) => void cleaned.push(logs.map((l) => l.topicPartition.topic)) },
      },
      clock,
    );
    const events = await m.getOrCreateLog('events', 0);
    await m.getOrCreateLog('compacted', 0);
    for (let i = 0; i < 6; i++) await events.append(makeBatch(2, { valueSize: 80, tag: i, baseTimestamp: clock.now() }));
    const segs = events.segments().length;
    expect(segs).toBeGreaterThan(2);
    expect(events.recoveryPoint).toBeLessThan(events.logEndOffset);
    clock.advance(5000);
    await m.tick();
    expect(events.recoveryPoint).toBe(events.logEndOffset); // flush.ms elapsed
    clock.advance(15_000);
    await m.tick();
    expect(cleaned).toEqual([['compacted']]); // log.cleaner.backoff.ms = 15 s
    expect(events.segments().length).toBe(segs); // retention not checked yet (every 5 min)
    clock.advance(300_000);
    await m.tick();
    expect(events.segments().length).toBe(1);
    expect(events.logStartOffset).toBe(12);
    await m.close();
  });

  it('an I/O error takes the whole log dir offline; new logs go to the other dir', async () => {
    const a = dirs.make();
    const b = dirs.make();
    const io = new FaultInjectingFileIO();
    const failed: string[] = [];
    const m = await open([a, b], { io, onLogDirFailure: (dir) => failed.push(dir) });
    const l0 = await m.getOrCreateLog('t', 0); // dir a
    const l1 = await m.getOrCreateLog('t', 1); // dir b
    const l2 = await m.getOrCreateLog('t', 2); // dir a
    expect(m.dirOf('t', 0)).toBe(a);
    expect(m.dirOf('t', 2)).toBe(a);
    io.inject({ ops: ['write'], pathIncludes: join(a, 't-0'), code: 'EIO', times: 1 });
    await expect(l0.append(makeBatch(1))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    expect(failed).toEqual([a]);
    expect(m.offlineLogDirs).toEqual([a]);
    await expect(l2.append(makeBatch(1))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
    expect((await l1.append(makeBatch(1))).firstOffset).toBe(0);
    await m.getOrCreateLog('t', 3);
    expect(m.dirOf('t', 3)).toBe(b);
    await m.close();
    // The failed dir got no clean-shutdown marker; the healthy one did.
    expect(existsSync(join(a, CLEAN_SHUTDOWN_FILE))).toBe(false);
    expect(existsSync(join(b, CLEAN_SHUTDOWN_FILE))).toBe(true);
  });
});
