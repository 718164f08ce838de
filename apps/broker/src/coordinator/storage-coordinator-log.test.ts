import { decodeRecordBatches, encodeRecordBatchSync, endTxnMarkerBatch, ErrorCode } from '@tributary/protocol';
import { LogManager } from '@tributary/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/test-env.js';
import { recordsOf, type CoordinatorLogEntry, type CoordinatorRecord } from './group/coordinator-log.js';
import { GroupCoordinatorError } from './group/errors.js';
import { localOffsetsPartitions, type OffsetsPartitions } from './offsets-partitions.js';
import { StorageCoordinatorLog } from './storage-coordinator-log.js';

const TOPIC = '__consumer_offsets';
const rec = (key: string, value: string | null): CoordinatorRecord => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });
const text = (r: CoordinatorRecord) => [r.key.toString(), r.value?.toString() ?? null];

async function readAll(log: StorageCoordinatorLog, partition: number): Promise<CoordinatorRecord[]> {
  const out: CoordinatorRecord[] = [];
  for await (const r of recordsOf(log.readAll(partition))) out.push(r);
  return out;
}

/** Batches and markers as text: "records" with the producer id (or -) and keys, "COMMIT:pid" / "ABORT:pid". */
async function entries(log: StorageCoordinatorLog, partition: number): Promise<string[]> {
  const out: string[] = [];
  for await (const e of log.readAll(partition)) out.push(describeEntry(e));
  return out;
}

function describeEntry(e: CoordinatorLogEntry): string {
  if (e.kind === 'marker') return `${e.commit ? 'COMMIT' : 'ABORT'}:${e.producerId}`;
  return `${e.producerId ?? '-'}:${e.records.map((r) => r.key.toString()).join(',')}`;
}

function marker(producerId: number, commit: boolean, producerEpoch = 0): Buffer {
  return encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId: BigInt(producerId), producerEpoch, coordinatorEpoch: 0, timestamp: 1_700_000_000_000n }));
}

describe('StorageCoordinatorLog (the coordinator on the broker storage)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let logs: LogManager;
  const now = { t: 1_700_000_000_000, now() { return this.t; } };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    logs = await LogManager.open({ logDirs: [dir] });
    for (const p of [0, 1]) await logs.getOrCreateLog(TOPIC, p);
  });
  afterEach(async () => {
    await logs.close();
    await cleanup();
  });

  it('writes each append as one batch with the call time, and reads records and tombstones back in order', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    await log.append(0, [rec('a', '1'), rec('b', '2')]);
    now.t += 5;
    await log.append(0, [rec('a', null)]);
    await log.append(1, [rec('other', 'x')]);

    const stored = await logs.getLog(TOPIC, 0)!.read(0, 1 << 20);
    const batches = await decodeRecordBatches(stored.records);
    expect(batches.map((b) => b.records.length)).toEqual([2, 1]);
    expect(batches.map((b) => b.maxTimestamp)).toEqual([1_700_000_000_000n, 1_700_000_000_005n]);
    expect((await readAll(log, 0)).map(text)).toEqual([['a', '1'], ['b', '2'], ['a', null]]);
    expect((await readAll(log, 1)).map(text)).toEqual([['other', 'x']]);
  });

  it('keeps the call order of concurrent appends to one partition', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(0, [rec(`k${i}`, `v${i}`)])));
    expect((await readAll(log, 0)).map((r) => r.key.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}`));
  });

  it('a failed append rejects with its error code and does not hold up the appends queued behind it', async () => {
    let failNext = true;
    const local = localOffsetsPartitions(logs);
    const flaky: OffsetsPartitions = {
      append: async (p, batch) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('disk on fire'), { errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
        }
        return local.append(p, batch);
      },
      log: local.log,
    };
    const log = new StorageCoordinatorLog(flaky, now);
    const first = log.append(0, [rec('lost', '1')]);
    const second = log.append(0, [rec('kept', '2')]);
    await expect(first).rejects.toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    await second;
    expect((await readAll(log, 0)).map(text)).toEqual([['kept', '2']]);
  });

  it('rejects appends to a partition this broker does not host with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    await expect(log.append(7, [rec('k', 'v')])).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    await expect(readAll(log, 7)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('replays a partition larger than one read chunk, and the same records after the logs are reopened', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) await log.append(0, [rec(`k${i}`, `${i}:${big}`)]);
    const first = (await readAll(log, 0)).map((r) => r.value!.toString().split(':')[0]);
    expect(first).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));

    await logs.close();
    logs = await LogManager.open({ logDirs: [dir] });
    const reopened = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    expect((await readAll(reopened, 0)).map((r) => r.value!.toString().split(':')[0])).toEqual(first);
  });

  it('fails a replay with CORRUPT_RECORD when a stored record has no key', async () => {
    await logs.getLog(TOPIC, 0)!.append(encodeRecordBatchSync({ records: [{ key: null, value: Buffer.from('v') }] }), { origin: 'coordinator' });
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    const err = await readAll(log, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupCoordinatorError);
    expect((err as GroupCoordinatorError).kind).toBe('CORRUPT_RECORD');
  });

  it('close() waits for queued appends and stops replays at the next chunk', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    const big = 'y'.repeat(512 * 1024);
    for (let i = 0; i < 6; i++) await log.append(0, [rec(`k${i}`, big)]);
    const pending = log.append(0, [rec('last', 'z')]);
    const iterator = log.readAll(0)[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await log.close();
    await pending;
    expect(logs.getLog(TOPIC, 0)!.logEndOffset).toBe(7);
    let rest = 0;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest++;
    // The first chunk (1 MiB: two 512 KiB records) was read before close; nothing after it.
    expect(rest).toBeLessThan(6);
  });

  it('writes a transactional append as a transactional batch of the producer, with sequence 0 as Kafka does', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    await log.append(0, [rec('a', '1'), rec('b', '2')], { producerId: 42, producerEpoch: 3 });
    // A second commit of the same transaction, then one after the transaction ended.
    await log.append(0, [rec('a', '3')], { producerId: 42, producerEpoch: 3 });
    await logs.getLog(TOPIC, 0)!.append(marker(42, true, 3), { origin: 'coordinator' });
    await log.append(0, [rec('c', '4')], { producerId: 42, producerEpoch: 3 });
    await log.append(0, [rec('plain', '5')]);

    const stored = await decodeRecordBatches((await logs.getLog(TOPIC, 0)!.read(0, 1 << 20)).records);
    expect(stored.map((b) => [b.isTransactional, b.isControl, b.producerId, b.producerEpoch, b.baseSequence])).toEqual([
      [true, false, 42n, 3, 0],
      [true, false, 42n, 3, 0],
      [true, true, 42n, 3, -1],
      [true, false, 42n, 3, 0],
      [false, false, -1n, -1, -1],
    ]);
    // The open transaction (offset 4) holds the partition's last stable offset.
    expect(logs.getLog(TOPIC, 0)!.lastStableOffset).toBe(4);
    expect(await entries(log, 0)).toEqual(['42:a,b', '42:a', 'COMMIT:42', '42:c', '-:plain']);
  });

  it('rejects a fenced (older) producer epoch with INVALID_PRODUCER_EPOCH', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    await log.append(0, [rec('a', '1')], { producerId: 7, producerEpoch: 0 });
    await logs.getLog(TOPIC, 0)!.append(marker(7, false, 0), { origin: 'coordinator' });
    await log.append(0, [rec('b', '2')], { producerId: 7, producerEpoch: 1 });
    await expect(log.append(0, [rec('zombie', '3')], { producerId: 7, producerEpoch: 0 })).rejects.toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    const stored = await decodeRecordBatches((await logs.getLog(TOPIC, 0)!.read(0, 1 << 20)).records);
    expect(stored.filter((b) => !b.isControl).map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(await entries(log, 0)).toEqual(['7:a', 'ABORT:7', '7:b']);
  });

  it('reads markers of several producers in log order and skips control batches that are not transaction markers', async () => {
    const log = new StorageCoordinatorLog(localOffsetsPartitions(logs), now);
    const raw = logs.getLog(TOPIC, 1)!;
    await log.append(1, [rec('x', '1')], { producerId: 1, producerEpoch: 0 });
    await log.append(1, [rec('y', '1')], { producerId: 2, producerEpoch: 0 });
    await raw.append(marker(2, true), { origin: 'coordinator' });
    // A KRaft leader-change control record (type 2) carries no transaction outcome.
    await raw.append(
      encodeRecordBatchSync({ isControl: true, records: [{ key: Buffer.from([0, 0, 0, 2]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] }),
      { origin: 'coordinator' },
    );
    await raw.append(marker(1, false), { origin: 'coordinator' });
    expect(await entries(log, 1)).toEqual(['1:x', '2:y', 'COMMIT:2', 'ABORT:1']);
  });
});
