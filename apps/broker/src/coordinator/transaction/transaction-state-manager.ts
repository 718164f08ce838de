import { ErrorCode, ProtocolError } from '@tributary/protocol';
import { partitionForGroup } from '../group/partition-for-group.js';
import { appendFailureCode, transactionLogErrorFor } from './append-errors.js';
import type { TransactionCoordinatorConfig } from './config.js';
import { TransactionCoordinatorError } from './errors.js';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from './transaction-log-records.js';
import { TRANSACTION_STATE_TOPIC_NAME, type TransactionLog, type TransactionLogRecord } from './transaction-log.js';
import { TransactionMetadata, type TxnTransit } from './transaction-metadata.js';
import { isExpirationAllowed, txnStateFromId, txnStateFromName, type TxnState } from './transaction-state.js';

/** A transactional id's metadata and the coordinator epoch of the partition that holds it. */
export interface EpochAndMetadata {
  readonly coordinatorEpoch: number;
  readonly metadata: TransactionMetadata;
}

/** A lookup: an error (partition loading, or not ours), or the id's metadata if it exists. */
export type TxnLookup = { readonly errorCode: number } | { readonly found: EpochAndMetadata | undefined };

/** A transaction found in PrepareCommit/PrepareAbort on load: its markers must be written, then CompleteX. */
export interface PendingCompletion {
  readonly transactionalId: string;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly metadata: TransactionMetadata;
  /** The CompleteCommit/CompleteAbort transition, pending on the metadata. */
  readonly transit: TxnTransit;
}

export interface TimedOutTransaction {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface ListedTransaction {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly state: TxnState;
}

export interface ListTransactionsResult {
  readonly errorCode: number;
  readonly unknownStateFilters: string[];
  readonly transactions: ListedTransaction[];
}

interface CacheEntry {
  readonly coordinatorEpoch: number;
  readonly txns: Map<string, TransactionMetadata>;
}

/** Tombstones per append when expiring ids (Kafka fills batches up to the topic's max message size). */
const TOMBSTONES_PER_BATCH = 500;

/**
 * Kafka's TransactionStateManager: the metadata of every transactional id of the
 * __transaction_state partitions this coordinator owns, the partitions being loaded, and the one
 * way state changes: appendTransactionToLog (persist the transition, then apply it). Also an index
 * by producer id, so a transactional produce is checked against its transaction in O(1).
 */
export class TransactionStateManager {
  /** Partitions being replayed, with the coordinator epoch they are loaded for. */
  private readonly loading = new Map<number, number>();
  private readonly cache = new Map<number, CacheEntry>();
  private readonly byProducerId = new Map<number, TransactionMetadata>();
  private shuttingDown = false;

  constructor(
    private readonly config: TransactionCoordinatorConfig,
    private readonly log: TransactionLog,
    private readonly now: () => number,
  ) {}

  /** Kafka's partitionFor: abs(transactionalId.hashCode) % transaction.state.log.num.partitions. */
  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.config.transactionStateLogNumPartitions);
  }

  /** Whether any partition is still being replayed. */
  get isLoading(): boolean {
    return this.loading.size > 0;
  }

  ownedPartitions(): number[] {
    return [...this.cache.keys()];
  }

  getTransactionState(transactionalId: string): TxnLookup {
    const partition = this.partitionFor(transactionalId);
    if (this.loading.has(partition)) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    const entry = this.cache.get(partition);
    if (!entry) return { errorCode: ErrorCode.NOT_COORDINATOR };
    const metadata = entry.txns.get(transactionalId);
    return { found: metadata ? { coordinatorEpoch: entry.coordinatorEpoch, metadata } : undefined };
  }

  /** Adds a new id's metadata unless one appeared meanwhile; either way answers with what is cached. */
  putTransactionStateIfNotExists(metadata: TransactionMetadata): TxnLookup {
    const lookup = this.getTransactionState(metadata.transactionalId);
    if (!('found' in lookup) || lookup.found) return lookup;
    const entry = this.cache.get(this.partitionFor(metadata.transactionalId))!;
    entry.txns.set(metadata.transactionalId, metadata);
    this.byProducerId.set(metadata.producerId, metadata);
    return { found: { coordinatorEpoch: entry.coordinatorEpoch, metadata } };
  }

  /** The transactional id currently using a producer id (transactional produce checks). */
  metadataForProducerId(producerId: number): TransactionMetadata | undefined {
    return this.byProducerId.get(producerId);
  }

  /**
   * Writes a prepared transition to __transaction_state and, once durable, applies it (Kafka's
   * appendTransactionToLog). Resolves to NONE or the error for the client: the write's error mapped
   * as Kafka maps it, or NOT_COORDINATOR when the partition changed hands meanwhile. A failed write
   * clears the pending state unless `retryOnError` says the caller will write it again.
   */
  async appendTransactionToLog(
    transactionalId: string,
    coordinatorEpoch: number,
    transit: TxnTransit,
    retryOnError: (errorCode: number) => boolean = () => false,
  ): Promise<number> {
    const before = this.getTransactionState(transactionalId);
    if ('errorCode' in before) return before.errorCode;
    if (!before.found || before.found.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
    const record: TransactionLogRecord = { key: encodeTransactionLogKey(transactionalId), value: encodeTransactionLogValue(transit) };

    let error: number = ErrorCode.NONE;
    try {
      await this.log.append(this.partitionFor(transactionalId), [record]);
    } catch (err) {
      error = transactionLogErrorFor(appendFailureCode(err));
    }

    const after = this.getTransactionState(transactionalId);
    if (error === ErrorCode.NONE) {
      if ('errorCode' in after) return after.errorCode;
      if (!after.found || after.found.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NOT_COORDINATOR;
      const metadata = after.found.metadata;
      const previousProducerId = metadata.producerId;
      metadata.completeTransitionTo(transit);
      if (metadata.producerId !== previousProducerId) this.reindex(metadata, previousProducerId);
      return ErrorCode.NONE;
    }
    if ('found' in after && after.found && after.found.coordinatorEpoch === coordinatorEpoch && !retryOnError(error)) {
      after.found.metadata.pendingState = undefined;
    }
    return error;
  }

  /**
   * Replays a partition of __transaction_state (requests for its ids meanwhile get
   * COORDINATOR_LOAD_IN_PROGRESS) and then serves it. Resolves to the transactions found between
   * their decision and its completion (PrepareCommit/PrepareAbort), already moved to a pending
   * CompleteX, whose markers the caller must write. Rejects with CORRUPT_RECORD if a record does
   * not decode; the partition is then not served. With `after`, the partition is marked loading at
   * once but read only once `after` settles.
   */
  async loadPartition(partition: number, coordinatorEpoch: number, after?: Promise<unknown>): Promise<PendingCompletion[]> {
    this.loading.set(partition, coordinatorEpoch);
    const isCurrent = () => !this.shuttingDown && this.loading.get(partition) === coordinatorEpoch;
    if (after) await after.catch(() => undefined);
    if (!isCurrent()) return [];
    const loaded = new Map<string, TransactionMetadata>();
    try {
      for await (const record of this.log.readAll(partition)) {
        if (!isCurrent()) break;
        applyRecord(loaded, partition, record);
      }
    } catch (err) {
      if (isCurrent()) this.loading.delete(partition);
      if (err instanceof TransactionCoordinatorError) throw err;
      throw new TransactionCoordinatorError('CORRUPT_RECORD', `${TRANSACTION_STATE_TOPIC_NAME}-${partition} could not be loaded`, { cause: err });
    }
    if (!isCurrent()) return [];

    this.dropFromIndex(this.cache.get(partition));
    this.cache.set(partition, { coordinatorEpoch, txns: loaded });
    for (const metadata of loaded.values()) this.byProducerId.set(metadata.producerId, metadata);
    const pending: PendingCompletion[] = [];
    for (const [transactionalId, metadata] of loaded) {
      if (metadata.state === 'PrepareCommit' || metadata.state === 'PrepareAbort') {
        const commit = metadata.state === 'PrepareCommit';
        pending.push({ transactionalId, coordinatorEpoch, commit, metadata, transit: metadata.prepareComplete(this.now()) });
      }
    }
    // Served from here on, so the completions' writes are not refused as "loading".
    this.loading.delete(partition);
    return pending;
  }

  /** Stops serving a partition (another node leads it now, or shutdown); a load in progress is abandoned. */
  unloadPartition(partition: number): void {
    this.loading.delete(partition);
    this.dropFromIndex(this.cache.get(partition));
    this.cache.delete(partition);
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const partition of [...this.cache.keys(), ...this.loading.keys()]) this.unloadPartition(partition);
  }

  /** Ongoing transactions older than their timeout, not in the middle of a change (Kafka's timedOutTransactions). */
  timedOutTransactions(): TimedOutTransaction[] {
    const now = this.now();
    const out: TimedOutTransaction[] = [];
    for (const entry of this.cache.values()) {
      for (const m of entry.txns.values()) {
        if (!m.pendingTransitionInProgress && m.state === 'Ongoing' && m.txnStartTimestamp + m.txnTimeoutMs < now) {
          out.push({ transactionalId: m.transactionalId, producerId: m.producerId, producerEpoch: m.producerEpoch });
        }
      }
    }
    return out;
  }

  /**
   * Removes the ids idle for transactional.id.expiration.ms with nothing left to finish: a
   * tombstone per id in __transaction_state, then out of memory. Resolves to how many were removed.
   */
  async removeExpiredTransactionalIds(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const [partition, entry] of [...this.cache]) {
      const expired: Array<{ metadata: TransactionMetadata; transit: TxnTransit }> = [];
      for (const m of entry.txns.values()) {
        if (!m.pendingTransitionInProgress && isExpirationAllowed(m.state) && m.txnLastUpdateTimestamp <= now - this.config.transactionalIdExpirationMs) {
          expired.push({ metadata: m, transit: m.prepareDead() });
        }
      }
      for (let i = 0; i < expired.length; i += TOMBSTONES_PER_BATCH) {
        removed += await this.writeTombstones(partition, entry, expired.slice(i, i + TOMBSTONES_PER_BATCH));
      }
    }
    return removed;
  }

  /** Kafka's listTransactionStates: every id except Dead ones, filtered by state, producer id and age. */
  listTransactions(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs: number): ListTransactionsResult {
    if (this.isLoading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactions: [] };
    const unknownStateFilters: string[] = [];
    const states = new Set<TxnState>();
    for (const name of stateFilters) {
      const state = txnStateFromName(name);
      if (state === undefined) unknownStateFilters.push(name);
      else states.add(state);
    }
    const producerIds = new Set(producerIdFilters);
    const now = this.now();
    const transactions: ListedTransaction[] = [];
    for (const entry of this.cache.values()) {
      for (const m of entry.txns.values()) {
        if (m.state === 'Dead') continue;
        if (producerIds.size > 0 && !producerIds.has(m.producerId)) continue;
        if (stateFilters.length > 0 && !states.has(m.state)) continue;
        if (durationFilterMs >= 0 && now - m.txnStartTimestamp <= durationFilterMs) continue;
        transactions.push({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state });
      }
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
  }

  private async writeTombstones(partition: number, entry: CacheEntry, expired: ReadonlyArray<{ metadata: TransactionMetadata; transit: TxnTransit }>): Promise<number> {
    let ok = true;
    try {
      await this.log.append(
        partition,
        expired.map(({ metadata }) => ({ key: encodeTransactionLogKey(metadata.transactionalId), value: null })),
      );
    } catch {
      ok = false;
    }
    let removed = 0;
    const current = this.cache.get(partition);
    for (const { metadata, transit } of expired) {
      if (ok && current === entry && metadata.pendingState === 'Dead' && metadata.producerEpoch === transit.producerEpoch) {
        entry.txns.delete(metadata.transactionalId);
        if (this.byProducerId.get(metadata.producerId) === metadata) this.byProducerId.delete(metadata.producerId);
        removed++;
      } else {
        metadata.pendingState = undefined;
      }
    }
    return removed;
  }

  private reindex(metadata: TransactionMetadata, previousProducerId: number): void {
    if (this.byProducerId.get(previousProducerId) === metadata) this.byProducerId.delete(previousProducerId);
    this.byProducerId.set(metadata.producerId, metadata);
  }

  private dropFromIndex(entry: CacheEntry | undefined): void {
    if (!entry) return;
    for (const m of entry.txns.values()) {
      if (this.byProducerId.get(m.producerId) === m) this.byProducerId.delete(m.producerId);
    }
  }
}

/** Applies one replayed record: the id's latest state, or its removal for a tombstone. */
function applyRecord(loaded: Map<string, TransactionMetadata>, partition: number, record: TransactionLogRecord): void {
  const where = `${TRANSACTION_STATE_TOPIC_NAME}-${partition}`;
  let key;
  try {
    key = decodeTransactionLogKey(record.key);
  } catch (err) {
    throw new TransactionCoordinatorError('CORRUPT_RECORD', `${where}: undecodable record key`, { cause: err });
  }
  // Kafka skips keys of versions it does not know (left-overs of an aborted upgrade).
  if (key.kind === 'unknown') return;
  const id = key.transactionalId;
  if (record.value === null) {
    loaded.delete(id);
    return;
  }
  try {
    const v = decodeTransactionLogValue(record.value);
    const state = txnStateFromId(v.transactionStatus);
    if (state === 'Dead' || state === 'PrepareEpochFence') {
      throw new TransactionCoordinatorError('CORRUPT_RECORD', `${where}: transactional id ${id} stored in state ${state}, which is never written`);
    }
    const partitions = state === 'Empty' ? [] : (v.partitions ?? []).flatMap((t) => t.partitionIds.map((p) => ({ topic: t.topic, partition: p })));
    loaded.set(
      id,
      new TransactionMetadata(id, {
        producerId: v.producerId,
        previousProducerId: v.previousProducerId,
        producerEpoch: v.producerEpoch,
        lastProducerEpoch: -1,
        txnTimeoutMs: v.transactionTimeoutMs,
        state,
        partitions,
        txnStartTimestamp: v.transactionStartTimestampMs,
        txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
      }),
    );
  } catch (err) {
    if (err instanceof TransactionCoordinatorError) throw err;
    const detail = err instanceof ProtocolError ? `: ${err.message}` : '';
    throw new TransactionCoordinatorError('CORRUPT_RECORD', `${where}: undecodable value for transactional id ${id}${detail}`, { cause: err });
  }
}
