import { parseLogConfig, type LogConfig, type LogManager } from '@tributary/storage';
import type { Logger } from 'pino';
import { AdminError, toAdminError } from './admin-error.js';
import { KeyedLock } from './keyed-lock.js';
import type { MetadataStore, TopicMetadata } from './metadata-store.js';
import type { TopicLogConfigs } from './topic-log-configs.js';
import { collisionKey, INTERNAL_TOPICS, topicNameProblem } from './topic-names.js';

/** Where a topic's broker-level defaults come from (static log.* keys plus dynamic broker configs). */
export interface TopicDefaultsSource {
  /** The LogConfig every topic starts from before its own overrides. */
  defaultLogConfig(): LogConfig;
}

/** A topic to create, as CreateTopics (or Metadata auto-creation) asks for it. */
export interface NewTopicSpec {
  readonly name: string;
  /** Number of partitions; -1 or absent: num.partitions. */
  readonly numPartitions?: number;
  /** Replicas per partition; -1 or absent: default.replication.factor. */
  readonly replicationFactor?: number;
  /**
   * Explicit replica lists by partition index (CreateTopics' assignments). Cannot be combined with
   * numPartitions or replicationFactor, as in Kafka.
   */
  readonly assignments?: ReadonlyArray<{ readonly partitionIndex: number; readonly brokerIds: readonly number[] }>;
  /** Topic config overrides (topic-level keys); a null value is refused with INVALID_REQUEST, as Kafka does. */
  readonly configs?: Readonly<Record<string, string | null>>;
}

/** A created (or, with validateOnly, validated) topic. */
export interface CreatedTopic {
  readonly name: string;
  /** The new topic id; all zero when only validated. */
  readonly topicId: Buffer;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** The topic's config overrides as stored. */
  readonly overrides: Readonly<Record<string, string>>;
  /** Its effective log config (defaults + overrides). */
  readonly logConfig: LogConfig;
}

/** One topic's outcome in a batch (CreateTopics / DeleteTopics / CreatePartitions). */
export type TopicOutcome<T> = { readonly name: string; readonly ok: true; readonly value: T } | { readonly name: string; readonly ok: false; readonly error: AdminError };

/** A topic to delete, by name or (DeleteTopics v6) by id. */
export interface TopicRef {
  readonly name?: string | null;
  readonly topicId?: Uint8Array | null;
}

export interface DeletedTopic {
  readonly name: string | null;
  readonly topicId: Buffer;
}

export type DeleteOutcome = { readonly ok: true; readonly value: DeletedTopic } | { readonly ok: false; readonly name: string | null; readonly topicId: Buffer; readonly error: AdminError };

export interface TopicManagerOptions {
  readonly metadata: MetadataStore;
  readonly logManager: LogManager;
  readonly nodeId: number;
  readonly logger: Logger;
  /** num.partitions */
  readonly defaultNumPartitions: number;
  /** default.replication.factor */
  readonly defaultReplicationFactor: number;
  /** delete.topic.enable */
  readonly deleteTopicEnable: boolean;
  /** Broker-level topic defaults; they may change at runtime (dynamic broker configs). */
  readonly defaults: TopicDefaultsSource;
  /** The in-memory per-topic configs the LogManager reads when it opens a log; kept in step. */
  readonly topicLogConfigs?: TopicLogConfigs;
}

/** Largest partition count one request may create: each partition is a directory and open files. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const ZERO_UUID = Buffer.alloc(16);
/** KRaft's metadata log: a name Kafka reserves, so no client may create it. */
const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/**
 * The admin plane's topic lifecycle on a single node (Kafka's ZkAdminManager / the KRaft
 * controller's ReplicationControlManager, reduced to one broker): creates topics (metadata entry
 * first, then the partition logs with the topic's effective config), deletes them (metadata first,
 * then the LogManager's rename-and-remove), adds partitions, replaces topic config overrides and
 * applies them live, and on start makes the logs on disk match the metadata store.
 *
 * Every method throws AdminError (Kafka error name + message); the batch methods return one outcome
 * per topic instead, so a bad topic never fails the rest of a request.
 */
export class TopicManager {
  private readonly metadata: MetadataStore;
  private readonly logs: LogManager;
  private readonly log: Logger;
  private readonly lock = new KeyedLock();

  constructor(private readonly opts: TopicManagerOptions) {
    this.metadata = opts.metadata;
    this.logs = opts.logManager;
    this.log = opts.logger;
  }

  get nodeId(): number {
    return this.opts.nodeId;
  }

  // ------------------------------------------------------------------ start-up

  /**
   * Makes the logs on disk match the metadata store: creates the logs of partitions this node holds
   * that have none (a directory lost or never created because of a crash between the two steps of
   * a create), deletes logs of topics or partitions the store no longer has (a crash between the
   * two steps of a delete), and gives every log its effective config.
   */
  async start(): Promise<{ created: number; deleted: number }> {
    this.logs.updateDefaultConfig(this.opts.defaults.defaultLogConfig());
    const topics = new Map((await this.metadata.listTopics()).map((t) => [t.name, t]));
    let deleted = 0;
    for (const l of this.logs.allLogs()) {
      const { topic, partition } = l.topicPartition;
      const meta = topics.get(topic);
      if (meta && meta.partitions[partition]?.replicas.includes(this.nodeId)) continue;
      this.log.warn({ topic, partition }, 'deleting a partition log the metadata store does not know (left by an interrupted topic deletion)');
      await this.logs.deleteLog(topic, partition);
      deleted++;
    }
    let created = 0;
    const offline = this.logs.offlineLogDirs;
    for (const meta of topics.values()) {
      const config = this.effectiveConfig(meta.configs);
      for (const p of meta.partitions) {
        if (!p.replicas.includes(this.nodeId)) continue;
        const existing = this.logs.getLog(meta.name, p.partition);
        if (existing) {
          existing.updateConfig(config);
          continue;
        }
        if (offline.length > 0) {
          // The partition may live in the failed dir: creating an empty log elsewhere would hide its data.
          this.log.error({ topic: meta.name, partition: p.partition, offline }, 'partition log not found while a log dir is offline; leaving it offline');
          continue;
        }
        this.log.warn({ topic: meta.name, partition: p.partition }, 'recreating a missing partition log');
        await this.logs.getOrCreateLog(meta.name, p.partition, config);
        created++;
      }
    }
    return { created, deleted };
  }

  // ------------------------------------------------------------------ queries

  listTopics(): Promise<TopicMetadata[]> {
    return this.metadata.listTopics();
  }

  getTopic(name: string): Promise<TopicMetadata | undefined> {
    return this.metadata.getTopic(name);
  }

  /** The topic's metadata, or UNKNOWN_TOPIC_OR_PARTITION. */
  async requireTopic(name: string): Promise<TopicMetadata> {
    const topic = await this.metadata.getTopic(name);
    if (!topic) throw new AdminError('UNKNOWN_TOPIC_OR_PARTITION', `The topic '${name}' does not exist.`);
    return topic;
  }

  /** Broker defaults with the given overrides on top; overrides are trusted (validated when stored). */
  effectiveConfig(overrides: Readonly<Record<string, string>>): LogConfig {
    const defaults = this.opts.defaults.defaultLogConfig();
    try {
      return parseLogConfig(overrides, defaults, { ignoreUnknown: true });
    } catch (err) {
      this.log.error({ err, overrides }, 'stored topic configs are invalid; using the broker defaults');
      return defaults;
    }
  }

  /**
   * Checks topic config overrides the way Kafka's LogConfig.validate does: every key must be a
   * topic config and every value valid (INVALID_CONFIG naming the key and the reason).
   */
  validateConfigs(overrides: Readonly<Record<string, string>>): LogConfig {
    try {
      return parseLogConfig(overrides, this.opts.defaults.defaultLogConfig());
    } catch (err) {
      throw toAdminError(err);
    }
  }

  // ------------------------------------------------------------------ create

  /** Creates (or with validateOnly, only validates) one topic; throws AdminError. */
  async createTopic(spec: NewTopicSpec, options: { validateOnly?: boolean } = {}): Promise<CreatedTopic> {
    const plan = await this.planCreate(spec);
    if (options.validateOnly) {
      return {
        name: plan.name,
        topicId: ZERO_UUID,
        numPartitions: plan.assignments.length,
        replicationFactor: plan.assignments[0]!.length,
        overrides: plan.overrides,
        logConfig: plan.logConfig,
      };
    }
    return this.lock.run(spec.name, () => this.commitCreate(plan));
  }

  /**
   * CreateTopics: each topic independently; a name given more than once is refused for every
   * occurrence (INVALID_REQUEST "Found multiple entries for this topic.", as Kafka).
   */
  async createTopics(specs: readonly NewTopicSpec[], options: { validateOnly?: boolean } = {}): Promise<TopicOutcome<CreatedTopic>[]> {
    const counts = countBy(specs.map((s) => s.name));
    return Promise.all(
      specs.map(async (spec): Promise<TopicOutcome<CreatedTopic>> => {
        if (counts.get(spec.name)! > 1) {
          return { name: spec.name, ok: false, error: new AdminError('INVALID_REQUEST', 'Found multiple entries for this topic.') };
        }
        try {
          return { name: spec.name, ok: true, value: await this.createTopic(spec, options) };
        } catch (err) {
          return { name: spec.name, ok: false, error: this.reported(err, 'create topic', spec.name) };
        }
      }),
    );
  }

  private async planCreate(spec: NewTopicSpec): Promise<{ name: string; assignments: number[][]; overrides: Record<string, string>; logConfig: LogConfig }> {
    const { name } = spec;
    if (name === CLUSTER_METADATA_TOPIC) throw new AdminError('INVALID_REQUEST', `Creation of internal topic ${name} is prohibited.`);
    const problem = topicNameProblem(name);
    if (problem) throw new AdminError('INVALID_TOPIC_EXCEPTION', problem);
    if (await this.metadata.getTopic(name)) throw new AdminError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
    const key = collisionKey(name);
    for (const existing of await this.metadata.listTopics()) {
      if (collisionKey(existing.name) === key) {
        throw new AdminError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic: ${existing.name}`);
      }
    }
    const rawConfigs = spec.configs ?? {};
    const nullConfigs = Object.entries(rawConfigs).filter(([, v]) => v === null).map(([k]) => k);
    if (nullConfigs.length > 0) throw new AdminError('INVALID_REQUEST', `Null value not supported for topic configs : ${nullConfigs.join(',')}`);
    const overrides = rawConfigs as Record<string, string>;
    const numPartitions = spec.numPartitions ?? -1;
    const replicationFactor = spec.replicationFactor ?? -1;
    const explicit = spec.assignments ?? [];
    if (explicit.length > 0 && (numPartitions !== -1 || replicationFactor !== -1)) {
      throw new AdminError(
        'INVALID_REQUEST',
        'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      );
    }
    const assignments = explicit.length > 0 ? this.explicitAssignments(explicit) : this.assign(numPartitions, replicationFactor);
    const logConfig = this.validateConfigs(overrides);
    return { name, assignments, overrides: { ...overrides }, logConfig };
  }

  /** Kafka's assignReplicasToBrokers on a cluster of one: every replica on this node. */
  private assign(requestedPartitions: number, requestedReplicationFactor: number): number[][] {
    const partitions = requestedPartitions === -1 ? this.opts.defaultNumPartitions : requestedPartitions;
    const rf = requestedReplicationFactor === -1 ? this.opts.defaultReplicationFactor : requestedReplicationFactor;
    checkPartitionCount(partitions);
    if (!Number.isInteger(rf) || rf <= 0) throw new AdminError('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0.');
    if (rf > 1) {
      throw new AdminError(
        'INVALID_REPLICATION_FACTOR',
        `Replication factor: ${rf} larger than available brokers: 1. This is a single-node broker (node ${this.nodeId}); use replication factor 1 or -1 for the default.`,
      );
    }
    return Array.from({ length: partitions }, () => [this.nodeId]);
  }

  /** Explicit assignments are accepted only when they name this node alone, partitions 0..n-1. */
  private explicitAssignments(explicit: NonNullable<NewTopicSpec['assignments']>): number[][] {
    checkPartitionCount(explicit.length);
    const byIndex = new Map<number, readonly number[]>();
    for (const a of explicit) byIndex.set(a.partitionIndex, a.brokerIds);
    if (byIndex.size !== explicit.length || [...byIndex.keys()].some((i) => i < 0 || i >= explicit.length)) {
      throw new AdminError('INVALID_REPLICA_ASSIGNMENT', 'partitions should be a consecutive 0-based integer sequence');
    }
    const assignments = Array.from({ length: explicit.length }, (_, i) => [...byIndex.get(i)!]);
    this.checkReplicaLists(assignments);
    return assignments;
  }

  private checkReplicaLists(assignments: readonly (readonly number[])[]): void {
    for (const [i, replicas] of assignments.entries()) {
      if (replicas.length === 0) throw new AdminError('INVALID_REPLICA_ASSIGNMENT', `Partition ${i} has no replicas.`);
      if (new Set(replicas).size !== replicas.length) {
        throw new AdminError('INVALID_REPLICA_ASSIGNMENT', `Duplicate replica assignment found: ${replicas.join(', ')}`);
      }
    }
    const unknown = [...new Set(assignments.flat())].filter((b) => b !== this.nodeId);
    if (unknown.length > 0) {
      throw new AdminError(
        'INVALID_REPLICA_ASSIGNMENT',
        `Unknown broker(s) in replica assignment: ${unknown.join(', ')}. This is a single-node broker: replicas can only be assigned to node ${this.nodeId}.`,
      );
    }
  }

  private async commitCreate(plan: { name: string; assignments: number[][]; overrides: Record<string, string>; logConfig: LogConfig }): Promise<CreatedTopic> {
    let topic: TopicMetadata;
    try {
      topic = await this.metadata.createTopic({ name: plan.name, assignments: plan.assignments, configs: plan.overrides });
    } catch (err) {
      throw toAdminError(err);
    }
    try {
      for (const p of topic.partitions) {
        if (p.replicas.includes(this.nodeId)) await this.logs.getOrCreateLog(topic.name, p.partition, plan.logConfig);
      }
    } catch (err) {
      // A topic whose logs cannot be created would be offline from birth: undo it and say why.
      this.log.error({ err, topic: topic.name }, 'creating the partition logs failed; removing the topic again');
      await this.metadata.deleteTopic(topic.name).catch(() => undefined);
      await this.deleteLogsOf(topic.name);
      throw toAdminError(err);
    }
    this.log.info({ topic: topic.name, partitions: topic.partitions.length, configs: plan.overrides }, 'topic created');
    return {
      name: topic.name,
      topicId: topic.topicId,
      numPartitions: topic.partitions.length,
      replicationFactor: plan.assignments[0]!.length,
      overrides: topic.configs,
      logConfig: plan.logConfig,
    };
  }

  // ------------------------------------------------------------------ delete

  /** Deletes one topic by name; throws AdminError. */
  async deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.opts.deleteTopicEnable) throw new AdminError('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled.');
    if (INTERNAL_TOPICS.has(name)) {
      throw new AdminError('INVALID_REQUEST', `Topic ${name} is a kafka internal topic and is not allowed to be marked for deletion.`);
    }
    return this.lock.run(name, async () => {
      let topic: TopicMetadata;
      try {
        topic = await this.metadata.deleteTopic(name);
      } catch (err) {
        throw toAdminError(err);
      }
      // The metadata is gone, so the topic is deleted whatever happens to its files; a log left
      // behind here is removed by start() on the next restart.
      await this.deleteLogsOf(name);
      this.log.info({ topic: name }, 'topic deleted');
      return topic;
    });
  }

  /**
   * DeleteTopics: by name or by id, each independently. Kafka's request checks first: a name given
   * twice, an id given twice, a name and an id together, or neither, are INVALID_REQUEST.
   */
  async deleteTopics(refs: readonly TopicRef[]): Promise<DeleteOutcome[]> {
    if (!this.opts.deleteTopicEnable) {
      // Kafka refuses the whole request before looking at any topic.
      const error = new AdminError('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled.');
      return refs.map((r) => ({ ok: false, name: r.name ?? null, topicId: isZero(r.topicId) ? ZERO_UUID : Buffer.from(r.topicId!), error }));
    }
    const nameCounts = countBy(refs.filter((r) => r.name != null && isZero(r.topicId)).map((r) => r.name!));
    const idCounts = countBy(refs.filter((r) => r.name == null && !isZero(r.topicId)).map((r) => Buffer.from(r.topicId!).toString('hex')));
    return Promise.all(
      refs.map(async (ref): Promise<DeleteOutcome> => {
        const id = isZero(ref.topicId) ? ZERO_UUID : Buffer.from(ref.topicId!);
        const name = ref.name ?? null;
        const fail = (error: AdminError, n: string | null = name): DeleteOutcome => ({ ok: false, name: n, topicId: id, error });
        if (name !== null && !isZero(ref.topicId)) return fail(new AdminError('INVALID_REQUEST', 'You may not specify both topic name and topic id.'));
        if (name === null && isZero(ref.topicId)) return fail(new AdminError('INVALID_REQUEST', 'Neither topic name nor id were specified.'));
        if (name !== null && nameCounts.get(name)! > 1) return fail(new AdminError('INVALID_REQUEST', 'Duplicate topic name.'));
        if (name === null && idCounts.get(id.toString('hex'))! > 1) return fail(new AdminError('INVALID_REQUEST', 'Duplicate topic id.'));
        let resolved = name;
        if (resolved === null) {
          const topic = await this.metadata.getTopicById(id);
          if (!topic) return fail(new AdminError('UNKNOWN_TOPIC_ID', 'This server does not host this topic ID.'));
          resolved = topic.name;
        }
        try {
          const deleted = await this.deleteTopic(resolved);
          return { ok: true, value: { name: deleted.name, topicId: deleted.topicId } };
        } catch (err) {
          return fail(this.reported(err, 'delete topic', resolved), resolved);
        }
      }),
    );
  }

  private async deleteLogsOf(name: string): Promise<void> {
    for (const l of this.logs.allLogs()) {
      if (l.topicPartition.topic !== name) continue;
      try {
        await this.logs.deleteLog(name, l.topicPartition.partition);
      } catch (err) {
        this.log.error({ err, topic: name, partition: l.topicPartition.partition }, 'deleting a partition log failed; it is removed on the next start');
      }
    }
  }

  // ------------------------------------------------------------------ partitions

  /**
   * CreatePartitions: raises the topic's partition count to `count`, with explicit replica lists
   * for the new partitions when given (refused unless they name only this node).
   */
  async createPartitions(
    name: string,
    count: number,
    assignments: readonly (readonly number[])[] | null,
    options: { validateOnly?: boolean } = {},
  ): Promise<TopicMetadata> {
    const plan = async (): Promise<{ topic: TopicMetadata; added: number[][] }> => {
      const topic = await this.requireTopic(name);
      const old = topic.partitions.length;
      if (count < old) throw new AdminError('INVALID_PARTITIONS', `Topic currently has ${old} partitions, which is higher than the requested ${count}.`);
      if (count === old) throw new AdminError('INVALID_PARTITIONS', `Topic already has ${old} partitions.`);
      checkPartitionCount(count - old);
      let added: number[][];
      if (assignments) {
        const unknown = [...new Set(assignments.flat())].filter((b) => b !== this.nodeId);
        if (unknown.length > 0) {
          throw new AdminError(
            'INVALID_REPLICA_ASSIGNMENT',
            `Unknown broker(s) in replica assignment: ${unknown.join(', ')}. This is a single-node broker: replicas can only be assigned to node ${this.nodeId}.`,
          );
        }
        if (assignments.length !== count - old) {
          throw new AdminError('INVALID_REPLICA_ASSIGNMENT', `Increasing the number of partitions by ${count - old} but ${assignments.length} assignments provided.`);
        }
        added = assignments.map((r) => [...r]);
        this.checkReplicaLists(added);
        const rf = topic.partitions[0]?.replicas.length ?? 1;
        const mismatched = added.findIndex((r) => r.length !== rf);
        if (mismatched >= 0) {
          throw new AdminError(
            'INVALID_REPLICA_ASSIGNMENT',
            `Inconsistent replication factor between partitions, partition 0 has ${rf} while partition ${old + mismatched} has ${added[mismatched]!.length}.`,
          );
        }
      } else {
        const rf = topic.partitions[0]?.replicas.length ?? 1;
        added = Array.from({ length: count - old }, () => Array.from({ length: rf }, () => this.nodeId));
      }
      return { topic, added };
    };
    if (options.validateOnly) {
      const { topic, added } = await plan();
      return { ...topic, partitions: [...topic.partitions, ...added.map((replicas, i) => ({ partition: topic.partitions.length + i, replicas }))] };
    }
    return this.lock.run(name, async () => {
      const { topic, added } = await plan();
      let updated: TopicMetadata;
      try {
        updated = await this.metadata.addPartitions(name, added);
      } catch (err) {
        throw toAdminError(err);
      }
      const config = this.effectiveConfig(updated.configs);
      try {
        for (const p of updated.partitions.slice(topic.partitions.length)) {
          if (p.replicas.includes(this.nodeId)) await this.logs.getOrCreateLog(name, p.partition, config);
        }
      } catch (err) {
        // The partitions exist in metadata; start() creates their logs on the next restart.
        this.log.error({ err, topic: name }, 'creating logs for new partitions failed');
        throw toAdminError(err);
      }
      this.log.info({ topic: name, from: topic.partitions.length, to: updated.partitions.length }, 'partitions added');
      return updated;
    });
  }

  // ------------------------------------------------------------------ configs

  /**
   * Replaces the topic's whole set of config overrides (AlterConfigs semantics; the incremental
   * form computes the new set first) and applies the result to every partition log at once.
   */
  async replaceTopicConfigs(name: string, overrides: Readonly<Record<string, string>>, options: { validateOnly?: boolean } = {}): Promise<TopicMetadata> {
    const check = async () => {
      const topic = await this.requireTopic(name);
      const config = this.validateConfigs(overrides);
      return { topic, config };
    };
    if (options.validateOnly) return (await check()).topic;
    return this.lock.run(name, async () => {
      const { topic, config } = await check();
      const changes: Record<string, string | null> = {};
      for (const key of Object.keys(topic.configs)) if (!(key in overrides)) changes[key] = null;
      for (const [key, value] of Object.entries(overrides)) if (topic.configs[key] !== value) changes[key] = value;
      if (Object.keys(changes).length === 0) return topic;
      let updated: TopicMetadata;
      try {
        updated = await this.metadata.alterTopicConfigs(name, changes);
      } catch (err) {
        throw toAdminError(err);
      }
      this.logs.updateTopicConfig(name, config);
      this.log.info({ topic: name, configs: overrides }, 'topic configs updated');
      return updated;
    });
  }

  /**
   * The broker defaults changed (dynamic broker configs): every topic's effective config is
   * recomputed, the LogManager's default updated, and each log gets its new config.
   */
  async applyDefaultsChanged(): Promise<void> {
    const defaults = this.opts.defaults.defaultLogConfig();
    const list = await this.metadata.listTopics();
    this.opts.topicLogConfigs?.setDefaults(defaults, list);
    this.logs.updateDefaultConfig(defaults);
    const topics = new Map(list.map((t) => [t.name, t]));
    for (const l of this.logs.allLogs()) {
      const meta = topics.get(l.topicPartition.topic);
      l.updateConfig(meta ? this.effectiveConfig(meta.configs) : defaults);
    }
  }

  /** An AdminError for the client; unexpected errors are logged here, with their stack. */
  private reported(err: unknown, what: string, topic: string): AdminError {
    const e = toAdminError(err);
    if (e.code === 'UNKNOWN_SERVER_ERROR' || e.code === 'KAFKA_STORAGE_ERROR') this.log.error({ err, topic }, `${what} failed`);
    return e;
  }
}

function checkPartitionCount(n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new AdminError('INVALID_PARTITIONS', 'Number of partitions must be larger than 0.');
  if (n > MAX_PARTITIONS_PER_REQUEST) {
    throw new AdminError('INVALID_PARTITIONS', `Cannot create ${n} partitions in one request; the limit is ${MAX_PARTITIONS_PER_REQUEST}.`);
  }
}

function countBy(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function isZero(id: Uint8Array | null | undefined): boolean {
  return !id || id.every((b) => b === 0);
}
