import { ErrorCode } from '@tributary/protocol';
import { ManualScheduler } from '../../group/scheduler.js';
import type { InitProducerIdResult } from '../api-types.js';
import type { TransactionCoordinatorConfig } from '../config.js';
import { TransactionCoordinator } from '../transaction-coordinator.js';
import { decodeTransactionLogKey, decodeTransactionLogValue, type TransactionLogValue } from '../transaction-log-records.js';
import { txnStateFromId, type TxnState } from '../transaction-state.js';
import { InMemoryTransactionLog } from './in-memory-transaction-log.js';
import { RecordingMarkerWriter } from './recording-marker-writer.js';

/**
 * Test scaffolding: a transaction coordinator on a manual clock, an in-memory __transaction_state,
 * a recording marker writer and a counting producer id source, with every partition loaded.
 */

export const START_MS = 1_700_000_000_000;
export const TEST_PARTITIONS = 4;
export const FIRST_PRODUCER_ID = 1000;

/** Lets pending promise continuations run (appends resolving, completions proceeding). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Several flushes: enough for a chain of in-memory writes (a completion: markers, then its record) to finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await flush();
}

export interface TxnHarness {
  readonly coordinator: TransactionCoordinator;
  readonly scheduler: ManualScheduler;
  readonly log: InMemoryTransactionLog;
  readonly markers: RecordingMarkerWriter;
  readonly errors: unknown[];
  /** Moves time and lets everything that became due run. */
  advance(ms: number): Promise<void>;
  /** InitProducerId for a transactional id (60 s timeout unless given); throws unless it succeeds. */
  init(transactionalId: string, timeoutMs?: number): Promise<InitProducerIdResult>;
  /** Adds partitions (as "topic-partition" strings) to the id's transaction. */
  add(transactionalId: string, ids: InitProducerIdResult, ...partitions: string[]): Promise<number>;
  /** The decoded records of the id, in log order (null value = tombstone). */
  history(transactionalId: string): Array<TransactionLogValue & { state: TxnState } | null>;
}

export async function createTxnHarness(
  options: {
    config?: Partial<TransactionCoordinatorConfig>;
    log?: InMemoryTransactionLog;
    scheduler?: ManualScheduler;
    markers?: RecordingMarkerWriter;
    load?: boolean;
    /** Where the producer id source starts (another "broker run" over the same log must not reuse ids). */
    firstProducerId?: number;
  } = {},
): Promise<TxnHarness> {
  const scheduler = options.scheduler ?? new ManualScheduler(START_MS);
  const log = options.log ?? new InMemoryTransactionLog();
  const markers = options.markers ?? new RecordingMarkerWriter();
  const errors: unknown[] = [];
  let nextId = options.firstProducerId ?? FIRST_PRODUCER_ID;
  const coordinator = new TransactionCoordinator({
    log,
    markers,
    producerIds: { generateProducerId: async () => nextId++ },
    scheduler,
    config: { transactionStateLogNumPartitions: TEST_PARTITIONS, ...options.config },
    onError: (err) => errors.push(err),
  });
  if (options.load ?? true) {
    for (let p = 0; p < coordinator.config.transactionStateLogNumPartitions; p++) await coordinator.loadPartition(p);
  }
  const h: TxnHarness = {
    coordinator,
    scheduler,
    log,
    markers,
    errors,
    async advance(ms) {
      await settle();
      scheduler.advance(ms);
      await settle();
    },
    async init(transactionalId, timeoutMs = 60_000) {
      const r = await coordinator.initProducerId({ transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1, producerEpoch: -1 });
      if (r.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId(${transactionalId}) failed with ${r.errorCode}`);
      return r;
    },
    add(transactionalId, ids, ...partitions) {
      return coordinator.addPartitionsToTransaction({
        transactionalId,
        producerId: ids.producerId,
        producerEpoch: ids.producerEpoch,
        partitions: partitions.map(tp),
      });
    },
    history(transactionalId) {
      const partition = coordinator.partitionFor(transactionalId);
      return log
        .records(partition)
        .filter((r) => {
          const key = decodeTransactionLogKey(r.key);
          return key.kind === 'transaction' && key.transactionalId === transactionalId;
        })
        .map((r) => {
          if (r.value === null) return null;
          const v = decodeTransactionLogValue(r.value);
          return { ...v, state: txnStateFromId(v.transactionStatus) };
        });
    },
  };
  return h;
}

/** "orders-2" → { topic: 'orders', partition: 2 } (the last dash separates the partition). */
export function tp(s: string): { topic: string; partition: number } {
  const dash = s.lastIndexOf('-');
  return { topic: s.slice(0, dash), partition: Number(s.slice(dash + 1)) };
}
