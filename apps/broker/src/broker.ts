import { mkdir } from 'node:fs/promises';
import type { LogManager } from '@tributary/storage';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BrokerConfig, type ConfigLayer } from './config/broker-config.js';
import { ConfigError } from './config/config-error.js';
import { EmbeddedMetadataStore } from './controller/embedded-metadata-store.js';
import { GroupCoordinatorService } from './coordinator/group-coordinator-service.js';
import { replicatedOffsetsPartitions } from './coordinator/offsets-partitions.js';
import { TransactionCoordinatorService } from './coordinator/transaction/transaction-coordinator-service.js';
import { TRANSACTION_STATE_TOPIC_NAME } from './coordinator/transaction/transaction-log.js';
import type { BrokerEndpoint, MetadataStore } from './controller/metadata-store.js';
import { TopicLogConfigs } from './controller/topic-log-configs.js';
import { openAdminPlane, type AdminPlane } from './controller/admin-plane.js';
import { DynamicBrokerConfigs } from './controller/dynamic-broker-configs.js';
import { Dispatcher } from './handlers/dispatcher.js';
import type { AnyApiHandler } from './handlers/handler.js';
import { defaultHandlers } from './handlers/index.js';
import { HandlerRegistry } from './handlers/registry.js';
import { openLogManager } from './log-manager-factory.js';
import { ProducerIdManager } from './producer-ids/producer-id-manager.js';
import { ReplicaManager } from './replica/replica-manager.js';
import { writeTxnMarkers } from './replica/txn-markers.js';
import { createLogger, type Logger, type LogLevel } from './logging.js';
import { resolveSecurity } from './security/listener-security.js';
import { scramCredentialLookup } from './security/scram-credential-admin.js';
import type { ConnectionStats } from './network/connection.js';
import { SocketServer, type BoundListener } from './network/socket-server.js';
import type { BrokerServices, Clock } from './services.js';

/** How long stop() lets in-flight requests finish before closing their connections. */
export const SHUTDOWN_GRACE_MS = 4000;

export interface StartBrokerOptions {
  /**
   * Broker configs by Kafka key name (`{ 'num.partitions': 3 }`; strings as in server.properties
   * or typed values), or a BrokerConfig already resolved (what the CLI passes).
   */
  readonly config?: Readonly<Record<string, unknown>> | BrokerConfig;
  /** Shorthand for listeners=PLAINTEXT://host:port; 0 picks a free port. */
  readonly port?: number;
  /** Host for the port shorthand; default 127.0.0.1 (an embedded broker is for local clients). */
  readonly host?: string;
  /** Shorthand for log.dirs. */
  readonly dataDir?: string;
  /** Default: warn, or TRIBUTARY_LOG_LEVEL. Ignored when `logger` is given. */
  readonly logLevel?: LogLevel;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Replaces the standard handler set (tests of the network layer). */
  readonly handlers?: readonly AnyApiHandler[];
  /** How long stop() waits for in-flight requests before closing their connections; default 4000. */
  readonly shutdownGraceMs?: number;
}

export interface RunningBroker {
  /** Host and port a client should bootstrap from (the first listener, as advertised). */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for a client's bootstrap list. */
  readonly bootstrap: string;
  readonly listeners: readonly BoundListener[];
  readonly nodeId: number;
  readonly clusterId: string;
  readonly config: BrokerConfig;
  readonly services: BrokerServices;
  /** Milliseconds from the call to startBroker until the listeners were bound. */
  readonly startupMs: number;
  connectionStats(): ConnectionStats[];
  /** Stops accepting, lets in-flight requests finish, flushes and checkpoints storage. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a broker: validates the configuration (a ConfigError before anything is opened), opens
 * the data directory, binds the listeners and serves until stop().
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const started = performance.now();
  const config = resolveOptions(options);
  // TLS key material and SASL settings are read and checked now, so a bad file is a ConfigError
  // before the data directory is touched.
  const security = resolveSecurity(config);
  const logger = options.logger ?? createLogger(options.logLevel ? { level: options.logLevel } : {});
  const clock = options.clock ?? { now: () => Date.now() };

  for (const dir of config.logDirs) await mkdir(dir, { recursive: true });
  // Topic metadata lives beside the logs of the first data directory, as Kafka's metadata.log.dir does.
  const metadata: MetadataStore = await EmbeddedMetadataStore.open({
    dir: config.logDirs[0]!,
    nodeId: config.nodeId,
    clusterId: config.clusterId,
  });
  const clusterId = await metadata.clusterId();
  let logManager: LogManager;
  let admin: AdminPlane;
  try {
    // Dynamic broker configs (AlterConfigs on the broker) change the topic defaults: load them first.
    const brokerConfigs = await DynamicBrokerConfigs.load(metadata, config, logger);
    const topicConfigs = await TopicLogConfigs.load(metadata, brokerConfigs.defaultLogConfig(), logger);
    // Opening recovers every partition after an unclean shutdown, before any client is accepted.
    logManager = await openLogManager(config, topicConfigs, clock, logger);
    const logs = logManager;
    metadata.subscribe((change) => {
      const changed = topicConfigs.apply(change);
      if (changed) logs.updateTopicConfig(changed.topic, changed.config);
    });
    // Before the coordinators: makes the partition logs on disk match the metadata store.
    admin = await openAdminPlane({ config, metadata, logManager, logger, brokerConfigs, topicLogConfigs: topicConfigs }).catch(async (err: unknown) => {
      await logs.close();
      throw err;
    });
  } catch (err) {
    await metadata.close();
    throw err;
  }
  let replicaManager: ReplicaManager;
  let producerIds: ProducerIdManager;
  try {
    // The data plane follows the metadata store's topics from here on.
    replicaManager = await ReplicaManager.open({ nodeId: config.nodeId, metadata, logManager, logger, clock });
    // Producer ids continue past every block handed out before (beside the metadata store).
    producerIds = await ProducerIdManager.open({ dir: config.logDirs[0]! });
  } catch (err) {
    await logManager.close();
    await metadata.close();
    throw err;
  }
  let groups: GroupCoordinatorService;
  try {
    // Replays __consumer_offsets in the background when it exists; clients retry meanwhile.
    // Its writes go through the replica manager like any leader append.
    groups = await GroupCoordinatorService.start({
      config,
      topics: admin.topics,
      partitions: replicatedOffsetsPartitions(replicaManager, logManager),
      clock,
      logger,
    });
  } catch (err) {
    replicaManager.close();
    await logManager.close();
    await metadata.close();
    throw err;
  }
  let transactions: TransactionCoordinatorService;
  try {
    // Replays __transaction_state in the background when it exists, once the groups are loaded
    // (completing a transaction completes its offsets there); markers go through the replica manager.
    transactions = await TransactionCoordinatorService.start({
      config,
      topics: admin.topics,
      partitions: replicatedOffsetsPartitions(replicaManager, logManager, TRANSACTION_STATE_TOPIC_NAME),
      markers: { write: (marker) => writeTxnMarkers(replicaManager, groups, marker, logger) },
      producerIds,
      beforeLoad: () => groups.whenLoaded(),
      coordinatorEpochOf: (partition) => replicaManager.getPartition(TRANSACTION_STATE_TOPIC_NAME, partition)?.leaderEpoch ?? 0,
      clock,
      logger,
    });
  } catch (err) {
    replicaManager.close();
    await groups.close();
    await logManager.close();
    await metadata.close();
    throw err;
  }

  let endpoints: readonly BrokerEndpoint[] = [];
  const services: BrokerServices = {
    config,
    nodeId: config.nodeId,
    clusterId,
    clock,
    logger,
    metadata,
    logManager,
    topics: admin.topics,
    configs: admin.configs,
    groups,
    transactions,
    replicaManager,
    producerIds,
    advertisedEndpoints: () => endpoints,
  };
  const registry = new HandlerRegistry(options.handlers ?? defaultHandlers());
  const server = new SocketServer(
    config.listeners,
    new Dispatcher(registry, services),
    {
      maxRequestBytes: config.get('socket.request.max.bytes'),
      maxQueuedRequests: config.get('queued.max.requests'),
      idleTimeoutMs: config.get('connections.max.idle.ms'),
    },
    logger,
    { listeners: security.listeners, scramCredentials: scramCredentialLookup(metadata) },
  );

  let listeners: BoundListener[];
  try {
    listeners = await server.start();
  } catch (err) {
    replicaManager.close();
    await transactions.close();
    await groups.close();
    await logManager.close();
    await metadata.close();
    throw err;
  }
  endpoints = advertise(config, listeners);
  await metadata.registerBroker({ nodeId: config.nodeId, rack: null, endpoints });
  const startupMs = performance.now() - started;

  const first = endpoints[0]!;
  const ignored = config.ignoredSettings();
  for (const warning of security.warnings) logger.warn(warning);
  logger.info(
    {
      nodeId: config.nodeId,
      clusterId,
      listeners: listeners.map((l) => `${l.name}://${l.boundAddress}:${l.port}`),
      advertised: endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
      dataDirs: config.logDirs,
      startupMs: Math.round(startupMs),
      settings: config.explicitSettings(),
      ...(ignored.length > 0 && { ignoredSettings: ignored }),
    },
    'Tributary broker started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Long-poll fetches answer now with what they have, so they never hold up the grace period.
      replicaManager.shutdown();
      // Before the groups: completing a transaction completes its offsets in the group coordinator.
      await transactions.close();
      // First, so that JoinGroup/SyncGroup requests held by the coordinator are answered
      // (NOT_COORDINATOR) instead of holding up the network's shutdown grace period.
      await groups.close();
      await server.stop(options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      replicaManager.close();
      // Flushes every log and writes the recovery-point and log-start checkpoints and the
      // clean-shutdown marker, so the next start skips recovery.
      await logManager.close();
      await metadata.close();
      logger.info({ nodeId: config.nodeId }, 'Tributary broker stopped');
    })();
    return stopping;
  };

  return {
    host: first.host,
    port: first.port,
    bootstrap: `${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`,
    listeners,
    nodeId: config.nodeId,
    clusterId,
    config,
    services,
    startupMs,
    connectionStats: () => server.connectionStats(),
    stop,
  };
}

/** Folds the shorthands (port, host, dataDir) into Kafka keys and resolves the config. */
function resolveOptions(options: StartBrokerOptions): BrokerConfig {
  const shorthand = options.port !== undefined || options.host !== undefined || options.dataDir !== undefined;
  if (options.config instanceof BrokerConfig) {
    if (shorthand) {
      throw new ConfigError([{ key: 'startBroker', message: 'port, host and dataDir cannot be combined with a resolved BrokerConfig' }]);
    }
    return options.config;
  }
  const values: Record<string, unknown> = { ...(options.config ?? {}) };
  if (options.port !== undefined || options.host !== undefined) {
    if (values.listeners !== undefined) {
      throw new ConfigError([{ key: 'listeners', message: 'give either listeners or the port/host shorthand, not both' }]);
    }
    values.listeners = `PLAINTEXT://${formatHost(options.host ?? '127.0.0.1')}:${options.port ?? 0}`;
  }
  if (options.dataDir !== undefined) {
    if (values['log.dirs'] !== undefined || values['log.dir'] !== undefined) {
      throw new ConfigError([{ key: 'log.dirs', message: 'give either log.dirs/log.dir or the dataDir shorthand, not both' }]);
    }
    values['log.dirs'] = [options.dataDir];
  }
  const layer: ConfigLayer = {
    source: 'programmatic',
    origin: 'startBroker()',
    entries: Object.entries(values).map(([key, value]) => ({ key, value })),
  };
  return BrokerConfig.resolve([layer]);
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * What clients are told: advertised.listeners when set, else each bound listener with its real
 * port, and this machine's host name when it binds every interface (Kafka advertises the canonical
 * host name there too).
 */
function advertise(config: BrokerConfig, bound: readonly BoundListener[]): BrokerEndpoint[] {
  const specs = config.advertisedListeners ?? bound;
  return specs.map((s) => {
    const port = s.port === 0 ? (bound.find((b) => b.name === s.name)?.port ?? 0) : s.port;
    return {
      listenerName: s.name,
      securityProtocol: s.securityProtocol,
      host: s.host === '' || s.host === '0.0.0.0' || s.host === '::' ? hostname() : s.host,
      port,
    };
  });
}
