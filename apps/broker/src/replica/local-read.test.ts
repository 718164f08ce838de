import { ApiKey, decodeRecordBatchesSync, encodeRecordBatchSync, endTxnMarkerBatch } from '@tributary/protocol';
import type { Log } from '@tributary/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_COMMITTED, READ_UNCOMMITTED, type FetchPartitionResult } from './fetch-types.js';
import { batchOf, DataPlaneBroker, fetchBody } from './test-kit.js';

/**
 * The read side of transactions: logs holding committed, aborted and open transactions written
 * straight to storage (data batches as a producer writes them, markers as the coordinator does),
 * read through the ReplicaManager and the Fetch API.
 */
let b: DataPlaneBroker;
beforeAll(async () => {
  b = await DataPlaneBroker.start();
});
afterAll(async () => {
  await b.stop();
});

const sequences = new Map<number, number>();

/** A transactional batch of the producer (epoch 0), with its next sequence. */
function txnBatch(producerId: number, values: string[]): Buffer {
  const baseSequence = sequences.get(producerId) ?? 0;
  sequences.set(producerId, baseSequence + values.length);
  return batchOf(values, { producerId: BigInt(producerId), producerEpoch: 0, baseSequence, isTransactional: true });
}

function marker(producerId: number, commit: boolean): Buffer {
  return encodeRecordBatchSync(endTxnMarkerBatch({ commit, producerId: BigInt(producerId), producerEpoch: 0, coordinatorEpoch: 0, timestamp: BigInt(Date.now()) }));
}

/** Data records' values (control batches skipped), as a consumer that ignores transactions would see them. */
const values = (records: Buffer | null) =>
  decodeRecordBatchesSync(records ?? Buffer.alloc(0))
    .filter((batch) => !batch.isControl)
    .flatMap((batch) => batch.records.map((r) => r.value!.toString()));

async function fetchOne(topic: string, fetchOffset: number, isolationLevel: number, opts: { partitionMaxBytes?: number; maxWaitMs?: number } = {}): Promise<FetchPartitionResult> {
  const [result] = await b.services.replicaManager.fetch({
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    partitions: [{ topic, partition: 0, fetchOffset, partitionMaxBytes: opts.partitionMaxBytes ?? 1 << 20, currentLeaderEpoch: -1 }],
  });
  return result!;
}

/**
 * offset 0-1  a, b            (no producer)
 *        2-3  p1: t1-a, t1-b  (committed at 6)
 *        4    p2: t2-a        (aborted at 8)
 *        5    c
 *        6    COMMIT p1
 *        7    p2: t2-b
 *        8    ABORT p2
 *        9    p3: t3-a        (open)
 *        10   d
 */
async function writeMixedLog(topic: string): Promise<Log> {
  await b.createTopic(topic);
  const log = b.services.logManager.getLog(topic, 0)!;
  await log.append(batchOf(['a', 'b']));
  await log.append(txnBatch(1, ['t1-a', 't1-b']));
  await log.append(txnBatch(2, ['t2-a']));
  await log.append(batchOf(['c']));
  await log.append(marker(1, true), { origin: 'coordinator' });
  await log.append(txnBatch(2, ['t2-b']));
  await log.append(marker(2, false), { origin: 'coordinator' });
  await log.append(txnBatch(3, ['t3-a']));
  await log.append(batchOf(['d']));
  return log;
}

describe('read_committed reads', () => {
  it('stop at the last stable offset and list the aborted transactions of the records returned', async () => {
    const log = await writeMixedLog('rc-mixed');
    expect([log.highWatermark, log.lastStableOffset]).toEqual([11, 9]);

    const committed = await fetchOne('rc-mixed', 0, READ_COMMITTED);
    expect(committed).toMatchObject({ errorCode: 0, highWatermark: 11, lastStableOffset: 9, abortedTransactions: [{ producerId: 2n, firstOffset: 4n }] });
    expect(values(committed.records)).toEqual(['a', 'b', 't1-a', 't1-b', 't2-a', 'c', 't2-b']);

    const uncommitted = await fetchOne('rc-mixed', 0, READ_UNCOMMITTED);
    expect(uncommitted.abortedTransactions).toBeNull();
    expect(values(uncommitted.records)).toEqual(['a', 'b', 't1-a', 't1-b', 't2-a', 'c', 't2-b', 't3-a', 'd']);
  });

  it('compute the aborted list over the range actually returned, not up to the last stable offset', async () => {
    const log = await writeMixedLog('rc-range');
    // A partition limit that only fits the first batch: the aborted transaction starts after it.
    const first = await fetchOne('rc-range', 0, READ_COMMITTED, { partitionMaxBytes: 1 });
    expect(values(first.records)).toEqual(['a', 'b']);
    expect(first.abortedTransactions).toEqual([]);
    // From inside the aborted transaction's range it is reported.
    const middle = await fetchOne('rc-range', 5, READ_COMMITTED);
    expect(values(middle.records)).toEqual(['c', 't2-b']);
    expect(middle.abortedTransactions).toEqual([{ producerId: 2n, firstOffset: 4n }]);
    // Reading its marker still reports it (Kafka: every transaction whose marker is at or after the fetch offset).
    const marker8 = await fetchOne('rc-range', 8, READ_COMMITTED);
    expect(decodeRecordBatchesSync(marker8.records).map((batch) => [batch.baseOffset, batch.isControl])).toEqual([[8n, true]]);
    expect(marker8.abortedTransactions).toEqual([{ producerId: 2n, firstOffset: 4n }]);
    // Past its marker it is not.
    await log.append(marker(3, true), { origin: 'coordinator' });
    const after = await fetchOne('rc-range', 9, READ_COMMITTED);
    expect(values(after.records)).toEqual(['t3-a', 'd']);
    expect(after.abortedTransactions).toEqual([]);
  });

  it('return nothing at the last stable offset of an open transaction, and everything once it commits', async () => {
    const log = await writeMixedLog('rc-open');
    const atLso = await fetchOne('rc-open', 9, READ_COMMITTED);
    expect(atLso).toMatchObject({ errorCode: 0, lastStableOffset: 9, abortedTransactions: [] });
    expect(atLso.records.length).toBe(0);

    await log.append(marker(3, true), { origin: 'coordinator' });
    const after = await fetchOne('rc-open', 9, READ_COMMITTED);
    expect(after).toMatchObject({ lastStableOffset: 12, highWatermark: 12, abortedTransactions: [] });
    expect(values(after.records)).toEqual(['t3-a', 'd']);
  });

  it('list several aborted transactions in marker order, producer ids and first offsets as the consumer needs them', async () => {
    await b.createTopic('rc-many');
    const log = b.services.logManager.getLog('rc-many', 0)!;
    await log.append(txnBatch(10, ['x1'])); // 0
    await log.append(txnBatch(11, ['y1'])); // 1
    await log.append(txnBatch(10, ['x2'])); // 2
    await log.append(marker(11, false), { origin: 'coordinator' }); // 3
    await log.append(marker(10, false), { origin: 'coordinator' }); // 4
    await log.append(txnBatch(12, ['z1'])); // 5
    await log.append(marker(12, true), { origin: 'coordinator' }); // 6
    const r = await fetchOne('rc-many', 0, READ_COMMITTED);
    expect(r.lastStableOffset).toBe(7);
    expect(r.abortedTransactions).toEqual([
      { producerId: 11n, firstOffset: 1n },
      { producerId: 10n, firstOffset: 0n },
    ]);
  });

  it('a waiting read_committed fetch is answered when a marker moves the last stable offset, not by appends behind it', async () => {
    await writeMixedLog('rc-wait');
    const replicas = b.services.replicaManager;
    const started = Date.now();
    let done = false;
    const waiting = fetchOne('rc-wait', 9, READ_COMMITTED, { maxWaitMs: 10_000 }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replicas.waitingFetches).toBe(1);
    // Data behind the open transaction is not readable yet: the fetch keeps waiting.
    const plain = await replicas.appendRecords({ acks: -1, origin: 'client', entries: [{ topic: 'rc-wait', partition: 0, records: batchOf(['e']) }] });
    expect(plain[0]!.errorCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);

    const appended = await replicas.appendRecords({ acks: -1, origin: 'coordinator', entries: [{ topic: 'rc-wait', partition: 0, records: marker(3, false) }] });
    expect(appended[0]!.errorCode).toBe(0);
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toMatchObject({ lastStableOffset: 13, abortedTransactions: [{ producerId: 3n, firstOffset: 9n }] });
    expect(values(r.records)).toEqual(['t3-a', 'd', 'e']);
  });

  it('a waiting read_committed fetch with a large min_bytes is answered when a marker releases records written before the wait', async () => {
    await b.createTopic('rc-wait-big');
    const log = b.services.logManager.getLog('rc-wait-big', 0)!;
    const big = 'x'.repeat(8 * 1024);
    await log.append(txnBatch(20, [big]));
    const replicas = b.services.replicaManager;
    const started = Date.now();
    const waiting = replicas.fetch({
      maxWaitMs: 10_000,
      minBytes: 4096,
      maxBytes: 1 << 20,
      isolationLevel: READ_COMMITTED,
      partitions: [{ topic: 'rc-wait-big', partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }],
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replicas.waitingFetches).toBe(1);
    // The marker alone is far below min_bytes; the 8 KiB it makes readable were appended before the wait.
    await replicas.appendRecords({ acks: -1, origin: 'coordinator', entries: [{ topic: 'rc-wait-big', partition: 0, records: marker(20, true) }] });
    const [r] = await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toMatchObject({ lastStableOffset: 2, abortedTransactions: [] });
    expect(values(r!.records)).toEqual([big]);
  });

  it('reach the wire: Fetch v4 and v11 carry the aborted transactions and the last stable offset; read_uncommitted carries null', async () => {
    await writeMixedLog('rc-wire');
    for (const version of [4, 11]) {
      const r = await b.request(ApiKey.Fetch, version, fetchBody('rc-wire', [{ partition: 0, fetchOffset: 0 }], { isolationLevel: READ_COMMITTED }));
      const p = r.responses[0]!.partitions[0]!;
      expect(p, `v${version}`).toMatchObject({ errorCode: 0, highWatermark: 11n, lastStableOffset: 9n, abortedTransactions: [{ producerId: 2n, firstOffset: 4n }] });
      const u = await b.request(ApiKey.Fetch, version, fetchBody('rc-wire', [{ partition: 0, fetchOffset: 0 }], { isolationLevel: READ_UNCOMMITTED }));
      expect(u.responses[0]!.partitions[0]!.abortedTransactions, `v${version}`).toBeNull();
    }
  });
});
