import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { OffsetCommitRequest, TxnOffsetCommitRequest } from './api-types.js';
import type { CoordinatorLog, CoordinatorLogEntry } from './coordinator-log.js';
import { encodeGroupMetadataKey, encodeOffsetCommitKey, encodeOffsetCommitValue } from './coordinator-records.js';
import { GroupCoordinator } from './group-coordinator.js';
import { ManualScheduler } from './scheduler.js';
import { type Harness, START_MS, createHarness, flush, formStableGroup } from './test-support/harness.js';
import { InMemoryCoordinatorLog } from './test-support/in-memory-coordinator-log.js';

type Offsets = Record<string, Array<[number, bigint]>>;

const topicsOf = (offsets: Offsets) =>
  Object.entries(offsets).map(([name, ps]) => ({
    name,
    partitions: ps.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: 4, committedMetadata: `m${committedOffset}` })),
  }));

/** A TxnOffsetCommit as v0-2 send it: no member, no generation. */
function txnCommit(groupId: string, producerId: number, offsets: Offsets, extra: Partial<TxnOffsetCommitRequest> = {}): TxnOffsetCommitRequest {
  return { groupId, transactionalId: `tx-${producerId}`, producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: topicsOf(offsets), ...extra };
}

function plainCommit(groupId: string, offsets: Offsets, extra: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  return { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: topicsOf(offsets), ...extra };
}

const errorsOf = (r: { topics: ReadonlyArray<{ partitions: ReadonlyArray<{ errorCode: number }> }> }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

/** Every committed offset of the group as "topic-partition=offset". */
async function committed(coordinator: GroupCoordinator, groupId: string): Promise<string[]> {
  const r = await coordinator.fetchOffsets({ groups: [{ groupId, topics: null }] });
  return r.groups[0]!.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`));
}

/** OffsetFetch with require_stable for the named partitions: "offset/error". */
async function stable(coordinator: GroupCoordinator, groupId: string, topic: string, partitions: number[]): Promise<string[]> {
  const r = await coordinator.fetchOffsets({ requireStable: true, groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }] });
  return r.groups[0]!.topics[0]!.partitions.map((p) => `${p.committedOffset}/${p.errorCode}`);
}

/** What the transaction coordinator does at EndTxn: markers to the groups' partitions, then completeTransaction. */
async function endTxn(h: Harness, producerId: number, groupIds: string[], commit: boolean): Promise<void> {
  const partitions = [...new Set(groupIds.map((g) => h.coordinator.partitionFor(g)))];
  for (const p of partitions) h.log.writeMarker(p, producerId, commit);
  await h.coordinator.completeTransaction(producerId, partitions, commit);
}

/** Two group ids hashing to different partitions of __consumer_offsets. */
function groupsOnTwoPartitions(h: Harness): [string, string] {
  const first = 'group-a';
  const second = Array.from({ length: 50 }, (_, i) => `group-${i}`).find((g) => h.coordinator.partitionFor(g) !== h.coordinator.partitionFor(first))!;
  return [first, second];
}

describe('TxnOffsetCommit and transaction completion', () => {
  it('keeps transactional offsets invisible (and unstable) until the COMMIT, written as one batch of the producer', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(plainCommit('g', { t: [[0, 5n]] }));
    const r = await h.coordinator.commitTransactionalOffsets(txnCommit('g', 100, { t: [[0, 10n], [1, 11n]] }, { producerEpoch: 2 }));
    expect(errorsOf(r)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    const last = h.log.entries(h.coordinator.partitionFor('g')).at(-1)!;
    expect(last).toMatchObject({ kind: 'records', producerId: 100 });
    expect(last.kind === 'records' && last.records.length).toBe(2);

    expect(await committed(h.coordinator, 'g')).toEqual(['t-0=5']);
    expect(await stable(h.coordinator, 'g', 't', [0, 1, 2])).toEqual([`-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, `-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, '-1/0']);

    await endTxn(h, 100, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-0=10', 't-1=11']);
    const f = await h.coordinator.fetchOffsets({ groups: [{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [1] }] }] });
    expect(f.groups[0]!.topics[0]!.partitions[0]).toEqual({ partitionIndex: 1, committedOffset: 11n, committedLeaderEpoch: 4, metadata: 'm11', errorCode: 0 });
    expect(await stable(h.coordinator, 'g', 't', [0])).toEqual(['10/0']);
  });

  it('drops the offsets of an aborted transaction and keeps what was committed before', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(plainCommit('g', { t: [[0, 5n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 7, { t: [[0, 10n], [3, 30n]] }));
    await endTxn(h, 7, ['g'], false);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-0=5']);
    expect(await stable(h.coordinator, 'g', 't', [0, 3])).toEqual(['5/0', '-1/0']);
  });

  it('a plain OffsetCommit written after the TxnOffsetCommit wins when the transaction commits; one written before loses', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(plainCommit('g', { t: [[1, 1n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 9, { t: [[0, 10n], [1, 11n]] }));
    await h.coordinator.commitOffsets(plainCommit('g', { t: [[0, 20n]] }));
    expect(await committed(h.coordinator, 'g')).toEqual(['t-1=1', 't-0=20']);
    await endTxn(h, 9, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-1=11', 't-0=20']);

    // A new coordinator replaying this log reaches the same offsets.
    const reloaded = await createHarness({ log: h.log });
    expect((await committed(reloaded.coordinator, 'g')).sort()).toEqual(['t-0=20', 't-1=11']);
  });

  it('a plain commit acknowledged only after the later transaction committed does not override its offset', async () => {
    // Records reach the log in call order, but the plain commit's acknowledgement comes late.
    const inner = new InMemoryCoordinatorLog();
    let acknowledgePlain!: () => void;
    const plainAcknowledged = new Promise<void>((resolve) => (acknowledgePlain = resolve));
    const log: CoordinatorLog = {
      async append(p, records, producer) {
        await inner.append(p, records, producer);
        if (!producer) await plainAcknowledged;
      },
      readAll: (p) => inner.readAll(p),
    };
    const coordinator = new GroupCoordinator({ log, scheduler: new ManualScheduler(START_MS), config: { offsetsTopicNumPartitions: 1 } });
    await coordinator.loadPartition(0);
    const early = coordinator.commitOffsets(plainCommit('g', { t: [[0, 3n]] }));
    expect(errorsOf(await coordinator.commitTransactionalOffsets(txnCommit('g', 4, { t: [[0, 10n]] })))).toEqual([ErrorCode.NONE]);
    inner.writeMarker(0, 4, true);
    await coordinator.completeTransaction(4, [0], true);
    acknowledgePlain();
    expect(errorsOf(await early)).toEqual([ErrorCode.NONE]);
    expect(await committed(coordinator, 'g')).toEqual(['t-0=10']);
    coordinator.onClose();
    // The log says the same: the transactional record follows the plain one.
    const reloaded = await createHarness({ log: inner, config: { offsetsTopicNumPartitions: 1 } });
    expect(await committed(reloaded.coordinator, 'g')).toEqual(['t-0=10']);
  });

  it('a later TxnOffsetCommit of the same transaction replaces the earlier offset of a partition', async () => {
    const h = await createHarness();
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 5, { t: [[0, 10n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 5, { t: [[0, 15n], [1, 2n]] }));
    await endTxn(h, 5, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-0=15', 't-1=2']);
  });

  it('completes only the groups on the named partitions, and only that producer', async () => {
    const h = await createHarness();
    const [a, b] = groupsOnTwoPartitions(h);
    await h.coordinator.commitTransactionalOffsets(txnCommit(a, 1, { t: [[0, 10n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit(b, 1, { t: [[0, 20n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit(a, 2, { t: [[1, 30n]] }));

    h.log.writeMarker(h.coordinator.partitionFor(a), 1, true);
    await h.coordinator.completeTransaction(1, [h.coordinator.partitionFor(a)], true);
    expect(await committed(h.coordinator, a)).toEqual(['t-0=10']);
    expect(await committed(h.coordinator, b)).toEqual([]);
    expect(await stable(h.coordinator, a, 't', [1])).toEqual([`-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`]);

    h.log.writeMarker(h.coordinator.partitionFor(b), 1, true);
    await h.coordinator.completeTransaction(1, [h.coordinator.partitionFor(b)], true);
    expect(await committed(h.coordinator, b)).toEqual(['t-0=20']);
    await endTxn(h, 2, [a], true);
    expect(await committed(h.coordinator, a)).toEqual(['t-0=10', 't-1=30']);
  });

  it('skips member and generation checks for v0-2 requests, checks them when named, and creates unknown groups', async () => {
    const h = await createHarness();
    const [member] = await formStableGroup(h, 'live', [{ clientId: 'a' }]);
    // A plain commit outside the group is refused while it has members; a transactional one is not.
    expect(errorsOf(await h.coordinator.commitOffsets(plainCommit('live', { t: [[0, 1n]] })))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('live', 3, { t: [[0, 8n]] })))).toEqual([ErrorCode.NONE]);
    // v3+ name the member: a stale generation or an unknown member is refused.
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('live', 3, { t: [[0, 9n]] }, { generationId: 0, memberId: member!.memberId })))).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('live', 3, { t: [[0, 9n]] }, { generationId: 1, memberId: 'stranger' })))).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('live', 3, { t: [[0, 9n]] }, { generationId: 1, memberId: member!.memberId })))).toEqual([
      ErrorCode.NONE,
    ]);
    await endTxn(h, 3, ['live'], true);
    expect(await committed(h.coordinator, 'live')).toEqual(['t-0=9']);

    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('fresh', 4, { t: [[0, 1n]] })))).toEqual([ErrorCode.NONE]);
    expect((await h.coordinator.describeGroups(['fresh']))[0]).toMatchObject({ errorCode: 0, groupState: 'Empty', protocolType: '' });
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('', 4, { t: [[0, 1n]] })))).toEqual([ErrorCode.INVALID_GROUP_ID]);
  });

  it('answers OFFSET_METADATA_TOO_LARGE per partition and writes the rest', async () => {
    const h = await createHarness({ config: { offsetMetadataMaxBytes: 5 } });
    const req = txnCommit('g', 6, {});
    const r = await h.coordinator.commitTransactionalOffsets({
      ...req,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedMetadata: 'far too long' },
            { partitionIndex: 1, committedOffset: 2n, committedMetadata: 'ok' },
          ],
        },
      ],
    });
    expect(errorsOf(r)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    await endTxn(h, 6, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-1=2']);
  });

  it('a failed append answers the mapped error and leaves nothing for the marker to commit', async () => {
    const h = await createHarness();
    h.log.failWith = Object.assign(new Error('not leader'), { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(errorsOf(await h.coordinator.commitTransactionalOffsets(txnCommit('g', 8, { t: [[0, 10n]] })))).toEqual([ErrorCode.NOT_COORDINATOR]);
    h.log.failWith = null;
    expect(await stable(h.coordinator, 'g', 't', [0])).toEqual(['-1/0']);
    await endTxn(h, 8, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual([]);
  });

  it('a group holding only uncommitted offsets survives the expiry purge until its transaction aborts', async () => {
    const h = await createHarness({ config: { offsetsRetentionMs: 1000 } });
    await h.coordinator.commitTransactionalOffsets(txnCommit('only-txn', 2, { t: [[0, 10n]] }));
    await h.advance(5000);
    await h.coordinator.expireOffsets();
    expect((await h.coordinator.describeGroups(['only-txn']))[0]).toMatchObject({ groupState: 'Empty' });
    await endTxn(h, 2, ['only-txn'], false);
    await h.coordinator.expireOffsets();
    expect((await h.coordinator.describeGroups(['only-txn']))[0]).toMatchObject({ groupState: 'Dead' });
  });

  it('deleting a group drops its uncommitted offsets: a later COMMIT brings nothing back', async () => {
    const h = await createHarness();
    await h.coordinator.commitTransactionalOffsets(txnCommit('doomed', 3, { t: [[0, 10n]] }));
    expect((await h.coordinator.deleteGroups(['doomed'])).results).toEqual([{ groupId: 'doomed', errorCode: ErrorCode.NONE }]);
    await endTxn(h, 3, ['doomed'], true);
    expect(await committed(h.coordinator, 'doomed')).toEqual([]);
  });
});

describe('replaying transactional offset commits', () => {
  const value = (offset: bigint) => encodeOffsetCommitValue({ offset, leaderEpoch: -1, metadata: '', commitTimestamp: START_MS, expireTimestamp: null });
  const offsetRecord = (groupId: string, partition: number, offset: bigint | null) => ({
    key: encodeOffsetCommitKey(groupId, 't', partition),
    value: offset === null ? null : value(offset),
  });

  it('counts a transaction once its COMMIT marker follows, drops an aborted one, and keeps one without a marker pending', async () => {
    const h = await createHarness();
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 1, { t: [[0, 10n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 2, { t: [[1, 20n]] }));
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 3, { t: [[2, 30n]] }));
    const p = h.coordinator.partitionFor('g');
    h.log.writeMarker(p, 1, true);
    h.log.writeMarker(p, 2, false);

    const reloaded = await createHarness({ log: h.log });
    expect(await committed(reloaded.coordinator, 'g')).toEqual(['t-0=10']);
    expect(await stable(reloaded.coordinator, 'g', 't', [1, 2])).toEqual(['-1/0', `-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`]);
    // The transaction still open in the log ends later, on this coordinator.
    await endTxn(reloaded, 3, ['g'], true);
    expect(await committed(reloaded.coordinator, 'g')).toEqual(['t-0=10', 't-2=30']);
  });

  it('orders commits by their place in the log, as live, and creates groups that only have transactional offsets', async () => {
    const log = new InMemoryCoordinatorLog();
    const h = await createHarness({ log, load: false });
    const p = h.coordinator.partitionFor('g');
    const other = Array.from({ length: 50 }, (_, i) => `txn-only-${i}`).find((id) => h.coordinator.partitionFor(id) === p)!;
    log.inject(p, [offsetRecord('g', 1, 1n)]);
    log.inject(p, [offsetRecord('g', 0, 10n), offsetRecord('g', 1, 11n), offsetRecord(other, 0, 5n)], 77);
    log.inject(p, [offsetRecord('g', 0, 20n)]);
    log.inject(p, [offsetRecord('g', 2, 12n)], 78);
    log.writeMarker(p, 77, true);
    // A tombstone in the open transaction 78 removes its own pending offset only.
    log.inject(p, [offsetRecord('g', 2, null)], 78);
    log.inject(p, [{ key: encodeGroupMetadataKey('unrelated'), value: null }]);
    await h.coordinator.loadPartition(p);

    expect((await committed(h.coordinator, 'g')).sort()).toEqual(['t-0=20', 't-1=11']);
    expect(await committed(h.coordinator, other)).toEqual(['t-0=5']);
    expect(await stable(h.coordinator, 'g', 't', [2])).toEqual(['-1/0']);
    expect((await h.coordinator.listGroups()).groups.map((g) => g.groupId).sort()).toEqual(['g', other].sort());
  });

  it('a group whose only offsets are in an open transaction is loaded, and its offsets count after the COMMIT', async () => {
    const h = await createHarness();
    await h.coordinator.commitTransactionalOffsets(txnCommit('pending-only', 12, { t: [[0, 10n]] }));
    const reloaded = await createHarness({ log: h.log });
    expect((await reloaded.coordinator.describeGroups(['pending-only']))[0]).toMatchObject({ groupState: 'Empty' });
    expect(await stable(reloaded.coordinator, 'pending-only', 't', [0])).toEqual([`-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`]);
    // Later commits get positions after the replayed ones: a new plain commit wins over the old transaction.
    await reloaded.coordinator.commitOffsets(plainCommit('pending-only', { t: [[0, 50n]] }));
    await endTxn(reloaded, 12, ['pending-only'], true);
    expect(await committed(reloaded.coordinator, 'pending-only')).toEqual(['t-0=50']);
  });

  it('unloading forgets open transactions; loading again restores them from the log', async () => {
    const h = await createHarness();
    await h.coordinator.commitTransactionalOffsets(txnCommit('g', 21, { t: [[0, 10n]] }));
    const p = h.coordinator.partitionFor('g');
    h.coordinator.unloadPartition(p);
    await h.coordinator.completeTransaction(21, [p], false);
    await h.coordinator.loadPartition(p);
    expect(await stable(h.coordinator, 'g', 't', [0])).toEqual([`-1/${ErrorCode.UNSTABLE_OFFSET_COMMIT}`]);
    await endTxn(h, 21, ['g'], true);
    expect(await committed(h.coordinator, 'g')).toEqual(['t-0=10']);
  });

  it('a transaction completed while its partition is still loading is applied once the load finishes', async () => {
    const inner = new InMemoryCoordinatorLog();
    const writer = await createHarness({ log: inner, config: { offsetsTopicNumPartitions: 1 } });
    await writer.coordinator.commitTransactionalOffsets(txnCommit('g', 31, { t: [[0, 10n]] }));

    let releaseRead!: () => void;
    const gate = new Promise<void>((resolve) => (releaseRead = resolve));
    const slowLog: CoordinatorLog = {
      append: (p, r, producer) => inner.append(p, r, producer),
      async *readAll(p): AsyncIterable<CoordinatorLogEntry> {
        await gate;
        yield* inner.readAll(p);
      },
    };
    const coordinator = new GroupCoordinator({ log: slowLog, scheduler: new ManualScheduler(START_MS), config: { offsetsTopicNumPartitions: 1 } });
    const loading = coordinator.loadPartition(0);
    // The marker lands after the replay took its view of the log: only the completion can apply it.
    let completed = false;
    const completion = coordinator.completeTransaction(31, [0], true).then(() => (completed = true));
    await flush();
    expect(completed).toBe(false);
    releaseRead();
    await Promise.all([loading, completion]);
    expect(await committed(coordinator, 'g')).toEqual(['t-0=10']);
    coordinator.onClose();
  });
});
