import { ErrorCode } from '@tributary/protocol';
import { TransactionCoordinatorError } from './errors.js';
import { TopicPartitionSet, type TopicPartition } from './topic-partition-set.js';
import { VALID_PREVIOUS_STATES, type TxnState } from './transaction-state.js';

/** Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32_767;

/**
 * Kafka never hands out the last epochs of a producer id (Short.MaxValue - 1 and up): the
 * coordinator must always be able to bump the epoch once more to fence the producer.
 */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

/**
 * A transition being made (Kafka's TxnTransitMetadata): the whole state the transactional id will
 * have once the record describing it is durable in __transaction_state. Never mutated.
 */
export interface TxnTransit {
  readonly producerId: number;
  readonly prevProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  readonly partitions: TopicPartitionSet;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

export type PrepareResult = { readonly transit: TxnTransit } | { readonly errorCode: number };

export interface TransactionMetadataInit {
  readonly producerId: number;
  readonly previousProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  readonly partitions?: Iterable<TopicPartition>;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

/**
 * One transactional id's state (Kafka's TransactionMetadata, transactions version 0: the epoch
 * changes only on InitProducerId and fencing, never on EndTxn).
 *
 * A change goes in two steps, as in Kafka: prepareX() checks the transition is legal, returns the
 * TxnTransit to persist and marks it pending (pendingState), so no other request can start one
 * meanwhile (they get CONCURRENT_TRANSACTIONS); completeTransitionTo() applies it once the record is
 * durable. A failed write clears pendingState instead.
 */
export class TransactionMetadata {
  producerId: number;
  /** The producer id before the last InitProducerId (Kafka checks it when epochs ran out). */
  previousProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump: a retried InitProducerId that names it gets the same answer. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  readonly partitions: TopicPartitionSet;
  /** When the first partition was added (-1 when no transaction ran); the timeout counts from here. */
  txnStartTimestamp: number;
  /** When any change was last made; transactional.id.expiration.ms counts from here. */
  txnLastUpdateTimestamp: number;
  pendingState: TxnState | undefined = undefined;
  /** A fencing bump was prepared but its record not written: the next fence reuses that epoch. */
  hasFailedEpochFence = false;

  constructor(
    readonly transactionalId: string,
    init: TransactionMetadataInit,
  ) {
    this.producerId = init.producerId;
    this.previousProducerId = init.previousProducerId;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.partitions = new TopicPartitionSet(init.partitions ?? []);
    this.txnStartTimestamp = init.txnStartTimestamp;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== undefined;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Bumps the epoch to fence the current producer before aborting its transaction (not persisted itself). */
  prepareFenceProducerEpoch(): TxnTransit {
    if (this.producerEpoch === SHORT_MAX) {
      throw this.illegal('cannot fence a producer whose epoch is already Short.MaxValue');
    }
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo('PrepareEpochFence', this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.partitions, this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId on an idle id: the next epoch. With the epoch a retrying client names
   * (InitProducerId v3+) the retry of a bump it never saw the answer to gets the same epoch again;
   * any other epoch is fenced.
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedProducerEpoch: number | undefined, now: number): PrepareResult {
    if (this.isProducerEpochExhausted) throw this.illegal(`cannot allocate any more producer epochs for producer id ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let next: [number, number];
    if (expectedProducerEpoch === undefined) next = [bumped, NO_PRODUCER_EPOCH];
    else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedProducerEpoch === this.producerEpoch) next = [bumped, this.producerEpoch];
    else if (expectedProducerEpoch === this.lastProducerEpoch) next = [this.producerEpoch, this.lastProducerEpoch];
    else return { errorCode: ErrorCode.PRODUCER_FENCED };
    return { transit: this.prepareTransitionTo('Empty', this.producerId, next[0], next[1], newTxnTimeoutMs, new TopicPartitionSet(), -1, now) };
  }

  /** InitProducerId when the epochs of the producer id ran out: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    if (this.state === 'Ongoing' || this.state === 'PrepareAbort' || this.state === 'PrepareCommit') {
      throw this.illegal('cannot rotate producer ids while a transaction is still pending');
    }
    const lastEpoch = recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH;
    return this.prepareTransitionTo('Empty', newProducerId, 0, lastEpoch, newTxnTimeoutMs, new TopicPartitionSet(), -1, now);
  }

  prepareAddPartitions(added: Iterable<TopicPartition>, now: number): TxnTransit {
    const idle = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit';
    const start = idle ? now : this.txnStartTimestamp;
    return this.prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions.union(added), start, now);
  }

  prepareAbortOrCommit(newState: 'PrepareCommit' | 'PrepareAbort', now: number): TxnTransit {
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions, this.txnStartTimestamp, now);
  }

  /** The markers are written: CompleteCommit or CompleteAbort, with no partitions left. */
  prepareComplete(now: number): TxnTransit {
    const newState = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.producerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, now);
  }

  /** Expiration of an idle id: written as a tombstone, then dropped from memory. */
  prepareDead(): TxnTransit {
    return this.prepareTransitionTo('Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /** A partition's marker is written (or the partition is gone): it no longer waits for one. */
  removePartition(tp: TopicPartition): void {
    if (this.state !== 'PrepareCommit' && this.state !== 'PrepareAbort') {
      throw this.illegal(`removing partition ${tp.topic}-${tp.partition} whose marker was written while in state ${this.state}`);
    }
    this.partitions.delete(tp.topic, tp.partition);
  }

  /** Applies a transition whose record is now durable (Kafka's completeTransitionTo, with its checks). */
  completeTransitionTo(t: TxnTransit): void {
    const toState = this.pendingState;
    if (toState === undefined) throw this.illegal(`completing a transition to ${t.state} with none pending`);
    if (toState !== t.state) throw this.failedTransition(t);
    switch (toState) {
      case 'Empty':
        if ((this.producerEpoch !== t.producerEpoch && !this.validProducerEpochBump(t)) || t.partitions.size > 0 || t.txnStartTimestamp !== -1) {
          throw this.failedTransition(t);
        }
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.previousProducerId = t.prevProducerId;
        break;
      case 'Ongoing':
        if (!this.validProducerEpoch(t) || !this.partitions.subsetOf(t.partitions) || this.txnTimeoutMs !== t.txnTimeoutMs) throw this.failedTransition(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const tp of t.partitions.list()) this.partitions.add(tp.topic, tp.partition);
        break;
      case 'PrepareCommit':
      case 'PrepareAbort':
        if (
          !this.validProducerEpoch(t) ||
          !this.partitions.equals(t.partitions) ||
          this.txnTimeoutMs !== t.txnTimeoutMs ||
          this.txnStartTimestamp !== t.txnStartTimestamp
        ) {
          throw this.failedTransition(t);
        }
        break;
      case 'CompleteCommit':
      case 'CompleteAbort':
        if (!this.validProducerEpoch(t) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) throw this.failedTransition(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.partitions.clear();
        break;
      case 'PrepareEpochFence':
      case 'Dead':
        // Never persisted: a fence continues as PrepareAbort, an expired id is removed from memory.
        throw this.failedTransition(t);
    }
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = undefined;
    this.state = toState;
  }

  private prepareTransitionTo(
    state: TxnState,
    producerId: number,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    partitions: TopicPartitionSet,
    txnStartTimestamp: number,
    txnLastUpdateTimestamp: number,
  ): TxnTransit {
    if (this.pendingState !== undefined) throw this.illegal(`preparing a transition to ${state} while one to ${this.pendingState} is pending`);
    if (producerId < 0) throw this.illegal(`illegal new producer id ${producerId}`);
    if (state !== 'Dead' && producerEpoch < 0) throw this.illegal(`illegal new producer epoch ${producerEpoch}`);
    if (!VALID_PREVIOUS_STATES[state].has(this.state)) throw this.illegal(`${state} cannot follow ${this.state}`);
    this.pendingState = state;
    return Object.freeze({
      producerId,
      prevProducerId: this.producerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs,
      state,
      partitions: new TopicPartitionSet(partitions.list()),
      txnStartTimestamp,
      txnLastUpdateTimestamp,
    });
  }

  private validProducerEpoch(t: TxnTransit): boolean {
    return t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
  }

  private validProducerEpochBump(t: TxnTransit): boolean {
    return t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
  }

  private failedTransition(t: TxnTransit): TransactionCoordinatorError {
    return this.illegal(`unexpected transition from ${this.state} (producer ${this.producerId}/${this.producerEpoch}) to ${t.state} (producer ${t.producerId}/${t.producerEpoch})`);
  }

  private illegal(message: string): TransactionCoordinatorError {
    return new TransactionCoordinatorError('ILLEGAL_STATE', `transactional id ${this.transactionalId}: ${message}`);
  }
}
