import { ErrorCode } from '@tributary/protocol';
import type { BrokerConfig } from '../../config/broker-config.js';
import type { TopicMetadata } from '../../controller/metadata-store.js';
import type { TopicManager } from '../../controller/topic-manager.js';
import type { Logger } from '../../logging.js';
import type { Clock } from '../../services.js';
import { clockScheduler } from '../clock-scheduler.js';
import type { ProducerIdSource } from './api-types.js';
import { transactionCoordinatorConfigFrom, transactionStateTopicSettingsFrom } from './broker-transaction-config.js';
import type { TransactionCoordinatorConfig } from './config.js';
import type { TxnMarkerWriter } from './marker-writer.js';
import type { OffsetsPartitions } from '../offsets-partitions.js';
import { StorageTransactionLog } from './storage-transaction-log.js';
import { TransactionCoordinator } from './transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC_NAME } from './transaction-log.js';
import { ensureTransactionStateTopic } from './transaction-state-topic.js';

export interface TransactionCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  /** Creates __transaction_state (metadata entry and logs) on the first lookup. */
  readonly topics: TopicManager;
  /** The partitions of __transaction_state: where records are appended and read back. */
  readonly partitions: OffsetsPartitions;
  /** Writes COMMIT/ABORT markers (replica/txn-markers.ts in the broker). */
  readonly markers: TxnMarkerWriter;
  readonly producerIds: ProducerIdSource;
  /**
   * Waited for before an existing __transaction_state is replayed: transactions found decided
   * there get their markers written, and markers in __consumer_offsets complete offsets in the
   * group coordinator, which must have loaded its partitions by then.
   */
  readonly beforeLoad?: () => Promise<void>;
  /** The coordinator epoch of a partition of __transaction_state: its leader epoch. Default 0. */
  readonly coordinatorEpochOf?: (partition: number) => number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Settings over the ones the broker configuration gives (tests: a short abort interval). */
  readonly overrides?: Partial<TransactionCoordinatorConfig>;
}

/**
 * The transaction coordinator as the broker runs it: bound to __transaction_state in the broker's
 * storage, timed by the broker's clock, writing markers through the replica manager, and
 * coordinator for every partition of the topic (a single node leads them all). As Kafka does, the
 * topic is created on the first transaction coordinator lookup (or transactional InitProducerId);
 * when it exists at startup, every partition is replayed in the background (requests meanwhile get
 * COORDINATOR_LOAD_IN_PROGRESS, which clients retry) and decided transactions are completed.
 */
export class TransactionCoordinatorService {
  private current: TransactionCoordinator;
  private readonly log: StorageTransactionLog;
  private readonly logger: Logger;
  private topicReady: Promise<void> | null = null;
  private loads: Promise<void>[] = [];
  private closed = false;

  private constructor(
    private readonly options: TransactionCoordinatorServiceOptions,
    partitions: number,
  ) {
    this.logger = options.logger.child({ component: 'transaction-coordinator' });
    this.log = new StorageTransactionLog(options.partitions, options.clock);
    this.current = this.newCoordinator(partitions);
  }

  /** Builds the coordinator and, when __transaction_state exists already, starts replaying it. */
  static async start(options: TransactionCoordinatorServiceOptions): Promise<TransactionCoordinatorService> {
    const existing = await options.topics.getTopic(TRANSACTION_STATE_TOPIC_NAME);
    // The partition count is fixed once the topic exists: ids hash onto the partitions it has.
    const partitions =
      existing?.partitions.length ?? options.overrides?.transactionStateLogNumPartitions ?? options.config.get('transaction.state.log.num.partitions');
    const service = new TransactionCoordinatorService(options, partitions);
    if (existing) {
      // Lookups answer at once; requests for its ids get COORDINATOR_LOAD_IN_PROGRESS until loaded.
      service.topicReady = Promise.resolve();
      service.loadAll(existing, options.beforeLoad?.());
    }
    return service;
  }

  /** The coordinator serving transaction requests. */
  get coordinator(): TransactionCoordinator {
    return this.current;
  }

  partitionFor(transactionalId: string): number {
    return this.current.partitionFor(transactionalId);
  }

  /**
   * FindCoordinator's (and the first InitProducerId's) part: makes sure __transaction_state exists
   * (creating it on the first call) and resolves to NONE, or to COORDINATOR_NOT_AVAILABLE when
   * shutting down or the topic cannot be created (the client retries; the next call tries again).
   * A topic replayed at startup answers NONE at once; its requests see the load in progress.
   */
  async prepare(): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    this.topicReady ??= this.createTopic().catch((err: unknown) => {
      this.topicReady = null;
      throw err;
    });
    try {
      await this.topicReady;
    } catch (err) {
      this.logger.error({ err }, `could not create ${TRANSACTION_STATE_TOPIC_NAME}; the transaction coordinator is not available`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    return this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
  }

  /** Resolves once every partition found or created so far has been replayed (or failed to) and its decided transactions were attempted. */
  async whenLoaded(): Promise<void> {
    await this.topicReady?.catch(() => undefined);
    await Promise.all(this.loads);
  }

  /**
   * Checks a transactional produce batch against its transaction (see
   * TransactionCoordinator.verifyTransactionalProduce): synchronous, O(1).
   */
  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number {
    return this.current.verifyTransactionalProduce(producerId, producerEpoch, topic, partition);
  }

  /**
   * Stops coordinating: timers and marker retries stop, later requests get
   * COORDINATOR_NOT_AVAILABLE; then waits for replays, completions in progress and queued writes
   * (the caller closes the logs afterwards). Idempotent.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.current.onClose();
    }
    await this.current.whenIdle();
    await this.log.close();
    await Promise.all(this.loads);
  }

  private async createTopic(): Promise<void> {
    const wanted = this.current.config.transactionStateLogNumPartitions;
    const topic = await ensureTransactionStateTopic(this.options.topics, transactionStateTopicSettingsFrom(this.options.config, wanted));
    if (topic.partitions.length !== wanted) {
      // Created meanwhile with another partition count: ids hash onto the partitions it really has.
      this.logger.warn({ expected: wanted, actual: topic.partitions.length }, `${TRANSACTION_STATE_TOPIC_NAME} exists with a different partition count; using it`);
      this.current.onClose();
      this.current = this.newCoordinator(topic.partitions.length);
    }
    this.loadAll(topic);
    // A new topic is empty: its loads finish at once, so the lookup can answer "ready".
    await Promise.all(this.loads);
  }

  /** Starts replaying every partition, each once `after` (if any) settles. */
  private loadAll(topic: TopicMetadata, after?: Promise<unknown>): void {
    if (this.closed) return;
    const coordinator = this.current;
    for (const { partition } of topic.partitions) {
      const epoch = this.options.coordinatorEpochOf?.(partition) ?? 0;
      const load = coordinator.loadPartition(partition, epoch, after).catch((err: unknown) => {
        this.logger.error({ err, partition }, `failed to load ${TRANSACTION_STATE_TOPIC_NAME}-${partition}; its transactional ids are not served`);
      });
      this.loads.push(load);
    }
  }

  private newCoordinator(partitions: number): TransactionCoordinator {
    return new TransactionCoordinator({
      log: this.log,
      markers: this.options.markers,
      producerIds: this.options.producerIds,
      scheduler: clockScheduler(this.options.clock),
      config: { ...transactionCoordinatorConfigFrom(this.options.config), ...this.options.overrides, transactionStateLogNumPartitions: partitions },
      onError: (err) => this.logger.error({ err }, 'transaction coordinator background task failed'),
    });
  }
}
