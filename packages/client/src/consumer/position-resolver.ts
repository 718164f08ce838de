import type { Cluster } from '../cluster/cluster.js';
import { IllegalStateError } from '../errors.js';
import { fetchCommittedOffsets } from '../offsets/group-offsets.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../offsets/list-offsets.js';
import type { OffsetResetPolicy, PartitionState, SubscriptionState } from './subscription-state.js';
import { tpKey } from './types.js';

export interface PositionResolverOptions {
  /** The group whose committed offsets come first; null: straight to the reset policy. */
  groupId: string | null;
  readCommitted: boolean;
  /** auto.offset.reset, as it is now (subscribe({ fromBeginning }) may change it). */
  resetPolicy: () => OffsetResetPolicy;
  /** Runs after each lookup, e.g. to start fetching the partitions that got a position. */
  afterUpdate: () => void;
}

/**
 * Finds positions for partitions that need one (newly assigned, sought to an end, or out of range):
 * the group's committed offset first, else auto.offset.reset through ListOffsets (earliest or
 * latest; with read_committed, latest is the last stable offset). With policy "none" every
 * lookup fails, as Java's NoOffsetForPartitionException, until the application seeks.
 * One lookup runs at a time; a partition sought while its lookup was under way keeps the seek.
 */
export class PositionResolver {
  private running: Promise<void> | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    private readonly options: PositionResolverOptions,
  ) {}

  update(): Promise<void> {
    if (this.running) return this.running;
    // .finally runs after the assignment below even when nothing is pending, so a finished
    // lookup can never be left behind in `running` and swallow every later one.
    const run = this.resolveAllPending().finally(() => {
      if (this.running === run) this.running = null;
      this.options.afterUpdate();
    });
    this.running = run;
    return run;
  }

  private async resolveAllPending(): Promise<void> {
    for (;;) {
      const pending = this.subscriptions.all().filter((s) => s.resetPending !== null);
      if (pending.length === 0) return;
      await this.resolve(pending);
    }
  }

  private async resolve(pending: PartitionState[]): Promise<void> {
    const committed = pending.filter((s) => s.resetPending === 'committed');
    if (committed.length > 0) await this.fromCommitted(committed);
    const none = pending.filter((s) => s.resetPending === 'none');
    if (none.length > 0) {
      throw new IllegalStateError(`no committed offset for ${none.map((s) => `${s.topic}-${s.partition}`).join(', ')} and auto.offset.reset is none; seek first`);
    }
    const byPolicy = pending.filter((s) => s.resetPending === 'earliest' || s.resetPending === 'latest');
    if (byPolicy.length > 0) await this.fromPolicy(byPolicy);
  }

  private async fromCommitted(states: PartitionState[]): Promise<void> {
    const groupId = this.options.groupId;
    if (groupId === null) {
      for (const s of states) s.resetPending = this.options.resetPolicy();
      return;
    }
    const epochs = new Map(states.map((s) => [s, s.epoch]));
    const found = await fetchCommittedOffsets(
      this.cluster,
      groupId,
      states.map((s) => ({ topic: s.topic, partition: s.partition })),
      this.options.readCommitted,
    );
    for (const s of states) {
      if (s.epoch !== epochs.get(s) || s.resetPending !== 'committed') continue;
      const c = found.get(tpKey(s.topic, s.partition));
      if (c && c.offset >= 0n) s.seek(c.offset);
      else s.resetPending = this.options.resetPolicy();
    }
  }

  private async fromPolicy(states: PartitionState[]): Promise<void> {
    const epochs = new Map(states.map((s) => [s, s.epoch]));
    const found = await listOffsets(
      this.cluster,
      states.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.resetPending === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })),
      this.options.readCommitted,
    );
    for (const s of states) {
      if (s.epoch !== epochs.get(s)) continue;
      const o = found.get(tpKey(s.topic, s.partition));
      if (o) s.seek(o.offset);
    }
  }
}
