import { ErrorCode } from '@tributary/protocol';
import { systemScheduler, type Scheduler, type TimerHandle } from '../group/scheduler.js';
import { appendFailureCode } from './append-errors.js';
import type {
  AddPartitionsRequest,
  DescribedTransaction,
  EndTxnRequest,
  EndTxnResult,
  InitProducerIdRequest,
  InitProducerIdResult,
  ListTransactionsRequest,
  ProducerIdSource,
} from './api-types.js';
import { resolveTransactionCoordinatorConfig, type TransactionCoordinatorConfig } from './config.js';
import { TransactionCoordinatorError } from './errors.js';
import type { TxnMarkerWriter } from './marker-writer.js';
import type { TransactionLog } from './transaction-log.js';
import { TransactionMarkerChannel } from './transaction-markers.js';
import { isEpochExhausted, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionMetadata, type PrepareResult } from './transaction-metadata.js';
import { TransactionStateManager, type ListTransactionsResult } from './transaction-state-manager.js';

export interface TransactionCoordinatorOptions {
  /** __transaction_state, bound by the broker to its log store. */
  readonly log: TransactionLog;
  /** Writes COMMIT/ABORT markers to the transaction's partitions. */
  readonly markers: TxnMarkerWriter;
  readonly producerIds: ProducerIdSource;
  /** Time and timers; ManualScheduler in tests. Default: real time. */
  readonly scheduler?: Scheduler;
  /** Overrides of Kafka's defaults. */
  readonly config?: Partial<TransactionCoordinatorConfig>;
  /** Unexpected failures of background work (bugs, markers that can never be written); default console.error. */
  readonly onError?: (err: unknown) => void;
}

const initError = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
const endError = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

/**
 * Kafka's TransactionCoordinator (transactions version 0, the protocol kafkajs 2.2.4 and
 * librdkafka 2.0.2 speak): producer ids and epochs for transactional ids, the partitions of each
 * transaction, commit and abort with markers, fencing of older producer instances, aborting
 * transactions that outlive their timeout, and expiring idle ids. Every state change is persisted
 * to __transaction_state before it is applied or answered; a partition of it is served once
 * loaded (loadPartition), when transactions caught between decision and completion are finished.
 * Handlers translate wire messages to these calls and back; no networking happens here.
 */
export class TransactionCoordinator {
  readonly config: TransactionCoordinatorConfig;
  private readonly scheduler: Scheduler;
  private readonly state: TransactionStateManager;
  private readonly channel: TransactionMarkerChannel;
  private readonly producerIds: ProducerIdSource;
  private readonly reportError: (err: unknown) => void;
  private active = true;
  private abortTimer: TimerHandle | null = null;
  private expirationTimer: TimerHandle | null = null;

  constructor(options: TransactionCoordinatorOptions) {
    this.config = resolveTransactionCoordinatorConfig(options.config);
    this.scheduler = options.scheduler ?? systemScheduler;
    this.reportError = options.onError ?? ((err: unknown) => console.error('transaction coordinator:', err));
    this.producerIds = options.producerIds;
    this.state = new TransactionStateManager(this.config, options.log, () => this.scheduler.now());
    this.channel = new TransactionMarkerChannel({
      state: this.state,
      writer: options.markers,
      scheduler: this.scheduler,
      retryBackoffMs: this.config.markerRetryBackoffMs,
      reportError: this.reportError,
    });
    this.scheduleTimedOutAborts();
    this.scheduleExpiration();
  }

  /** The __transaction_state partition that holds a transactional id (FindCoordinator answers with its leader). */
  partitionFor(transactionalId: string): number {
    return this.state.partitionFor(transactionalId);
  }

  ownsPartition(partition: number): boolean {
    return this.state.ownedPartitions().includes(partition);
  }

  /**
   * Becomes coordinator for a partition of __transaction_state: replays it, serves its ids, and
   * finishes the transactions it finds decided but not completed (markers, then CompleteX).
   * Resolves once those completions made their first attempt. Rejects with CORRUPT_RECORD if a
   * record does not decode; the partition is then not served. With `after`, requests for the
   * partition's ids get COORDINATOR_LOAD_IN_PROGRESS at once, and the replay starts once `after` settles.
   */
  async loadPartition(partition: number, coordinatorEpoch = 0, after?: Promise<unknown>): Promise<void> {
    if (!this.active) return;
    const pending = await this.state.loadPartition(partition, coordinatorEpoch, after);
    if (!this.active) {
      this.state.unloadPartition(partition);
      return;
    }
    await Promise.all(pending.map((p) => this.channel.complete(p)));
  }

  unloadPartition(partition: number): void {
    this.state.unloadPartition(partition);
  }

  /** Shuts down: timers and marker retries stop, every partition is unloaded, later requests get COORDINATOR_NOT_AVAILABLE. */
  onClose(): void {
    this.active = false;
    this.abortTimer?.cancel();
    this.expirationTimer?.cancel();
    this.abortTimer = this.expirationTimer = null;
    this.channel.close();
    this.state.shutdown();
  }

  /** Resolves once every transaction being finished is complete or given up (tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.channel.whenIdle();
  }

  // ------------------------------------------------------------------ InitProducerId

  /**
   * InitProducerId with a transactional id (Kafka's handleInitProducerId): a producer id for a new
   * id; for a known one the next epoch, fencing every older instance. An ongoing transaction of
   * the previous instance is aborted first and the caller told CONCURRENT_TRANSACTIONS, so it
   * retries and then gets an epoch past the one the abort used.
   */
  async initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResult> {
    const { transactionalId, transactionTimeoutMs } = req;
    if (!this.active) return initError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (transactionalId === '') return initError(ErrorCode.INVALID_REQUEST);
    if (!this.validTimeout(transactionTimeoutMs)) return initError(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const none = req.producerId === NO_PRODUCER_ID && req.producerEpoch === NO_PRODUCER_EPOCH;
    if (!none && (req.producerId === NO_PRODUCER_ID || req.producerEpoch === NO_PRODUCER_EPOCH)) return initError(ErrorCode.INVALID_REQUEST);
    const expected = none ? undefined : { producerId: req.producerId, producerEpoch: req.producerEpoch };

    let lookup = this.state.getTransactionState(transactionalId);
    if ('errorCode' in lookup) return initError(lookup.errorCode);
    if (!lookup.found) {
      const producerId = await this.newProducerId();
      if (producerId.errorCode !== ErrorCode.NONE) return initError(producerId.errorCode);
      const created = new TransactionMetadata(transactionalId, {
        producerId: producerId.id,
        previousProducerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: transactionTimeoutMs,
        state: 'Empty',
        txnStartTimestamp: -1,
        txnLastUpdateTimestamp: this.scheduler.now(),
      });
      lookup = this.state.putTransactionStateIfNotExists(created);
      if ('errorCode' in lookup) return initError(lookup.errorCode);
    }
    const { coordinatorEpoch, metadata } = lookup.found!;

    // Running out of epochs means a new producer id, which takes a (possibly durable) allocation:
    // get it first, then decide synchronously on the metadata as it is then.
    let rotationId: number | undefined;
    const idle = metadata.state === 'Empty' || metadata.state === 'CompleteCommit' || metadata.state === 'CompleteAbort';
    if (idle && metadata.isProducerEpochExhausted && !metadata.pendingTransitionInProgress) {
      const allocated = await this.newProducerId();
      if (allocated.errorCode !== ErrorCode.NONE) return initError(allocated.errorCode);
      rotationId = allocated.id;
      const again = this.state.getTransactionState(transactionalId);
      if ('errorCode' in again) return initError(again.errorCode);
      if (again.found?.metadata !== metadata) return initError(ErrorCode.CONCURRENT_TRANSACTIONS);
    }

    const decision = this.prepareInitProducerIdTransit(transactionalId, transactionTimeoutMs, metadata, expected, rotationId);
    if ('errorCode' in decision) return initError(decision.errorCode);
    const transit = decision.transit;
    if (transit.state === 'PrepareEpochFence') {
      // Abort the previous instance's transaction with the bumped epoch (fencing it); this epoch is
      // never handed out: the retry bumps once more.
      const aborted = await this.endTransactionInternal(transactionalId, transit.producerId, transit.producerEpoch, false, false);
      return initError(aborted.errorCode !== ErrorCode.NONE ? aborted.errorCode : ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    const error = await this.state.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
    if (error !== ErrorCode.NONE) return initError(error);
    return { errorCode: ErrorCode.NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
  }

  private prepareInitProducerIdTransit(
    transactionalId: string,
    timeoutMs: number,
    m: TransactionMetadata,
    expected: { producerId: number; producerEpoch: number } | undefined,
    rotationId: number | undefined,
  ): PrepareResult {
    if (m.pendingTransitionInProgress) return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    // A producer naming its id and epoch is fenced unless the id was just created, is the current
    // one, or is the previous one whose epochs ran out (a retry of the rotation it never saw).
    if (
      expected &&
      !(
        m.producerEpoch === NO_PRODUCER_EPOCH ||
        expected.producerId === m.producerId ||
        (expected.producerId === m.previousProducerId && isEpochExhausted(expected.producerEpoch))
      )
    ) {
      return { errorCode: ErrorCode.PRODUCER_FENCED };
    }
    const now = this.scheduler.now();
    switch (m.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
      case 'CompleteAbort':
      case 'CompleteCommit':
      case 'Empty':
        if (m.isProducerEpochExhausted && (!expected || expected.producerEpoch === m.producerEpoch)) {
          if (rotationId === undefined) return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
          return { transit: m.prepareProducerIdRotation(rotationId, timeoutMs, now, expected !== undefined) };
        }
        return m.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch, now);
      case 'Ongoing':
        return { transit: m.prepareFenceProducerEpoch() };
      case 'Dead':
      case 'PrepareEpochFence':
        throw new TransactionCoordinatorError('ILLEGAL_STATE', `transactional id ${transactionalId} found in state ${m.state}, which is never current`);
    }
  }

  // ------------------------------------------------------------------ AddPartitionsToTxn / AddOffsetsToTxn

  /**
   * Adds partitions to the producer's transaction, starting it when idle (Kafka's
   * handleAddPartitionsToTransaction); AddOffsetsToTxn adds the group's __consumer_offsets partition
   * the same way. The caller has checked the partitions exist.
   */
  async addPartitionsToTransaction(req: AddPartitionsRequest): Promise<number> {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const lookup = this.state.getTransactionState(req.transactionalId);
    if ('errorCode' in lookup) return lookup.errorCode;
    if (!lookup.found) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const { coordinatorEpoch, metadata: m } = lookup.found;
    if (m.producerId !== req.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== req.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    // Already all in the transaction: nothing to write.
    if (m.state === 'Ongoing' && req.partitions.every((tp) => m.partitions.has(tp.topic, tp.partition))) return ErrorCode.NONE;
    const transit = m.prepareAddPartitions(req.partitions, this.scheduler.now());
    return this.state.appendTransactionToLog(req.transactionalId, coordinatorEpoch, transit);
  }

  // ------------------------------------------------------------------ EndTxn

  /**
   * Commits or aborts the producer's transaction (Kafka's handleEndTransaction). The decision
   * (PrepareCommit/PrepareAbort) is durable before anything else happens; then, unlike Kafka, the
   * markers and the completion record are written before the answer (see README: on one node the
   * markers are local appends, and a committed transaction is then readable once commit returns).
   * A retry of a completed commit or abort succeeds; the opposite decision is INVALID_TXN_STATE.
   */
  endTransaction(req: EndTxnRequest): Promise<EndTxnResult> {
    return this.endTransactionInternal(req.transactionalId, req.producerId, req.producerEpoch, req.commit, true);
  }

  private async endTransactionInternal(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, isFromClient: boolean): Promise<EndTxnResult> {
    // Runs synchronously up to the first await: a fence prepared by the caller is taken over here
    // before any other request can see it.
    if (!this.active) return endError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (transactionalId === '') return endError(ErrorCode.INVALID_REQUEST);
    const lookup = this.state.getTransactionState(transactionalId);
    if ('errorCode' in lookup) return endError(lookup.errorCode);
    if (!lookup.found) return endError(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const { coordinatorEpoch, metadata: m } = lookup.found;
    if (m.producerId !== producerId) return endError(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    // A client must name the current epoch; the coordinator's own abort (fencing) names a newer one.
    if (!((!isFromClient || producerEpoch === m.producerEpoch) && producerEpoch >= m.producerEpoch)) return endError(ErrorCode.PRODUCER_FENCED);
    if (m.pendingTransitionInProgress && m.pendingState !== 'PrepareEpochFence') return endError(ErrorCode.CONCURRENT_TRANSACTIONS);
    const current = { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
    let isEpochFence = false;
    switch (m.state) {
      case 'Ongoing':
        break;
      case 'CompleteCommit':
        return commit ? current : endError(ErrorCode.INVALID_TXN_STATE);
      case 'CompleteAbort':
        return commit ? endError(ErrorCode.INVALID_TXN_STATE) : current;
      case 'PrepareCommit':
        return endError(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case 'PrepareAbort':
        return endError(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'Empty':
        return endError(ErrorCode.INVALID_TXN_STATE);
      case 'Dead':
      case 'PrepareEpochFence':
        throw new TransactionCoordinatorError('ILLEGAL_STATE', `transactional id ${transactionalId} found in state ${m.state}, which is never current`);
    }
    if (m.pendingState === 'PrepareEpochFence') {
      // Only the coordinator's own abort follows a fence, in the same synchronous step.
      if (commit || isFromClient) return endError(ErrorCode.CONCURRENT_TRANSACTIONS);
      // The fence becomes this abort: the bumped epoch is the one the markers carry.
      isEpochFence = true;
      m.pendingState = undefined;
      m.producerEpoch = producerEpoch;
      m.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    const prepared = m.prepareAbortOrCommit(commit ? 'PrepareCommit' : 'PrepareAbort', this.scheduler.now());
    const error = await this.state.appendTransactionToLog(transactionalId, coordinatorEpoch, prepared);
    if (error !== ErrorCode.NONE) {
      if (isEpochFence) {
        const after = this.state.getTransactionState(transactionalId);
        // The epoch was raised in memory but not written: the next fence reuses it.
        if ('found' in after && after.found?.coordinatorEpoch === coordinatorEpoch) after.found.metadata.hasFailedEpochFence = true;
      }
      return endError(error);
    }

    const after = this.state.getTransactionState(transactionalId);
    if ('errorCode' in after) return endError(after.errorCode);
    if (!after.found) throw new TransactionCoordinatorError('ILLEGAL_STATE', `transactional id ${transactionalId} vanished while its partition is still owned`);
    if (after.found.coordinatorEpoch !== coordinatorEpoch) return endError(ErrorCode.NOT_COORDINATOR);
    const now = after.found.metadata;
    if (now.producerId !== producerId) return endError(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (now.producerEpoch !== producerEpoch) return endError(ErrorCode.PRODUCER_FENCED);
    if (now.pendingTransitionInProgress) return endError(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (now.state !== (commit ? 'PrepareCommit' : 'PrepareAbort')) return endError(ErrorCode.INVALID_TXN_STATE);
    const result = { errorCode: ErrorCode.NONE, producerId: now.producerId, producerEpoch: now.producerEpoch };
    await this.channel.complete({ transactionalId, coordinatorEpoch, commit, metadata: now, transit: now.prepareComplete(this.scheduler.now()) });
    return result;
  }

  // ------------------------------------------------------------------ produce verification

  /**
   * Whether a transactional batch of this producer may be appended to a partition (Kafka 3.6+'s
   * transaction verification, answered locally in O(1)): NONE when the producer's current epoch
   * has an ongoing transaction containing the partition; else the coordinator's error as Kafka's
   * verification gives it (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS,
   * TRANSACTION_ABORTABLE, COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE), which the
   * produce path translates for the request version.
   */
  verifyTransactionalProduce(producerId: number, producerEpoch: number, topic: string, partition: number): number {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const m = this.state.metadataForProducerId(producerId);
    // While a partition loads, its producers are not indexed yet: make the client retry.
    if (!m) return this.state.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    return m.partitions.has(topic, partition) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE;
  }

  // ------------------------------------------------------------------ DescribeTransactions / ListTransactions

  describeTransaction(transactionalId: string): DescribedTransaction {
    const failed = (errorCode: number): DescribedTransaction => ({
      transactionalId,
      errorCode,
      state: '',
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      topics: [],
    });
    if (!this.active) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    const lookup = this.state.getTransactionState(transactionalId);
    if ('errorCode' in lookup) return failed(lookup.errorCode);
    const m = lookup.found?.metadata;
    // An id being expired is as good as gone.
    if (!m || m.state === 'Dead') return failed(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    return {
      transactionalId,
      errorCode: ErrorCode.NONE,
      state: m.state,
      transactionTimeoutMs: m.txnTimeoutMs,
      transactionStartTimeMs: m.txnStartTimestamp,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      topics: m.partitions.byTopic().map(({ topic, partitions }) => ({ topic, partitions })),
    };
  }

  listTransactions(req: ListTransactionsRequest): ListTransactionsResult {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactions: [] };
    return this.state.listTransactions(req.stateFilters, req.producerIdFilters, req.durationFilterMs);
  }

  // ------------------------------------------------------------------ timeouts and expiration

  /**
   * Aborts every ongoing transaction older than its timeout (Kafka's abortTimedOutTransactions):
   * the epoch is bumped, so the producer that let it time out is fenced. Runs every
   * transaction.abort.timed.out.transaction.cleanup.interval.ms; resolves once the aborts are done.
   */
  async abortTimedOutTransactions(): Promise<void> {
    if (!this.active) return;
    const aborts: Array<Promise<unknown>> = [];
    for (const t of this.state.timedOutTransactions()) {
      const lookup = this.state.getTransactionState(t.transactionalId);
      if (!('found' in lookup) || !lookup.found) continue;
      const m = lookup.found.metadata;
      if (m.producerId !== t.producerId || m.pendingTransitionInProgress) continue;
      const fence = m.prepareFenceProducerEpoch();
      aborts.push(this.endTransactionInternal(t.transactionalId, fence.producerId, fence.producerEpoch, false, false).catch(this.reportError));
    }
    await Promise.all(aborts);
  }

  /** Removes ids idle for transactional.id.expiration.ms (also run every ...remove.expired...interval.ms). */
  async removeExpiredTransactionalIds(): Promise<number> {
    if (!this.active) return 0;
    return this.state.removeExpiredTransactionalIds();
  }

  private scheduleTimedOutAborts(): void {
    // Fixed rate, rescheduled before running so a slow round never delays the next one.
    this.abortTimer = this.scheduler.schedule(this.config.abortTimedOutTransactionsIntervalMs, () => {
      if (!this.active) return;
      this.scheduleTimedOutAborts();
      this.abortTimedOutTransactions().catch(this.reportError);
    });
  }

  private scheduleExpiration(): void {
    this.expirationTimer = this.scheduler.schedule(this.config.removeExpiredTransactionalIdsIntervalMs, () => {
      if (!this.active) return;
      this.scheduleExpiration();
      this.removeExpiredTransactionalIds().catch(this.reportError);
    });
  }

  private validTimeout(timeoutMs: number): boolean {
    return timeoutMs > 0 && timeoutMs <= this.config.transactionMaxTimeoutMs;
  }

  private async newProducerId(): Promise<{ errorCode: number; id: number }> {
    try {
      return { errorCode: ErrorCode.NONE, id: await this.producerIds.generateProducerId() };
    } catch (err) {
      this.reportError(err);
      return { errorCode: appendFailureCode(err), id: NO_PRODUCER_ID };
    }
  }
}
