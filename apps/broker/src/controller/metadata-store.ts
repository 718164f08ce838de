/**
 * Cluster metadata the broker keeps outside the partition logs: topics (id, partitions, replica
 * assignment, config overrides), registered brokers and the cluster id. Single-node brokers use the
 * embedded store (a JSON file in the data directory); clusters will use an etcd-backed one, which is
 * why every method is async even though the embedded store answers from memory.
 */

export interface PartitionAssignment {
  readonly partition: number;
  /** Node ids holding a replica; the first is the preferred leader. */
  readonly replicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  /** Kafka topic id: 16 random bytes (never all zero). */
  readonly topicId: Buffer;
  /** Partitions in partition order: partitions[i].partition === i. */
  readonly partitions: readonly PartitionAssignment[];
  /** Topic-level config overrides (topic keys, e.g. retention.ms), as strings like Kafka stores them. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerRegistration {
  readonly nodeId: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

export interface NewTopic {
  readonly name: string;
  /** Replica list per partition, partition i first. */
  readonly assignments: readonly (readonly number[])[];
  readonly configs?: Readonly<Record<string, string>>;
  /** Only for tests and restores; a new random id otherwise. */
  readonly topicId?: Buffer;
}

/**
 * One user's SCRAM credential for one mechanism, as Kafka keeps it (UserScramCredentialRecord):
 * what verifies a client's proof and proves the broker to it; never the password.
 */
export interface ScramCredentialData {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** Sets (credential) or removes (null) the credential of a user for a mechanism (SCRAM-SHA-256, SCRAM-SHA-512). */
export interface ScramCredentialChange {
  readonly user: string;
  readonly mechanism: string;
  readonly credential: ScramCredentialData | null;
}

/** What changed, for components that keep derived state (logs, caches) in step with the store. */
export type MetadataChange =
  | { readonly type: 'topic-created'; readonly topic: TopicMetadata }
  | { readonly type: 'topic-deleted'; readonly topic: TopicMetadata }
  | { readonly type: 'partitions-added'; readonly topic: TopicMetadata; readonly previousCount: number }
  | { readonly type: 'topic-configs-changed'; readonly topic: TopicMetadata }
  | { readonly type: 'broker-registered'; readonly broker: BrokerRegistration }
  | { readonly type: 'broker-configs-changed'; readonly entity: string; readonly configs: Readonly<Record<string, string>> };

export interface MetadataStore {
  clusterId(): Promise<string>;
  listTopics(): Promise<TopicMetadata[]>;
  getTopic(name: string): Promise<TopicMetadata | undefined>;
  getTopicById(topicId: Uint8Array): Promise<TopicMetadata | undefined>;
  /** Throws MetadataError TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICA_ASSIGNMENT. */
  createTopic(topic: NewTopic): Promise<TopicMetadata>;
  /** Throws MetadataError UNKNOWN_TOPIC_OR_PARTITION. */
  deleteTopic(name: string): Promise<TopicMetadata>;
  /** Appends partitions with the given replica lists; throws UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS. */
  addPartitions(name: string, assignments: readonly (readonly number[])[]): Promise<TopicMetadata>;
  /** Sets (string) or removes (null) topic config overrides; throws UNKNOWN_TOPIC_OR_PARTITION. */
  alterTopicConfigs(name: string, changes: Readonly<Record<string, string | null>>): Promise<TopicMetadata>;
  /**
   * Dynamic broker configs (AlterConfigs on a BROKER resource, Kafka's /config/brokers entities):
   * entity '' holds the cluster-wide defaults, a node id string that broker's own. Empty if none.
   */
  brokerConfigs(entity: string): Promise<Readonly<Record<string, string>>>;
  /** Sets (string) or removes (null) dynamic broker configs of an entity; returns its new set. */
  alterBrokerConfigs(entity: string, changes: Readonly<Record<string, string | null>>): Promise<Readonly<Record<string, string>>>;
  /** SCRAM credentials by user, then by mechanism name. */
  scramCredentials(): Promise<ReadonlyMap<string, ReadonlyMap<string, ScramCredentialData>>>;
  /** Applies the changes together: all are persisted before any is visible. */
  alterScramCredentials(changes: readonly ScramCredentialChange[]): Promise<void>;
  /** Adds or replaces the registration of a broker. */
  registerBroker(broker: BrokerRegistration): Promise<void>;
  listBrokers(): Promise<BrokerRegistration[]>;
  /** Calls the listener after each committed change; returns an unsubscribe function. */
  subscribe(listener: (change: MetadataChange) => void): () => void;
  /** Waits for pending writes; the store cannot be used afterwards. */
  close(): Promise<void>;
}
