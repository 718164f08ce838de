import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { writeFileAtomically } from './atomic-file.js';
import { randomKafkaUuid, uuidFromString, uuidToString } from './kafka-uuid.js';
import { MetadataError } from './metadata-error.js';
import type {
  BrokerRegistration,
  MetadataChange,
  MetadataStore,
  NewTopic,
  PartitionAssignment,
  ScramCredentialChange,
  ScramCredentialData,
  TopicMetadata,
} from './metadata-store.js';
import { decodeScramCredentials, encodeScramCredentials, isStoredScramCredentials, withScramChanges, type ScramCredentialMap, type StoredScramCredentials } from './scram-credential-records.js';
import { collisionKey, topicNameProblem } from './topic-names.js';

/** File name of the embedded store inside the (first) data directory. */
export const METADATA_FILE = 'tributary-metadata.json';
const FORMAT_VERSION = 1;

/** The file's JSON shape. Topic ids are Kafka's 22-character base64url form. */
interface StoredState {
  version: number;
  clusterId: string;
  nodeId: number;
  topics: Array<{ name: string; topicId: string; partitions: number[][]; configs: Record<string, string> }>;
  /** Dynamic broker configs by entity ('' = cluster default, else a node id); absent in older files. */
  brokerConfigs?: Record<string, Record<string, string>>;
  /** SCRAM credentials by user and mechanism (base64 salt and keys); absent in older files. */
  scramCredentials?: StoredScramCredentials;
}

export interface EmbeddedMetadataStoreOptions {
  /** Directory the file lives in (created if missing). */
  readonly dir: string;
  readonly nodeId: number;
  /** cluster.id from the config: must match a stored id; null generates one on first start. */
  readonly clusterId: string | null;
}

/**
 * The single-node MetadataStore: everything in memory, every change written to one JSON file
 * atomically (tmp + fsync + rename + fsync dir) before it becomes visible. Broker registrations are
 * not persisted: they describe running processes, so each broker registers again when it starts
 * (like the ephemeral broker nodes Kafka kept in ZooKeeper).
 */
export class EmbeddedMetadataStore implements MetadataStore {
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly topicsById = new Map<string, TopicMetadata>();
  private readonly brokers = new Map<number, BrokerRegistration>();
  private dynamicBrokerConfigs = new Map<string, Readonly<Record<string, string>>>();
  private scram: ScramCredentialMap = new Map();
  private readonly listeners = new Set<(change: MetadataChange) => void>();
  /** Mutations run one at a time, each persisted before the next starts. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly storedClusterId: string,
    private readonly nodeId: number,
  ) {}

  /**
   * Loads the store, or creates it on first start. Refuses (ConfigError) a data directory written
   * by another node or cluster, and (MetadataError KAFKA_STORAGE_ERROR) a file it cannot read.
   */
  static async open(opts: EmbeddedMetadataStoreOptions): Promise<EmbeddedMetadataStore> {
    const path = join(opts.dir, METADATA_FILE);
    await mkdir(opts.dir, { recursive: true });
    const stored = await readState(path);
    if (stored === undefined) {
      const clusterId = opts.clusterId ?? uuidToString(randomKafkaUuid());
      const store = new EmbeddedMetadataStore(path, clusterId, opts.nodeId);
      await store.persist(new Map());
      return store;
    }
    if (opts.clusterId !== null && opts.clusterId !== stored.clusterId) {
      throw new ConfigError([
        {
          key: 'cluster.id',
          message: `cluster.id '${opts.clusterId}' does not match the cluster id '${stored.clusterId}' stored in ${path}`,
        },
      ]);
    }
    if (stored.nodeId !== opts.nodeId) {
      throw new ConfigError([
        { key: 'node.id', message: `node.id ${opts.nodeId} does not match the node id ${stored.nodeId} stored in ${path}` },
      ]);
    }
    const store = new EmbeddedMetadataStore(path, stored.clusterId, opts.nodeId);
    for (const t of stored.topics) store.index(t);
    for (const [entity, configs] of Object.entries(stored.brokerConfigs ?? {})) {
      store.dynamicBrokerConfigs.set(entity, Object.freeze({ ...configs }));
    }
    store.scram = decodeScramCredentials(stored.scramCredentials ?? {});
    return store;
  }

  async clusterId(): Promise<string> {
    return this.storedClusterId;
  }

  async listTopics(): Promise<TopicMetadata[]> {
    return [...this.topics.values()];
  }

  async getTopic(name: string): Promise<TopicMetadata | undefined> {
    return this.topics.get(name);
  }

  async getTopicById(topicId: Uint8Array): Promise<TopicMetadata | undefined> {
    return this.topicsById.get(uuidToString(topicId));
  }

  createTopic(topic: NewTopic): Promise<TopicMetadata> {
    return this.mutate(() => {
      const problem = topicNameProblem(topic.name);
      if (problem) throw new MetadataError('INVALID_TOPIC_EXCEPTION', problem);
      if (this.topics.has(topic.name)) throw new MetadataError('TOPIC_ALREADY_EXISTS', `Topic '${topic.name}' already exists.`);
      const key = collisionKey(topic.name);
      for (const existing of this.topics.keys()) {
        if (collisionKey(existing) === key) {
          throw new MetadataError('INVALID_TOPIC_EXCEPTION', `Topic '${topic.name}' collides with existing topic: ${existing}`);
        }
      }
      if (topic.assignments.length === 0) throw new MetadataError('INVALID_PARTITIONS', 'Number of partitions must be larger than 0.');
      checkAssignments(topic.assignments, topic.assignments[0]!.length);
      const topicId = topic.topicId ?? randomKafkaUuid();
      if (this.topicsById.has(uuidToString(topicId))) {
        throw new MetadataError('INVALID_TOPIC_EXCEPTION', `Topic id ${uuidToString(topicId)} is already in use`);
      }
      const created = makeTopic(topic.name, topicId, topic.assignments, { ...(topic.configs ?? {}) });
      return { next: withTopic(this.topics, created), result: created, change: { type: 'topic-created', topic: created } };
    });
  }

  deleteTopic(name: string): Promise<TopicMetadata> {
    return this.mutate(() => {
      const topic = this.requireTopic(name);
      const next = new Map(this.topics);
      next.delete(name);
      return { next, result: topic, change: { type: 'topic-deleted', topic } };
    });
  }

  addPartitions(name: string, assignments: readonly (readonly number[])[]): Promise<TopicMetadata> {
    return this.mutate(() => {
      const topic = this.requireTopic(name);
      if (assignments.length === 0) {
        throw new MetadataError('INVALID_PARTITIONS', `Topic ${name} already has ${topic.partitions.length} partitions.`);
      }
      checkAssignments(assignments, topic.partitions[0]?.replicas.length ?? assignments[0]!.length);
      const all = [...topic.partitions.map((p) => p.replicas), ...assignments];
      const updated = makeTopic(name, topic.topicId, all, topic.configs);
      return {
        next: withTopic(this.topics, updated),
        result: updated,
        change: { type: 'partitions-added', topic: updated, previousCount: topic.partitions.length },
      };
    });
  }

  alterTopicConfigs(name: string, changes: Readonly<Record<string, string | null>>): Promise<TopicMetadata> {
    return this.mutate(() => {
      const topic = this.requireTopic(name);
      const configs: Record<string, string> = { ...topic.configs };
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete configs[k];
        else configs[k] = v;
      }
      const updated = makeTopic(name, topic.topicId, topic.partitions.map((p) => p.replicas), configs);
      return { next: withTopic(this.topics, updated), result: updated, change: { type: 'topic-configs-changed', topic: updated } };
    });
  }

  async brokerConfigs(entity: string): Promise<Readonly<Record<string, string>>> {
    return this.dynamicBrokerConfigs.get(entity) ?? {};
  }

  alterBrokerConfigs(entity: string, changes: Readonly<Record<string, string | null>>): Promise<Readonly<Record<string, string>>> {
    const run = async (): Promise<Readonly<Record<string, string>>> => {
      this.assertOpen();
      const configs: Record<string, string> = { ...(this.dynamicBrokerConfigs.get(entity) ?? {}) };
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete configs[k];
        else configs[k] = v;
      }
      const next = new Map(this.dynamicBrokerConfigs);
      const frozen = Object.freeze(configs);
      if (Object.keys(configs).length === 0) next.delete(entity);
      else next.set(entity, frozen);
      await this.persist(this.topics, next);
      this.dynamicBrokerConfigs = next;
      this.emit({ type: 'broker-configs-changed', entity, configs: frozen });
      return frozen;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async scramCredentials(): Promise<ReadonlyMap<string, ReadonlyMap<string, ScramCredentialData>>> {
    return this.scram;
  }

  alterScramCredentials(changes: readonly ScramCredentialChange[]): Promise<void> {
    const run = async (): Promise<void> => {
      this.assertOpen();
      const next = withScramChanges(this.scram, changes);
      await this.persist(this.topics, this.dynamicBrokerConfigs, next);
      this.scram = next;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async registerBroker(broker: BrokerRegistration): Promise<void> {
    this.assertOpen();
    const copy: BrokerRegistration = Object.freeze({
      nodeId: broker.nodeId,
      rack: broker.rack,
      endpoints: Object.freeze(broker.endpoints.map((e) => Object.freeze({ ...e }))),
    });
    this.brokers.set(broker.nodeId, copy);
    this.emit({ type: 'broker-registered', broker: copy });
  }

  async listBrokers(): Promise<BrokerRegistration[]> {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  subscribe(listener: (change: MetadataChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.listeners.clear();
  }

  /** Runs one change: compute the next topic map, persist it, then make it visible and notify. */
  private mutate<T>(
    compute: () => { next: Map<string, TopicMetadata>; result: T; change: MetadataChange },
  ): Promise<T> {
    const run = async (): Promise<T> => {
      this.assertOpen();
      const { next, result, change } = compute();
      await this.persist(next);
      this.topics.clear();
      this.topicsById.clear();
      for (const t of next.values()) {
        this.topics.set(t.name, t);
        this.topicsById.set(uuidToString(t.topicId), t);
      }
      this.emit(change);
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async persist(
    topics: ReadonlyMap<string, TopicMetadata>,
    brokerConfigs: ReadonlyMap<string, Readonly<Record<string, string>>> = this.dynamicBrokerConfigs,
    scram: ScramCredentialMap = this.scram,
  ): Promise<void> {
    const state: StoredState = {
      version: FORMAT_VERSION,
      clusterId: this.storedClusterId,
      nodeId: this.nodeId,
      topics: [...topics.values()].map((t) => ({
        name: t.name,
        topicId: uuidToString(t.topicId),
        partitions: t.partitions.map((p) => [...p.replicas]),
        configs: { ...t.configs },
      })),
      brokerConfigs: Object.fromEntries([...brokerConfigs].map(([entity, c]) => [entity, { ...c }])),
      scramCredentials: encodeScramCredentials(scram),
    };
    try {
      // Owner-only: the file holds SCRAM credentials (salted keys, never passwords).
      await writeFileAtomically(this.path, JSON.stringify(state, null, 2) + '\n', 0o600);
    } catch (err) {
      throw new MetadataError('KAFKA_STORAGE_ERROR', `writing ${this.path} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private index(t: StoredState['topics'][number]): void {
    const topic = makeTopic(t.name, uuidFromString(t.topicId)!, t.partitions, t.configs);
    this.topics.set(topic.name, topic);
    this.topicsById.set(t.topicId, topic);
  }

  private requireTopic(name: string): TopicMetadata {
    const topic = this.topics.get(name);
    if (!topic) throw new MetadataError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
    return topic;
  }

  private emit(change: MetadataChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure is its own; the change is committed and others must still hear of it.
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('metadata store is closed');
  }
}

function makeTopic(
  name: string,
  topicId: Buffer,
  assignments: readonly (readonly number[])[],
  configs: Record<string, string>,
): TopicMetadata {
  const partitions: PartitionAssignment[] = assignments.map((replicas, partition) =>
    Object.freeze({ partition, replicas: Object.freeze([...replicas]) }),
  );
  return Object.freeze({ name, topicId, partitions: Object.freeze(partitions), configs: Object.freeze({ ...configs }) });
}

function withTopic(topics: ReadonlyMap<string, TopicMetadata>, topic: TopicMetadata): Map<string, TopicMetadata> {
  const next = new Map(topics);
  next.set(topic.name, topic);
  return next;
}

/** Kafka's checks on a manual assignment: non-empty lists, no repeated node, same replication factor. */
function checkAssignments(assignments: readonly (readonly number[])[], replicationFactor: number): void {
  for (const [i, replicas] of assignments.entries()) {
    if (replicas.length === 0) throw new MetadataError('INVALID_REPLICA_ASSIGNMENT', `Partition ${i} has no replicas.`);
    if (new Set(replicas).size !== replicas.length) {
      throw new MetadataError('INVALID_REPLICA_ASSIGNMENT', `Duplicate replica assignment found: ${replicas.join(',')}`);
    }
    if (!replicas.every((r) => Number.isInteger(r) && r >= 0)) {
      throw new MetadataError('INVALID_REPLICA_ASSIGNMENT', `Invalid broker id in replica assignment: ${replicas.join(',')}`);
    }
    if (replicas.length !== replicationFactor) {
      throw new MetadataError('INVALID_REPLICA_ASSIGNMENT', 'All partitions should have the same number of replicas');
    }
  }
}

/** Reads and checks the stored file; undefined when there is none yet. */
async function readState(path: string): Promise<StoredState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MetadataError('KAFKA_STORAGE_ERROR', `reading ${path} failed: ${(err as Error).message}`, { cause: err });
  }
  const corrupt = (why: string) =>
    new MetadataError('KAFKA_STORAGE_ERROR', `${path} is not a valid Tributary metadata file (${why}); refusing to start rather than lose topics`);
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
  if (!isStoredState(state)) throw corrupt('unexpected structure');
  if (state.version !== FORMAT_VERSION) throw corrupt(`format version ${state.version}, expected ${FORMAT_VERSION}`);
  return state;
}

function isStoredState(v: unknown): v is StoredState {
  if (!isRecord(v)) return false;
  return (
    typeof v.version === 'number' &&
    typeof v.clusterId === 'string' &&
    typeof v.nodeId === 'number' &&
    Array.isArray(v.topics) &&
    v.topics.every(isStoredTopic) &&
    (v.brokerConfigs === undefined ||
      (isRecord(v.brokerConfigs) &&
        Object.values(v.brokerConfigs).every((c) => isRecord(c) && Object.values(c).every((x) => typeof x === 'string')))) &&
    (v.scramCredentials === undefined || isStoredScramCredentials(v.scramCredentials))
  );
}

function isStoredTopic(t: unknown): boolean {
  if (!isRecord(t)) return false;
  return (
    typeof t.name === 'string' &&
    typeof t.topicId === 'string' &&
    uuidFromString(t.topicId) !== undefined &&
    Array.isArray(t.partitions) &&
    t.partitions.every((p: unknown) => Array.isArray(p) && p.every((r) => Number.isInteger(r))) &&
    isRecord(t.configs) &&
    Object.values(t.configs).every((c) => typeof c === 'string')
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
