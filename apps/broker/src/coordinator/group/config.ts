import { GroupCoordinatorError } from './errors.js';

/** The broker settings the group coordinator reads; defaults are Apache Kafka's. */
export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms: shortest session a member may ask for. */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms: longest session a member may ask for. */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.max.size: members a classic group may hold. */
  readonly groupMaxSize: number;
  /** offset.metadata.max.bytes: longest metadata string a commit may carry (counted in UTF-16 units, as Java's String.length). */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets. */
  readonly offsetsTopicNumPartitions: number;
  /** offsets.retention.minutes, in ms: how long committed offsets outlive their group's activity. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are purged. */
  readonly offsetsRetentionCheckIntervalMs: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = Object.freeze({
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 2_147_483_647,
  offsetMetadataMaxBytes: 4_096,
  offsetsTopicNumPartitions: 50,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
});

/** Kafka property name for each setting, so the broker can map server.properties without guessing. */
export const GROUP_COORDINATOR_CONFIG_KEYS = {
  groupMinSessionTimeoutMs: 'group.min.session.timeout.ms',
  groupMaxSessionTimeoutMs: 'group.max.session.timeout.ms',
  groupInitialRebalanceDelayMs: 'group.initial.rebalance.delay.ms',
  groupMaxSize: 'group.max.size',
  offsetMetadataMaxBytes: 'offset.metadata.max.bytes',
  offsetsTopicNumPartitions: 'offsets.topic.num.partitions',
  offsetsRetentionMs: 'offsets.retention.minutes',
  offsetsRetentionCheckIntervalMs: 'offsets.retention.check.interval.ms',
} as const satisfies Record<keyof GroupCoordinatorConfig, string>;

/** Fills in Kafka's defaults and rejects values Kafka's config validation would reject. */
export function resolveGroupCoordinatorConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  const c: GroupCoordinatorConfig = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...overrides };
  const need = (ok: boolean, key: keyof GroupCoordinatorConfig, rule: string) => {
    if (!ok) {
      throw new GroupCoordinatorError('INVALID_CONFIG', `${GROUP_COORDINATOR_CONFIG_KEYS[key]} ${rule}, got ${c[key]}`);
    }
  };
  const int = (v: number) => Number.isSafeInteger(v);
  need(int(c.groupMinSessionTimeoutMs) && c.groupMinSessionTimeoutMs >= 0, 'groupMinSessionTimeoutMs', 'must be >= 0');
  need(
    int(c.groupMaxSessionTimeoutMs) && c.groupMaxSessionTimeoutMs >= c.groupMinSessionTimeoutMs,
    'groupMaxSessionTimeoutMs',
    'must be >= group.min.session.timeout.ms',
  );
  need(int(c.groupInitialRebalanceDelayMs) && c.groupInitialRebalanceDelayMs >= 0, 'groupInitialRebalanceDelayMs', 'must be >= 0');
  need(int(c.groupMaxSize) && c.groupMaxSize >= 1, 'groupMaxSize', 'must be >= 1');
  need(int(c.offsetMetadataMaxBytes) && c.offsetMetadataMaxBytes >= 0, 'offsetMetadataMaxBytes', 'must be >= 0');
  need(int(c.offsetsTopicNumPartitions) && c.offsetsTopicNumPartitions >= 1, 'offsetsTopicNumPartitions', 'must be >= 1');
  need(int(c.offsetsRetentionMs) && c.offsetsRetentionMs >= 1, 'offsetsRetentionMs', 'must be >= 1');
  need(
    int(c.offsetsRetentionCheckIntervalMs) && c.offsetsRetentionCheckIntervalMs >= 1,
    'offsetsRetentionCheckIntervalMs',
    'must be >= 1',
  );
  return Object.freeze(c);
}
