import type { JoinGroupProtocol, JoinGroupRequest, JoinGroupResult, SyncGroupResult } from '../api-types.js';
import type { GroupCoordinatorConfig } from '../config.js';
import { encodeConsumerProtocolSubscription } from '../consumer-protocol.js';
import { GroupCoordinator } from '../group-coordinator.js';
import { ManualScheduler } from '../scheduler.js';
import { InMemoryCoordinatorLog } from './in-memory-coordinator-log.js';

/**
 * Test scaffolding: a coordinator on a manual clock and an in-memory __consumer_offsets, with every
 * partition loaded, plus request builders with sensible defaults.
 */

/** Lets pending promise continuations (held requests being answered, appends resolving) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise whose settlement can be inspected synchronously: "is this request still held?" */
export interface Tracked<T> {
  readonly done: boolean;
  readonly value: T;
  readonly promise: Promise<T>;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  const tracked = promise.then((v) => {
    state.done = true;
    state.value = v;
    return v;
  });
  return {
    get done() {
      return state.done;
    },
    get value() {
      if (!state.done) throw new Error('request still held');
      return state.value as T;
    },
    promise: tracked,
  };
}

export const START_MS = 1_700_000_000_000;

export interface Harness {
  readonly coordinator: GroupCoordinator;
  readonly scheduler: ManualScheduler;
  readonly log: InMemoryCoordinatorLog;
  readonly errors: unknown[];
  /** Moves time and lets everything that became due run. */
  advance(ms: number): Promise<void>;
}

export const TEST_PARTITIONS = 4;

export async function createHarness(
  options: { config?: Partial<GroupCoordinatorConfig>; log?: InMemoryCoordinatorLog; scheduler?: ManualScheduler; load?: boolean } = {},
): Promise<Harness> {
  const scheduler = options.scheduler ?? new ManualScheduler(START_MS);
  const log = options.log ?? new InMemoryCoordinatorLog();
  const errors: unknown[] = [];
  const coordinator = new GroupCoordinator({
    log,
    scheduler,
    config: { groupInitialRebalanceDelayMs: 0, offsetsTopicNumPartitions: TEST_PARTITIONS, ...options.config },
    onError: (err) => errors.push(err),
  });
  if (options.load ?? true) {
    for (let p = 0; p < coordinator.config.offsetsTopicNumPartitions; p++) await coordinator.loadPartition(p);
  }
  return {
    coordinator,
    scheduler,
    log,
    errors,
    async advance(ms: number) {
      await flush();
      scheduler.advance(ms);
      await flush();
    },
  };
}

/** Consumer-protocol metadata subscribing to topics (optionally declaring owned partitions). */
export function subscription(topics: string[], owned: Array<{ topic: string; partitions: number[] }> = []): Buffer {
  return encodeConsumerProtocolSubscription({ version: 1, topics, ownedPartitions: owned });
}

export function protocols(...names: string[]): JoinGroupProtocol[] {
  return names.map((name) => ({ name, metadata: subscription(['orders']) }));
}

export function joinRequest(overrides: Partial<JoinGroupRequest> & { groupId: string }): JoinGroupRequest {
  return {
    apiVersion: 5,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: protocols('range'),
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...overrides,
  };
}

/**
 * A dynamic member's first join as a v4+ client does it: MEMBER_ID_REQUIRED, then the real join
 * with the id it was given. Returns the (possibly held) second JoinGroup.
 */
export async function joinNew(h: Harness, req: Partial<JoinGroupRequest> & { groupId: string }): Promise<Tracked<JoinGroupResult>> {
  const first = await h.coordinator.joinGroup(joinRequest(req));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  const second = track(h.coordinator.joinGroup(joinRequest({ ...req, memberId: first.memberId })));
  await flush();
  return second;
}

export interface StableMember {
  readonly memberId: string;
  readonly join: JoinGroupResult;
  readonly sync: SyncGroupResult;
}

/**
 * Forms a Stable group of the given members (joined in order; the first leads) and has the leader
 * assign `assignment(memberId, index)` to each. Returns the members in join order.
 */
export async function formStableGroup(
  h: Harness,
  groupId: string,
  members: Array<Partial<JoinGroupRequest>>,
  assignment: (index: number) => Buffer = (i) => Buffer.from(`assignment-${i}`),
): Promise<StableMember[]> {
  const joins: Array<Tracked<JoinGroupResult>> = [];
  for (const m of members) {
    if (m.groupInstanceId) {
      joins.push(track(h.coordinator.joinGroup(joinRequest({ groupId, ...m }))));
      await flush();
    } else {
      joins.push(await joinNew(h, { groupId, ...m }));
    }
  }
  await h.advance(0);
  const results = joins.map((j) => j.value);
  const leader = results[0]!;
  const generationId = leader.generationId;
  const syncs = results.map((r, i) =>
    track(
      h.coordinator.syncGroup({
        groupId,
        generationId,
        memberId: r.memberId,
        groupInstanceId: members[i]!.groupInstanceId ?? null,
        protocolType: null,
        protocolName: null,
        assignments: i === 0 ? results.map((x, j) => ({ memberId: x.memberId, assignment: assignment(j) })) : [],
      }),
    ),
  );
  await flush();
  return results.map((r, i) => ({ memberId: r.memberId, join: r, sync: syncs[i]!.value }));
}
