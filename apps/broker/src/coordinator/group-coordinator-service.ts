import { ErrorCode } from '@tributary/protocol';
import type { BrokerConfig } from '../config/broker-config.js';
import type { TopicMetadata } from '../controller/metadata-store.js';
import type { TopicManager } from '../controller/topic-manager.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../services.js';
import { groupCoordinatorConfigFrom } from './broker-group-config.js';
import { clockScheduler } from './clock-scheduler.js';
import type { GroupCoordinatorConfig } from './group/config.js';
import { GROUP_METADATA_TOPIC_NAME } from './group/coordinator-log.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import type { OffsetsPartitions } from './offsets-partitions.js';
import { ensureOffsetsTopic } from './offsets-topic.js';
import { StorageCoordinatorLog } from './storage-coordinator-log.js';

export interface GroupCoordinatorServiceOptions {
  readonly config: BrokerConfig;
  /** Creates __consumer_offsets (metadata entry and logs) on the first lookup. */
  readonly topics: TopicManager;
  /** The partitions of __consumer_offsets: where records are appended and read back. */
  readonly partitions: OffsetsPartitions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Settings over the ones the broker configuration gives (tests: a short retention check interval). */
  readonly overrides?: Partial<GroupCoordinatorConfig>;
}

/**
 * The group coordinator as the broker runs it: bound to __consumer_offsets in the broker's storage,
 * timed by the broker's clock, and coordinator for every partition of that topic (a single node
 * leads them all). Like Kafka, the topic is created when a client first looks for a group
 * coordinator; when it already exists at startup, every partition is replayed in the background
 * (group requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS, which clients retry).
 */
export class GroupCoordinatorService {
  private current: GroupCoordinator;
  private readonly log: StorageCoordinatorLog;
  private readonly logger: Logger;
  /** Settles once the topic exists and its partitions are loaded (a new topic) or loading (at startup). */
  private topicReady: Promise<void> | null = null;
  private loads: Promise<void>[] = [];
  private closed = false;

  private constructor(
    private readonly options: GroupCoordinatorServiceOptions,
    partitions: number,
  ) {
    this.logger = options.logger.child({ component: 'group-coordinator' });
    this.log = new StorageCoordinatorLog(options.partitions, options.clock);
    this.current = this.newCoordinator(partitions);
  }

  /** Builds the coordinator and, when __consumer_offsets exists already, starts replaying it. */
  static async start(options: GroupCoordinatorServiceOptions): Promise<GroupCoordinatorService> {
    const existing = await options.topics.getTopic(GROUP_METADATA_TOPIC_NAME);
    // The partition count is fixed once the topic exists: groups hash onto the partitions it has.
    const partitions = existing?.partitions.length ?? options.overrides?.offsetsTopicNumPartitions ?? options.config.get('offsets.topic.num.partitions');
    const service = new GroupCoordinatorService(options, partitions);
    if (existing) {
      service.loadAll(existing);
      service.topicReady = Promise.resolve();
    }
    return service;
  }

  /** The coordinator serving group requests. */
  get coordinator(): GroupCoordinator {
    return this.current;
  }

  /** The partition of __consumer_offsets holding the group (where a TxnOffsetCommit's marker must go). */
  partitionFor(groupId: string): number {
    return this.current.partitionFor(groupId);
  }

  /**
   * Called by the transaction coordinator once a transaction's COMMIT or ABORT markers have been
   * appended to these partitions of __consumer_offsets (Kafka's
   * GroupCoordinator.scheduleHandleTxnCompletion): the producer's offsets committed in that
   * transaction become visible (commit) or are dropped (abort). A no-op once closed.
   */
  async completeTransaction(producerId: number, offsetsPartitions: readonly number[], commit: boolean): Promise<void> {
    if (this.closed) return;
    await this.current.completeTransaction(producerId, offsetsPartitions, commit);
  }

  /**
   * FindCoordinator's part: makes sure __consumer_offsets exists and is loaded (creating it on the
   * first call, as Kafka does on the first lookup) and resolves to NONE, or to
   * COORDINATOR_NOT_AVAILABLE when the coordinator is shutting down or the topic cannot be created
   * (the client retries; the next call tries again).
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
      this.logger.error({ err }, `could not create ${GROUP_METADATA_TOPIC_NAME}; the group coordinator is not available`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    return this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
  }

  /** Resolves once every partition found or created so far has been replayed (or failed to). */
  async whenLoaded(): Promise<void> {
    await this.topicReady?.catch(() => undefined);
    await Promise.all(this.loads);
  }

  /**
   * Stops coordinating: held JoinGroup/SyncGroup requests are answered NOT_COORDINATOR, later
   * requests get COORDINATOR_NOT_AVAILABLE, timers stop; then waits for replays to stop and for
   * queued writes to reach the log (which the caller closes afterwards). Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.current.onClose();
    await this.log.close();
    await Promise.all(this.loads);
  }

  private async createTopic(): Promise<void> {
    const wanted = this.current.config.offsetsTopicNumPartitions;
    const topic = await ensureOffsetsTopic(this.options.topics, wanted, this.options.config.get('offsets.topic.replication.factor'));
    if (topic.partitions.length !== wanted) {
      // Created meanwhile by someone else with another partition count: groups hash onto the
      // partitions the topic really has, so start over with a coordinator that knows it.
      this.logger.warn({ expected: wanted, actual: topic.partitions.length }, `${GROUP_METADATA_TOPIC_NAME} exists with a different partition count; using it`);
      this.current.onClose();
      this.current = this.newCoordinator(topic.partitions.length);
    }
    this.loadAll(topic);
    // A new topic is empty: its loads finish at once, so the lookup can answer "ready".
    await Promise.all(this.loads);
  }

  private loadAll(topic: TopicMetadata): void {
    const coordinator = this.current;
    for (const { partition } of topic.partitions) {
      const load = coordinator.loadPartition(partition).catch((err: unknown) => {
        this.logger.error({ err, partition }, `failed to load ${GROUP_METADATA_TOPIC_NAME}-${partition}; its groups are not served`);
      });
      this.loads.push(load);
    }
  }

  private newCoordinator(partitions: number): GroupCoordinator {
    return new GroupCoordinator({
      log: this.log,
      scheduler: clockScheduler(this.options.clock),
      config: { ...groupCoordinatorConfigFrom(this.options.config), ...this.options.overrides, offsetsTopicNumPartitions: partitions },
      onError: (err) => this.logger.error({ err }, 'group coordinator background task failed'),
    });
  }
}
