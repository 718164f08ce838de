import { ErrorCode } from '@tributary/protocol';
import type { Log, LogReadResult } from '@tributary/storage';
import type { Logger } from 'pino';
import { READ_COMMITTED, type AbortedTransaction, type FetchParams, type FetchPartitionRequest, type FetchPartitionResult } from './fetch-types.js';
import type { Partition } from './partition.js';
import { knownErrorOf } from './partition-error.js';

const EMPTY = Buffer.alloc(0);

/** A fetch's reads from the local logs. */
export interface LocalReadResult {
  /** One per requested partition, in request order. */
  readonly partitions: FetchPartitionResult[];
  /** Record bytes returned across all partitions. */
  readonly bytes: number;
  /** Some partition answered with an error (Kafka answers such a fetch without waiting). */
  readonly hasError: boolean;
}

/**
 * Kafka's ReplicaManager.readFromLocalLog: reads the partitions in request order, each up to its
 * partition_max_bytes and to what is left of the response's max_bytes, returning stored batches as
 * they are. Only the first partition that has data may exceed the limits, by returning its first
 * batch whole (KIP-74's minOneMessage), so a consumer always makes progress however large a batch.
 */
export async function readFromLocalLogs(
  params: FetchParams,
  lookup: (topic: string, partition: number) => Partition | undefined,
  log: Logger,
): Promise<LocalReadResult> {
  let limitBytes = Math.max(0, params.maxBytes);
  let minOneBatch = true;
  let bytes = 0;
  let hasError = false;
  const partitions: FetchPartitionResult[] = [];
  for (const req of params.partitions) {
    const maxBytes = Math.min(Math.max(0, req.partitionMaxBytes), limitBytes);
    const partition = req.topic === undefined ? undefined : lookup(req.topic, req.partition);
    const result = await readPartition(partition, req, maxBytes, minOneBatch, params.isolationLevel, log);
    const size = result.records.length;
    // Once one partition returned data, the limits hold strictly for the rest.
    if (size > 0) minOneBatch = false;
    limitBytes = Math.max(0, limitBytes - size);
    bytes += size;
    if (result.errorCode !== ErrorCode.NONE) hasError = true;
    partitions.push(result);
  }
  return { partitions, bytes, hasError };
}

async function readPartition(
  partition: Partition | undefined,
  req: FetchPartitionRequest,
  maxBytes: number,
  minOneBatch: boolean,
  isolationLevel: number,
  logger: Logger,
): Promise<FetchPartitionResult> {
  if (req.topic === undefined) return errorResult(ErrorCode.UNKNOWN_TOPIC_ID);
  if (!partition) return errorResult(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    partition.checkLeaderEpoch(req.currentLeaderEpoch);
    const log = await partition.leaderLog();
    // Offsets are taken before reading so the answer never shows records past what it reports.
    const highWatermark = log.highWatermark;
    const lastStableOffset = log.lastStableOffset;
    const committed = isolationLevel === READ_COMMITTED;
    const read = await log.read(req.fetchOffset, maxBytes, {
      upperBoundOffset: committed ? lastStableOffset : highWatermark,
      minOneBatch,
    });
    return {
      errorCode: ErrorCode.NONE,
      highWatermark,
      lastStableOffset,
      logStartOffset: read.logStartOffset,
      records: read.records,
      abortedTransactions: committed ? abortedWithin(log, req.fetchOffset, read) : null,
    };
  } catch (err) {
    const known = knownErrorOf(err);
    if (known) return errorResult(known.errorCode);
    logger.error({ err, partition: partition.name }, 'fetch read failed unexpectedly');
    return errorResult(ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

/**
 * What a read_committed consumer must drop from the records returned: the aborted transactions
 * overlapping them (Kafka's LocalLog.addAbortedTransactions), from the fetch offset to the end of
 * what was read (not to the last stable offset), looked up in the log's aborted-transaction index.
 * The consumer matches each one's producer id and first offset against the batches and skips that
 * producer's records until the ABORT marker. Nothing returned: an empty list, as Kafka's.
 */
function abortedWithin(log: Log, fetchOffset: number, read: LogReadResult): AbortedTransaction[] {
  if (read.batchCount === 0) return [];
  return log
    .collectAbortedTransactions(fetchOffset, read.nextOffset)
    .map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) }));
}

/** Kafka answers a failed partition read with unknown (-1) offsets and no records. */
function errorResult(errorCode: number): FetchPartitionResult {
  return { errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: EMPTY, abortedTransactions: null };
}
