import { afterAll, describe, expect, it } from 'vitest';
import { makeBatch } from '../test-support/batches.js';
import { openTestLog, readAll } from '../test-support/log-fixture.js';
import { tempDirs } from '../test-support/temp-dir.js';

const dirs = tempDirs('log-before-write');
afterAll(() => dirs.cleanup());

class Refused extends Error {}

// Small batches take the synchronous fast path; batches of 256 KiB and more the queued path.
describe.each([
  ['a small batch (fast path)', 3, 10],
  ['a large batch (queued path)', 3000, 100],
])('Log.append beforeWrite, %s', (_name, records, valueSize) => {
  it('runs once, after the checks, and an exception leaves the log untouched', async () => {
    const { log } = await openTestLog(dirs.make());
    await log.append(makeBatch(2));
    const batch = makeBatch(records, { valueSize, tag: 1 });
    const original = Buffer.from(batch);
    await expect(log.append(batch, { beforeWrite: () => { throw new Refused('no'); } })).rejects.toBeInstanceOf(Refused);
    expect(log.logEndOffset).toBe(2);
    expect(batch.equals(original)).toBe(true); // offsets were not even patched in
    expect(await readAll(log)).toHaveLength(1);

    let calls = 0;
    const r = await log.append(batch, { beforeWrite: () => void calls++ });
    expect(calls).toBe(1);
    expect(r.firstOffset).toBe(2);
    expect(await readAll(log)).toHaveLength(2);
    await log.close();
  });
});

describe('Log.append beforeWrite and failed checks', () => {
  it('is not called for a batch whose CRC does not match (checked before it on the fast path)', async () => {
    const { log } = await openTestLog(dirs.make());
    const batch = makeBatch(3);
    batch[batch.length - 1]! ^= 0xff;
    let calls = 0;
    await expect(log.append(batch, { beforeWrite: () => void calls++ })).rejects.toThrow(/CRC/);
    expect(calls).toBe(0);
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });
});
