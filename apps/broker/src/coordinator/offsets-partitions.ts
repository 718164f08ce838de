import { ErrorCode, KafkaError } from '@tributary/protocol';
import type { Log, LogManager } from '@tributary/storage';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { GROUP_METADATA_TOPIC_NAME } from './group/coordinator-log.js';

/**
 * Where a coordinator's record batches go and are read back from: the partitions of its internal
 * topic on this broker (__consumer_offsets for groups, __transaction_state for transactions).
 */
export interface OffsetsPartitions {
  /**
   * Appends one record batch as the coordinator (acks=all); rejects with an error carrying the
   * Kafka error code (`errorCode` or `code`) when it was not written.
   */
  append(partition: number, batch: Buffer): Promise<void>;
  /** This broker's log of the partition, if it has one. */
  log(partition: number): Log | undefined;
}

/**
 * The broker's path: appends go through the ReplicaManager like any leader append (leader epoch
 * stamped, min.insync.replicas checked, fetches waiting on the partition woken); reads come from the
 * local log.
 */
export function replicatedOffsetsPartitions(replicaManager: ReplicaManager, logManager: LogManager, topic = GROUP_METADATA_TOPIC_NAME): OffsetsPartitions {
  return {
    async append(partition, batch) {
      const [result] = await replicaManager.appendRecords({ acks: -1, origin: 'coordinator', entries: [{ topic, partition, records: batch }] });
      if (result && result.errorCode !== ErrorCode.NONE) throw new KafkaError(result.errorCode, result.errorMessage ?? undefined);
    },
    log: (partition) => logManager.getLog(topic, partition),
  };
}

/** Straight to the LogManager's logs (no replica manager): for tools and tests of the storage binding. */
export function localOffsetsPartitions(logManager: LogManager, topic = GROUP_METADATA_TOPIC_NAME): OffsetsPartitions {
  return {
    async append(partition, batch) {
      const log = logManager.getLog(topic, partition);
      if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} is not hosted by this broker`);
      await log.append(batch, { origin: 'coordinator' });
    },
    log: (partition) => logManager.getLog(topic, partition),
  };
}
