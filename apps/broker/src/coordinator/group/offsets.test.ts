import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { OffsetCommitRequest } from './api-types.js';
import { decodeCoordinatorKey } from './coordinator-records.js';
import { type Harness, createHarness, flush, formStableGroup, joinRequest, protocols, subscription, track } from './test-support/harness.js';

function commit(
  groupId: string,
  generationIdOrMemberEpoch: number,
  memberId: string,
  topics: Record<string, Array<[number, bigint, (string | null)?]>>,
  extra: Partial<OffsetCommitRequest> = {},
): OffsetCommitRequest {
  return {
    groupId,
    generationIdOrMemberEpoch,
    memberId,
    groupInstanceId: null,
    topics: Object.entries(topics).map(([name, ps]) => ({
      name,
      partitions: ps.map(([partitionIndex, committedOffset, committedMetadata]) => ({ partitionIndex, committedOffset, committedMetadata: committedMetadata ?? null, committedLeaderEpoch: 7 })),
    })),
    ...extra,
  };
}

const errorsOf = (r: { topics: ReadonlyArray<{ partitions: ReadonlyArray<{ errorCode: number }> }> }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

async function fetchAll(h: Harness, groupId: string) {
  const r = await h.coordinator.fetchOffsets({ groups: [{ groupId, topics: null }] });
  return r.groups[0]!.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset] as const));
}

describe('OffsetCommit', () => {
  it('accepts generation -1 commits for a group that does not exist yet (simple consumers), creating it Empty', async () => {
    const h = await createHarness();
    const r = await h.coordinator.commitOffsets(commit('simple', -1, '', { t: [[0, 10n, 'm']] }));
    expect(errorsOf(r)).toEqual([ErrorCode.NONE]);
    expect((await h.coordinator.describeGroups(['simple']))[0]!).toMatchObject({ groupState: 'Empty', protocolType: '' });
    const f = await h.coordinator.fetchOffsets({ groups: [{ groupId: 'simple', topics: [{ name: 't', partitionIndexes: [0] }] }] });
    expect(f.groups[0]!.topics[0]!.partitions[0]).toEqual({ partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 7, metadata: 'm', errorCode: 0 });
  });

  it('rejects a commit with a generation for a group that does not exist', async () => {
    const h = await createHarness();
    expect(errorsOf(await h.coordinator.commitOffsets(commit('ghost', 3, 'm', { t: [[0, 1n]] })))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
  });

  it('checks the member and generation against a group with members', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a' }]);
    const ok = await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, { t: [[0, 5n], [1, 6n]] }));
    expect(errorsOf(ok)).toEqual([0, 0]);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 0, a!.memberId, { t: [[0, 1n]] })))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 1, 'stranger', { t: [[0, 1n]] })))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // Outside group management while the group has members: refused.
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { t: [[0, 1n]] })))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await fetchAll(h, 'g')).toEqual([
      ['t', 0, 5n],
      ['t', 1, 6n],
    ]);
  });

  it('allows commits of the current generation while preparing a rebalance, refuses them while awaiting the assignment', async () => {
    const h = await createHarness();
    const [a, b] = await formStableGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: a!.memberId })));
    await flush();
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 1, b!.memberId, { t: [[0, 1n]] })))).toEqual([ErrorCode.NONE]);
    track(h.coordinator.joinGroup(joinRequest({ groupId: 'g', memberId: b!.memberId })));
    await flush();
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('CompletingRebalance');
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 2, b!.memberId, { t: [[0, 2n]] })))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  it('counts a commit as a sign of life for the member', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 10_000 }]);
    for (let i = 0; i < 3; i++) {
      await h.advance(9_000);
      expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, { t: [[0, BigInt(i)]] })))).toEqual([0]);
    }
    expect((await h.coordinator.describeGroups(['g']))[0]!.groupState).toBe('Stable');
  });

  it('refuses metadata longer than offset.metadata.max.bytes per partition and stores the rest', async () => {
    const h = await createHarness({ config: { offsetMetadataMaxBytes: 8 } });
    const r = await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 1n, '12345678'], [1, 2n, '123456789']] }));
    expect(errorsOf(r)).toEqual([ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(await fetchAll(h, 's')).toEqual([['t', 0, 1n]]);
    const none = await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[5, 1n, 'x'.repeat(9)]] }));
    expect(errorsOf(none)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  });

  it('defaults offset.metadata.max.bytes to 4096', async () => {
    const h = await createHarness();
    const r = await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 1n, 'x'.repeat(4096)], [1, 1n, 'x'.repeat(4097)]] }));
    expect(errorsOf(r)).toEqual([ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  });

  it('acknowledges a commit only after it was appended, and reports it unstable meanwhile', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 1n]] }));
    h.log.holdAppends = true;
    const pending = track(h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 2n]] })));
    await flush();
    expect(pending.done).toBe(false);
    expect(await fetchAll(h, 's')).toEqual([['t', 0, 1n]]);
    const stable = await h.coordinator.fetchOffsets({ groups: [{ groupId: 's', topics: [{ name: 't', partitionIndexes: [0] }] }], requireStable: true });
    expect(stable.groups[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    h.log.holdAppends = false;
    h.log.release();
    expect(errorsOf(await pending.promise)).toEqual([0]);
    expect(await fetchAll(h, 's')).toEqual([['t', 0, 2n]]);
  });

  it('maps a failed append the way Kafka does and leaves the committed offset untouched', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 1n]] }));
    const cases: Array<[unknown, number]> = [
      [{ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }, ErrorCode.NOT_COORDINATOR],
      [{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR }, ErrorCode.NOT_COORDINATOR],
      [{ code: ErrorCode.NOT_ENOUGH_REPLICAS }, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [{ errorCode: ErrorCode.RECORD_LIST_TOO_LARGE }, ErrorCode.INVALID_COMMIT_OFFSET_SIZE],
      [new Error('disk on fire'), ErrorCode.UNKNOWN_SERVER_ERROR],
    ];
    for (const [failure, expected] of cases) {
      h.log.failWith = failure;
      expect(errorsOf(await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 99n]] })))).toEqual([expected]);
    }
    h.log.failWith = null;
    expect(await fetchAll(h, 's')).toEqual([['t', 0, 1n]]);
  });

  it('writes offset commits as OffsetCommitKey v1 records', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[3, 1n]] }));
    const records = h.log.records(h.coordinator.partitionFor('s'));
    expect(records.map((r) => decodeCoordinatorKey(r.key))).toEqual([{ kind: 'offset', version: 1, group: 's', topic: 't', partition: 3 }]);
  });
});

describe('OffsetFetch', () => {
  it('returns every committed partition when topics is null, and -1 for partitions without a commit', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', { a: [[0, 1n, 'x'], [2, 3n]], b: [[1, 4n]] }));
    const all = await h.coordinator.fetchOffsets({ groups: [{ groupId: 's', topics: null }] });
    expect(all.groups[0]).toEqual({
      groupId: 's',
      errorCode: 0,
      topics: [
        {
          name: 'a',
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: 7, metadata: 'x', errorCode: 0 },
            { partitionIndex: 2, committedOffset: 3n, committedLeaderEpoch: 7, metadata: '', errorCode: 0 },
          ],
        },
        { name: 'b', partitions: [{ partitionIndex: 1, committedOffset: 4n, committedLeaderEpoch: 7, metadata: '', errorCode: 0 }] },
      ],
    });
    const some = await h.coordinator.fetchOffsets({ groups: [{ groupId: 's', topics: [{ name: 'a', partitionIndexes: [1, 2] }] }] });
    expect(some.groups[0]!.topics[0]!.partitions).toEqual([
      { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: 3n, committedLeaderEpoch: 7, metadata: '', errorCode: 0 },
    ]);
  });

  it('answers several groups at once (v8+), including unknown ones', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('one', -1, '', { t: [[0, 1n]] }));
    await h.coordinator.commitOffsets(commit('two', -1, '', { t: [[0, 2n]] }));
    const r = await h.coordinator.fetchOffsets({
      groups: [
        { groupId: 'one', topics: null },
        { groupId: 'two', topics: [{ name: 't', partitionIndexes: [0] }] },
        { groupId: 'unknown', topics: null },
      ],
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset))])).toEqual([
      ['one', 0, [1n]],
      ['two', 0, [2n]],
      ['unknown', 0, []],
    ]);
  });
});

describe('OffsetDelete', () => {
  it('deletes offsets of an Empty group with tombstones', async () => {
    const h = await createHarness();
    await h.coordinator.commitOffsets(commit('s', -1, '', { t: [[0, 1n], [1, 2n]] }));
    const r = await h.coordinator.deleteOffsets({ groupId: 's', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(r).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    expect(await fetchAll(h, 's')).toEqual([['t', 1, 2n]]);
    const last = h.log.records(h.coordinator.partitionFor('s')).at(-1)!;
    expect(last.value).toBeNull();
    expect(decodeCoordinatorKey(last.key)).toMatchObject({ kind: 'offset', topic: 't', partition: 0 });
  });

  it('refuses to delete offsets of topics a live consumer group subscribes to', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'g', [{ clientId: 'a', protocols: [{ name: 'range', metadata: subscription(['subscribed']) }] }]);
    await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, { subscribed: [[0, 1n]], old: [[0, 2n]] }));
    const r = await h.coordinator.deleteOffsets({
      groupId: 'g',
      topics: [
        { name: 'subscribed', partitions: [{ partitionIndex: 0 }] },
        { name: 'old', partitions: [{ partitionIndex: 0 }] },
      ],
    });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['subscribed', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['old', ErrorCode.NONE],
    ]);
    expect(await fetchAll(h, 'g')).toEqual([['subscribed', 0, 1n]]);
  });

  it('refuses a non-consumer group with members as a whole, and unknown groups', async () => {
    const h = await createHarness();
    const [a] = await formStableGroup(h, 'c', [{ clientId: 'a', protocolType: 'connect', protocols: protocols('default') }]);
    await h.coordinator.commitOffsets(commit('c', 1, a!.memberId, { t: [[0, 1n]] }));
    expect(await h.coordinator.deleteOffsets({ groupId: 'c', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })).toEqual({ errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
    expect((await h.coordinator.deleteOffsets({ groupId: 'nope', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
