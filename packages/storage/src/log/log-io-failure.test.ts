import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import { FaultInjectingFileIO } from '../io/fault-injecting-io.js';
import { makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';
import { Log } from './log.js';

const dirs = tempDirs('log-io');
afterAll(() => dirs.cleanup());

const storageError = (e: unknown) => isStorageError(e, 'KAFKA_STORAGE_ERROR');

describe('I/O failures take the log offline without exposing a partial batch', () => {
  it('ENOSPC mid-write: the append fails, the file is cut back, later calls fail, a reopen sees only whole batches', async () => {
    const io = new FaultInjectingFileIO();
    const offline: string[] = [];
    const { log, dir, clock } = await openTestLog(dirs.make(), {}, { io, onOffline: (_l, e) => offline.push(e.message) });
    const good = [makeBatch(3, { tag: 1 }), makeBatch(3, { tag: 2 })];
    for (const b of good) await log.append(b);
    const sizeBefore = log.activeSegment.size;
    io.inject({ ops: ['write'], pathIncludes: '.log', code: 'ENOSPC', partialBytes: 40, times: 1 });
    await expect(log.append(makeBatch(5, { tag: 3 }))).rejects.toSatisfy(storageError);
    expect(io.injected).toEqual([expect.objectContaining({ op: 'write', code: 'ENOSPC' })]);
    expect(statSync(log.activeSegment.logPath).size).toBe(sizeBefore);
    expect(log.isOffline).toBe(true);
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatch(/ENOSPC/);
    await expect(log.append(makeBatch(1))).rejects.toSatisfy(storageError);
    await expect(log.read(0, 100)).rejects.toSatisfy(storageError);
    await expect(log.flush()).rejects.toSatisfy(storageError);
    await log.close();

    const reopened = await Log.open({ dir, config: log.config, clock });
    expect(reopened.logEndOffset).toBe(6);
    expect(await readAll(reopened)).toEqual(good);
    await reopened.close();
  });

  it('the same for a large append written through the thread pool', async () => {
    const io = new FaultInjectingFileIO();
    const { log, dir, clock } = await openTestLog(dirs.make(), { 'max.message.bytes': String(2 << 20) }, { io });
    const good = makeBatch(400, { valueSize: 1000 });
    await log.append(good);
    io.inject({ ops: ['write'], pathIncludes: '.log', code: 'ENOSPC', partialBytes: 100_000, times: 1 });
    await expect(log.append(makeBatch(400, { valueSize: 1000, tag: 2 }))).rejects.toSatisfy(storageError);
    expect(statSync(log.activeSegment.logPath).size).toBe(good.length);
    expect(log.isOffline).toBe(true);
    await log.close();
    const reopened = await Log.open({ dir, config: log.config, clock });
    expect(await readAll(reopened, 4 << 20)).toEqual([good]);
    await reopened.close();
  });

  it('when the cut-back fails too, recovery on reopen removes the partial batch', async () => {
    const io = new FaultInjectingFileIO();
    const { log, dir, clock } = await openTestLog(dirs.make(), {}, { io });
    const good = makeBatch(4);
    await log.append(good);
    io.inject({ ops: ['write'], pathIncludes: '.log', code: 'EIO', partialBytes: 30, times: 1 });
    io.inject({ ops: ['truncate'], pathIncludes: '.log', code: 'EIO', times: 1 });
    await expect(log.append(makeBatch(2, { tag: 9 }))).rejects.toSatisfy(storageError);
    expect(statSync(log.activeSegment.logPath).size).toBe(good.length + 30);
    await log.close();
    const reopened = await Log.open({ dir, config: log.config, clock });
    expect(reopened.loadReport!.recovered[0]).toMatchObject({ truncatedBytes: 30 });
    expect(await readAll(reopened)).toEqual([good]);
    await reopened.close();
  });

  it('a failed fsync (flush.messages=1) fails the append and takes the log offline', async () => {
    const io = new FaultInjectingFileIO();
    const { log } = await openTestLog(dirs.make(), { 'flush.messages': '1' }, { io });
    await log.append(makeBatch(1));
    io.inject({ ops: ['sync'], code: 'EIO' });
    await expect(log.append(makeBatch(1))).rejects.toSatisfy(storageError);
    expect(log.isOffline).toBe(true);
    await log.close();
  });

  it('a read error takes the log offline', async () => {
    const io = new FaultInjectingFileIO();
    const { log } = await openTestLog(dirs.make(), {}, { io });
    await log.append(makeBatch(2));
    io.inject({ ops: ['read'], code: 'EIO', times: 1 });
    await expect(log.read(0, 100)).rejects.toSatisfy(storageError);
    await expect(log.read(0, 100)).rejects.toSatisfy(storageError);
    expect(log.offlineCause?.message).toMatch(/EIO/);
    await log.close();
  });

  it('a failed roll (cannot create the new segment) takes the log offline', async () => {
    const io = new FaultInjectingFileIO();
    const { log } = await openTestLog(dirs.make(), { 'segment.bytes': '200' }, { io });
    await log.append(makeBatch(2, { valueSize: 50 }));
    io.inject({ ops: ['open'], code: 'ENOSPC' });
    await expect(log.append(makeBatch(2, { valueSize: 50 }))).rejects.toSatisfy(storageError);
    expect(log.isOffline).toBe(true);
    expect(log.logEndOffset).toBe(2);
    await log.close();
  });
});
