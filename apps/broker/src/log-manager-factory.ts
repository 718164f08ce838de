import { LogCleaner, LogManager } from '@tributary/storage';
import type { BrokerConfig } from './config/broker-config.js';
import type { TopicLogConfigs } from './controller/topic-log-configs.js';
import type { Logger } from './logging.js';
import type { Clock } from './services.js';

/** Node timers cap at 2^31-1 ms; a longer interval (Kafka's Long.MAX "never") keeps storage's default. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Opens storage's LogManager with the broker's settings: every log dir, the topic defaults and
 * per-topic overrides, the background intervals, and the log cleaner when log.cleaner.enable is set.
 * Its scheduler then runs on a real timer (flush, retention, checkpoints, producer expiry, cleaning).
 */
export async function openLogManager(config: BrokerConfig, topicConfigs: TopicLogConfigs, clock: Clock, logger: Logger): Promise<LogManager> {
  const flushCheck = config.get('log.flush.scheduler.interval.ms');
  const manager = await LogManager.open({
    logDirs: config.logDirs,
    defaultConfig: config.defaultLogConfig,
    topicConfig: (topic) => topicConfigs.get(topic),
    clock,
    retentionCheckIntervalMs: config.get('log.retention.check.interval.ms'),
    producerIdExpirationMs: config.get('producer.id.expiration.ms'),
    ...(flushCheck <= MAX_TIMER_MS && { flushCheckIntervalMs: flushCheck }),
    ...(config.get('log.cleaner.enable') && {
      cleaner: new LogCleaner({ onError: (log, err) => logger.error({ err, partition: log.topicPartition }, 'log cleaning failed') }),
    }),
    onLogDirFailure: (dir, error) => logger.error({ dir, err: error }, 'log dir failed; its partitions are offline'),
    onBackgroundError: (task, error) => logger.error({ task, err: error }, 'storage background task failed'),
  });
  manager.startTimer();
  return manager;
}
