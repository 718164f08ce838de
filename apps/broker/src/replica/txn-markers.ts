import { ErrorCode } from '@tributary/protocol';
import type { Logger } from 'pino';
import { GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/coordinator-log.js';
import type { PartitionAppendResult } from './append-types.js';

/** The fields of a COMMIT or ABORT marker batch (Kafka's EndTransactionMarker plus the batch's producer). */
export interface TxnMarkerSpec {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Epoch of the coordinator that decided; a partition refuses markers from an older one. */
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
}

/** One WriteTxnMarkers entry: a marker for each of these partitions. */
export interface TxnMarkerRequest extends TxnMarkerSpec {
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>;
}

export interface TxnMarkerResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

/**
 * The group coordinator's part of a transaction's end (GroupCoordinatorService): offsets a
 * transaction committed to __consumer_offsets partitions count once its COMMIT marker is there,
 * and are dropped with an ABORT (Kafka's GroupCoordinator.onTransactionCompleted).
 */
export interface TransactionalOffsetsCompletion {
  completeTransaction(producerId: number, offsetsPartitions: readonly number[], commit: boolean): Promise<void>;
}

/** What writing markers needs from the replica manager. */
export interface TxnMarkerAppender {
  appendTxnMarkers(marker: TxnMarkerSpec, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): Promise<PartitionAppendResult[]>;
}

/**
 * Writes a transaction's marker to each of its partitions on this broker, as Kafka's
 * handleWriteTxnMarkersRequest does: one control batch per partition appended as the coordinator
 * (acks=all), then, for the __consumer_offsets partitions whose marker is written, the group
 * coordinator completes the transaction's offsets. One result per partition, in request order: a
 * partition this broker does not have answers UNKNOWN_TOPIC_OR_PARTITION (deleted, on one node);
 * a failure of the group coordinator answers UNKNOWN_SERVER_ERROR for its partitions, as in Kafka.
 */
export async function writeTxnMarkers(
  appender: TxnMarkerAppender,
  groups: TransactionalOffsetsCompletion,
  marker: TxnMarkerRequest,
  logger: Logger,
): Promise<TxnMarkerResult[]> {
  const appended = await appender.appendTxnMarkers(marker, marker.partitions);
  const results: TxnMarkerResult[] = marker.partitions.map((p, i) => ({ topic: p.topic, partition: p.partition, errorCode: appended[i]!.errorCode }));
  const offsets = results.filter((r) => r.topic === GROUP_METADATA_TOPIC_NAME && r.errorCode === ErrorCode.NONE);
  if (offsets.length > 0) {
    try {
      await groups.completeTransaction(
        marker.producerId,
        offsets.map((r) => r.partition),
        marker.commit,
      );
    } catch (err) {
      logger.error({ err, producerId: marker.producerId, partitions: offsets.map((r) => r.partition) }, 'completing transactional offsets after the transaction markers failed');
      return results.map((r) => (offsets.includes(r) ? { ...r, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR } : r));
    }
  }
  return results;
}
