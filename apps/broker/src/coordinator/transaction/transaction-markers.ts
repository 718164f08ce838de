import { ErrorCode } from '@tributary/protocol';
import type { Scheduler, TimerHandle } from '../group/scheduler.js';
import type { TxnMarkerPartitionResult, TxnMarkerWriter } from './marker-writer.js';
import type { PendingCompletion, TransactionStateManager } from './transaction-state-manager.js';

/** What a marker write's error means for the transaction (Kafka's TransactionMarkerRequestCompletionHandler). */
type MarkerOutcome = 'written' | 'retry' | 'cancel' | 'fatal';

function outcomeOf(errorCode: number): MarkerOutcome {
  switch (errorCode) {
    case ErrorCode.NONE:
    // On one node a partition the replica manager does not know was deleted: Kafka skips partitions
    // without a leader for that reason. The producer could not have written to it anyway.
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case ErrorCode.UNSUPPORTED_VERSION:
      return 'written';
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return 'retry';
    // The producer or the coordinator was fenced meanwhile: this transaction is someone else's now.
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.TRANSACTION_COORDINATOR_FENCED:
      return 'cancel';
    default:
      return 'fatal';
  }
}

export interface TransactionMarkerChannelOptions {
  readonly state: TransactionStateManager;
  readonly writer: TxnMarkerWriter;
  readonly scheduler: Scheduler;
  readonly retryBackoffMs: number;
  readonly reportError: (err: unknown) => void;
}

/**
 * Finishes decided transactions (Kafka's TransactionMarkerChannelManager): writes the COMMIT or
 * ABORT marker to every partition still waiting for one, then the CompleteCommit/CompleteAbort
 * record. Retriable failures are retried after a back-off until they succeed or the coordinator
 * loses the partition; a fenced producer or coordinator cancels the markers, as in Kafka (the
 * transaction then stays in its Prepare state until the partition is loaded again).
 */
export class TransactionMarkerChannel {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly sleepers = new Map<TimerHandle, (awake: boolean) => void>();
  private closed = false;

  constructor(private readonly options: TransactionMarkerChannelOptions) {}

  /** Transactions whose markers or completion record are still being written. */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Starts finishing a transaction. Resolves once it is complete, or as soon as a write has to be
   * retried (the retries go on in the background), so a caller waiting for it never waits on a
   * partition that stays unavailable.
   */
  complete(p: PendingCompletion): Promise<void> {
    let firstAttemptDone!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (firstAttemptDone = resolve));
    const run = this.run(p, firstAttemptDone)
      .catch((err: unknown) => this.options.reportError(err))
      .finally(() => {
        if (this.inFlight.get(p.transactionalId) === run) this.inFlight.delete(p.transactionalId);
        firstAttemptDone();
      });
    this.inFlight.set(p.transactionalId, run);
    return firstAttempt;
  }

  /** Resolves once every transaction started so far is complete or given up (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** Stops retrying: completions waiting for a retry end now; writes in progress finish. */
  close(): void {
    this.closed = true;
    for (const [handle, wake] of this.sleepers) {
      handle.cancel();
      wake(false);
    }
    this.sleepers.clear();
  }

  private async run(p: PendingCompletion, firstAttemptDone: () => void): Promise<void> {
    for (;;) {
      if (this.closed || !this.stillCurrent(p)) return;
      let retry = false;
      const remaining = p.metadata.partitions.list();
      if (remaining.length > 0) {
        const results = await this.options.writer.write({
          producerId: p.transit.producerId,
          producerEpoch: p.transit.producerEpoch,
          coordinatorEpoch: p.coordinatorEpoch,
          commit: p.commit,
          partitions: remaining,
        });
        if (!this.stillCurrent(p)) return;
        const outcome = this.applyResults(p, results);
        if (outcome === 'cancel' || outcome === 'fatal') return;
        retry = outcome === 'retry';
      }
      if (!retry) {
        const error = await this.options.state.appendTransactionToLog(
          p.transactionalId,
          p.coordinatorEpoch,
          p.transit,
          (e) => e === ErrorCode.COORDINATOR_NOT_AVAILABLE,
        );
        if (error === ErrorCode.NONE) return;
        // Not ours any more, or being loaded again (the load finishes the transaction).
        if (error === ErrorCode.NOT_COORDINATOR || error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return;
        if (error !== ErrorCode.COORDINATOR_NOT_AVAILABLE) {
          this.options.reportError(new Error(`writing the completion of transactional id ${p.transactionalId} failed with error ${error}`));
          return;
        }
      }
      firstAttemptDone();
      if (!(await this.sleep(this.options.retryBackoffMs))) return;
    }
  }

  /** Removes the partitions whose marker is written; says whether to go on, retry the rest, or stop. */
  private applyResults(p: PendingCompletion, results: readonly TxnMarkerPartitionResult[]): MarkerOutcome {
    let outcome: MarkerOutcome = 'written';
    for (const r of results) {
      switch (outcomeOf(r.errorCode)) {
        case 'written':
          p.metadata.removePartition(r);
          break;
        case 'retry':
          if (outcome === 'written') outcome = 'retry';
          break;
        case 'cancel':
          if (outcome !== 'fatal') outcome = 'cancel';
          break;
        case 'fatal':
          this.options.reportError(
            new Error(`unexpected error ${r.errorCode} writing the transaction marker of ${p.transactionalId} to ${r.topic}-${r.partition}; its markers are no longer written`),
          );
          outcome = 'fatal';
          break;
      }
    }
    return outcome;
  }

  /** Whether this coordinator still owns the transaction as it was when its completion started. */
  private stillCurrent(p: PendingCompletion): boolean {
    const lookup = this.options.state.getTransactionState(p.transactionalId);
    return 'found' in lookup && lookup.found?.metadata === p.metadata && lookup.found.coordinatorEpoch === p.coordinatorEpoch;
  }

  /** Waits `ms` on the scheduler; false when closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handle = this.options.scheduler.schedule(ms, () => {
        this.sleepers.delete(handle);
        resolve(!this.closed);
      });
      this.sleepers.set(handle, resolve);
    });
  }
}
