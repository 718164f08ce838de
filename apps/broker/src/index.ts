export { startBroker, SHUTDOWN_GRACE_MS, type RunningBroker, type StartBrokerOptions } from './broker.js';
export type { BrokerServices, Clock } from './services.js';
export * from './config/index.js';
export * from './controller/index.js';
export * from './handlers/index.js';
export * from './replica/index.js';
export * from './producer-ids/index.js';
export {
  GroupCoordinatorService,
  GroupCoordinator,
  GROUP_METADATA_TOPIC_NAME,
  OFFSETS_TOPIC_CONFIGS,
  type GroupCoordinatorServiceOptions,
  type GroupCoordinatorConfig,
  TransactionCoordinatorService,
  TransactionCoordinator,
  TRANSACTION_STATE_TOPIC_NAME,
  type TransactionCoordinatorServiceOptions,
  type TransactionCoordinatorConfig,
} from './coordinator/index.js';
export { SocketServer, type BoundListener, type ConnectionLimits, type ConnectionStats, type SocketSecurity } from './network/index.js';
export * from './security/index.js';
export { createLogger, resolveLogLevel, DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel, type Logger } from './logging.js';
export { brokerVersion } from './version.js';
