import type { LogManager } from '@tributary/storage';
import type { BrokerConfig } from './config/broker-config.js';
import type { BrokerEndpoint, MetadataStore } from './controller/metadata-store.js';
import type { TopicManager } from './controller/topic-manager.js';
import type { ConfigAdmin } from './controller/config-admin.js';
import type { GroupCoordinatorService } from './coordinator/group-coordinator-service.js';
import type { TransactionCoordinatorService } from './coordinator/transaction/transaction-coordinator-service.js';
import type { Logger } from './logging.js';
import type { ProducerIdManager } from './producer-ids/producer-id-manager.js';
import type { ReplicaManager } from './replica/replica-manager.js';

/** Milliseconds since the epoch; structurally the same as @tributary/storage's Clock. */
export interface Clock {
  now(): number;
}

/**
 * The broker's shared components, handed to every handler through RequestContext.services. Built
 * once by startBroker (the composition root); handlers never construct these themselves, so tests
 * can give a handler a broker with a manual clock or an in-memory store.
 */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  /** The broker's clock: retention, timestamps, timeouts. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metadata: MetadataStore;
  /** Every partition log in log.dirs (storage's LogManager); closed by stop() after the network. */
  readonly logManager: LogManager;
  /**
   * Topic lifecycle (create with its logs, delete, add partitions, topic config overrides applied
   * live): CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs and Metadata auto-creation.
   */
  readonly topics: TopicManager;
  /** DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: topic overrides and dynamic broker configs. */
  readonly configs: ConfigAdmin;
  /** The consumer-group coordinator over __consumer_offsets (closed by stop() before the network). */
  readonly groups: GroupCoordinatorService;
  /**
   * The transaction coordinator over __transaction_state (closed by stop() before the group
   * coordinator and the network); the produce path asks it about transactional batches.
   */
  readonly transactions: TransactionCoordinatorService;
  /**
   * The data plane: partitions and their leaders, appends (Produce), reads with the long-poll
   * purgatory (Fetch), offset look-ups (ListOffsets). stop() ends its waiting fetches first.
   */
  readonly replicaManager: ReplicaManager;
  /** Producer ids for InitProducerId, from blocks persisted in the first log dir. */
  readonly producerIds: ProducerIdManager;
  /**
   * Where clients reach this broker: advertised.listeners, else the bound listeners with their
   * actual ports. Known once the listeners are bound, which happens before any request arrives.
   */
  advertisedEndpoints(): readonly BrokerEndpoint[];
}
