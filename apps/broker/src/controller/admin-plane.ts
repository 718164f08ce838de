import type { LogManager } from '@tributary/storage';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { ConfigAdmin } from './config-admin.js';
import { DynamicBrokerConfigs } from './dynamic-broker-configs.js';
import type { MetadataStore } from './metadata-store.js';
import type { TopicLogConfigs } from './topic-log-configs.js';
import { TopicManager } from './topic-manager.js';

/** The admin plane's components, as BrokerServices carries them. */
export interface AdminPlane {
  readonly topics: TopicManager;
  /** DescribeConfigs / AlterConfigs / IncrementalAlterConfigs on topics and brokers. */
  readonly configs: ConfigAdmin;
  readonly brokerConfigs: DynamicBrokerConfigs;
}

export interface AdminPlaneOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logManager: LogManager;
  readonly logger: Logger;
  /** Loaded before the LogManager opened, so logs open with the dynamic defaults; loaded here if absent. */
  readonly brokerConfigs?: DynamicBrokerConfigs;
  /** The per-topic configs the LogManager reads; kept in step when the broker defaults change. */
  readonly topicLogConfigs?: TopicLogConfigs;
}

/**
 * Builds the TopicManager over the open metadata store and LogManager, makes the logs on disk match
 * the store (TopicManager.start) and keeps topic configs in step with dynamic broker configs.
 * Called by startBroker before any client is accepted and before the coordinators start.
 */
export async function openAdminPlane(opts: AdminPlaneOptions): Promise<AdminPlane> {
  const { config, metadata, logManager, logger } = opts;
  const brokerConfigs = opts.brokerConfigs ?? (await DynamicBrokerConfigs.load(metadata, config, logger));
  const topics = new TopicManager({
    metadata,
    logManager,
    nodeId: config.nodeId,
    logger,
    defaultNumPartitions: config.get('num.partitions'),
    defaultReplicationFactor: config.get('default.replication.factor'),
    deleteTopicEnable: config.get('delete.topic.enable'),
    defaults: brokerConfigs,
    ...(opts.topicLogConfigs && { topicLogConfigs: opts.topicLogConfigs }),
  });
  const started = await topics.start();
  if (started.created > 0 || started.deleted > 0) logger.warn(started, 'partition logs reconciled with the metadata store');
  brokerConfigs.onChange(() => {
    topics.applyDefaultsChanged().catch((err: unknown) => logger.error({ err }, 'applying changed broker defaults to the logs failed'));
  });
  return { topics, configs: new ConfigAdmin(topics, brokerConfigs), brokerConfigs };
}
