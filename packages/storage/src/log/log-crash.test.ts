import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { batchViews, RecordBatchView } from '@tributary/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../config/log-config.js';
import { LogManager } from '../manager/log-manager.js';
import { crashBatch } from '../test-fixtures/crash-batches.js';
import { tempDirs } from '../test-support/temp-dir.js';

const dirs = tempDirs('log-crash');
afterAll(() => dirs.cleanup());

const CHILD = fileURLToPath(new URL('../test-fixtures/crash-appender.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface ChildRun {
  acked: Array<{ first: number; last: number; tag: number }>;
  sawReady: boolean;
}

/** Runs the appender child and SIGKILLs it at a random moment; returns the appends it acknowledged. */
function runAndKill(logDir: string, firstTag: number, killEarly: boolean, rand: () => number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, logDir, String(firstTag)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killEarly && timer === undefined && out.includes('READY')) timer = setTimeout(kill, 20 + rand() * 200);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Early kills land anywhere from module loading through recovery to the first appends.
    if (killEarly) timer = setTimeout(kill, rand() * 900);
    const guard = setTimeout(kill, 15_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited with ${code}: ${err}`));
      // Only complete lines count: a line cut by the kill was not acknowledged.
      const lines = out.split('\n').slice(0, -1);
      const acked = lines
        .filter((l) => l.startsWith('A '))
        .map((l) => {
          const [, first, last, tag] = l.split(' ').map(Number);
          return { first: first!, last: last!, tag: tag! };
        });
      resolve({ acked, sawReady: lines.some((l) => l.startsWith('READY')) });
    });
  });
}

/** A small deterministic PRNG so a failing run can be reproduced from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('crash safety (SIGKILL during appends)', () => {
  /*
   * What is verified, after each recovery the parent performs:
   * - every append the child reported as returned (flush.messages=1, so acknowledged = fsynced; a
   *   SIGKILL keeps the page cache anyway) is present at the offsets it was given, byte for byte
   *   (the expected batch is rebuilt from its tag, with the assigned base offset);
   * - the log's batches are contiguous: each starts right after the previous one ends, from 0 to
   *   the log end offset, and every one passes its CRC (reads check it and would refuse a bad one);
   * - batches written but not acknowledged before the kill may or may not be there; a batch cut by
   *   the kill never is (recovery truncated it);
   * - in between, children also open the log themselves after being killed (an unclean open in the
   *   child) and are sometimes killed during module loading, recovery or the first appends.
   */
  it('keeps every acknowledged append intact across repeated kills', async () => {
    const seed = Date.now() % 1_000_000;
    const rand = mulberry32(seed);
    const logDir = dirs.make();
    const config = parseLogConfig({ 'segment.bytes': String(48 * 1024), 'index.interval.bytes': '1024' });
    const acked = new Map<number, { last: number; tag: number }>();
    let nextTag = 0;
    let kills = 0;
    let verifications = 0;
    const started = Date.now();
    for (let iter = 0; iter < 30 && Date.now() - started < 45_000; iter++) {
      const run = await runAndKill(logDir, nextTag, rand() < 0.2, rand);
      kills++;
      for (const a of run.acked) {
        acked.set(a.first, { last: a.last, tag: a.tag });
        nextTag = Math.max(nextTag, a.tag + 1);
      }
      if (iter % 3 !== 2) continue; // let the next child recover by itself
      verifications++;
      const manager = await LogManager.open({ logDirs: [logDir], defaultConfig: config });
      try {
        const log = manager.getLog('crash', 0);
        if (!log) {
          expect(acked.size, `seed ${seed}`).toBe(0);
          continue;
        }
        let expectedNext = 0;
        const seen = new Map<number, Buffer>();
        while (expectedNext < log.logEndOffset) {
          const r = await log.read(expectedNext, 256 * 1024);
          expect(r.batchCount, `seed ${seed}: nothing readable at ${expectedNext} < ${log.logEndOffset}`).toBeGreaterThan(0);
          for (const v of batchViews(r.records)) {
            expect(v.baseOffsetNum, `seed ${seed}`).toBe(expectedNext);
            expect(v.isCrcValid(), `seed ${seed}`).toBe(true);
            seen.set(v.baseOffsetNum, Buffer.from(v.bytes()));
            expectedNext = v.lastOffsetNum + 1;
          }
        }
        expect(expectedNext).toBe(log.logEndOffset);
        for (const [first, { last, tag }] of acked) {
          const stored = seen.get(first);
          expect(stored, `seed ${seed}: acknowledged batch at ${first} (tag ${tag}) is missing`).toBeDefined();
          const expected = crashBatch(tag);
          new RecordBatchView(expected).setBaseOffsetNum(first);
          expect(stored!.equals(expected), `seed ${seed}: batch at ${first} differs`).toBe(true);
          expect(new RecordBatchView(stored!).lastOffsetNum).toBe(last);
        }
      } finally {
        await manager.close();
      }
    }
    expect(kills).toBeGreaterThanOrEqual(15);
    expect(verifications).toBeGreaterThanOrEqual(5);
    expect(acked.size, `seed ${seed}`).toBeGreaterThan(20);
  }, 90_000);
});
