import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/test-env.js';
import { PRODUCER_ID_BLOCK_FILE, ProducerIdError, ProducerIdManager } from './producer-id-manager.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('tributary-pid-'));
});
afterEach(async () => {
  await cleanup();
});

const stored = async () => JSON.parse(await readFile(join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8')) as { nextBlockStart: number };

describe('ProducerIdManager', () => {
  it('hands out consecutive ids and persists the end of the block before using it', async () => {
    const m = await ProducerIdManager.open({ dir, blockSize: 3 });
    expect(await m.generateProducerId()).toBe(0);
    expect((await stored()).nextBlockStart).toBe(3);
    expect([await m.generateProducerId(), await m.generateProducerId()]).toEqual([1, 2]);
    expect(await m.generateProducerId()).toBe(3);
    expect((await stored()).nextBlockStart).toBe(6);
  });

  it('never reuses an id after a restart: the next block starts past the persisted one', async () => {
    const a = await ProducerIdManager.open({ dir, blockSize: 10 });
    const first = [await a.generateProducerId(), await a.generateProducerId()];
    const b = await ProducerIdManager.open({ dir, blockSize: 10 });
    const after = await b.generateProducerId();
    expect(first).toEqual([0, 1]);
    expect(after).toBe(10);
  });

  it('gives distinct ids to concurrent callers across block boundaries', async () => {
    const m = await ProducerIdManager.open({ dir, blockSize: 4 });
    const ids = await Promise.all(Array.from({ length: 25 }, () => m.generateProducerId()));
    expect(new Set(ids).size).toBe(25);
    expect(Math.max(...ids)).toBeLessThan(28);
  });

  it('refuses to start from a damaged block file rather than risk reusing ids', async () => {
    await writeFile(join(dir, PRODUCER_ID_BLOCK_FILE), '{"version":1,"nextBlockStart":"soon"}');
    await expect(ProducerIdManager.open({ dir })).rejects.toBeInstanceOf(ProducerIdError);
    await writeFile(join(dir, PRODUCER_ID_BLOCK_FILE), 'not json');
    await expect(ProducerIdManager.open({ dir })).rejects.toThrow(/not a valid producer id block file/);
  });
});
