import { ErrorCode } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { TransactionCoordinatorError } from './errors.js';
import { isEpochExhausted, TransactionMetadata, type TxnTransit } from './transaction-metadata.js';
import type { TxnState } from './transaction-state.js';

const metadata = (state: TxnState, producerEpoch = 4) =>
  new TransactionMetadata('tx', {
    producerId: 10,
    previousProducerId: -1,
    producerEpoch,
    lastProducerEpoch: 3,
    txnTimeoutMs: 1000,
    state,
    partitions: state === 'Ongoing' ? [{ topic: 't', partition: 0 }] : [],
    txnStartTimestamp: state === 'Empty' ? -1 : 100,
    txnLastUpdateTimestamp: 100,
  });

const illegal = (fn: () => unknown) => expect(fn).toThrow(TransactionCoordinatorError);

describe('TransactionMetadata transitions', () => {
  it('allows each transition only from the states Kafka allows', () => {
    illegal(() => metadata('Empty').prepareAbortOrCommit('PrepareCommit', 200));
    illegal(() => metadata('CompleteCommit').prepareFenceProducerEpoch());
    illegal(() => metadata('Ongoing').prepareDead());
    illegal(() => metadata('PrepareCommit').prepareAddPartitions([{ topic: 't', partition: 1 }], 200));
    expect(metadata('Ongoing').prepareAbortOrCommit('PrepareAbort', 200).state).toBe('PrepareAbort');
    expect(metadata('CompleteAbort').prepareAddPartitions([{ topic: 't', partition: 1 }], 200)).toMatchObject({ state: 'Ongoing', txnStartTimestamp: 200 });
  });

  it('refuses a second transition while one is pending, and a completion with none pending', () => {
    const m = metadata('Ongoing');
    const t = m.prepareAbortOrCommit('PrepareCommit', 200);
    illegal(() => m.prepareAbortOrCommit('PrepareCommit', 300));
    m.completeTransitionTo(t);
    expect(m).toMatchObject({ state: 'PrepareCommit', pendingState: undefined, txnLastUpdateTimestamp: 200 });
    illegal(() => m.completeTransitionTo(t));
  });

  it('refuses to complete a transition that does not match the pending one', () => {
    const m = metadata('Ongoing');
    const wrong: TxnTransit = { ...m.prepareAbortOrCommit('PrepareCommit', 200), producerEpoch: 9 };
    illegal(() => m.completeTransitionTo(wrong));
  });

  it('keeps the epoch and the last epoch straight on InitProducerId', () => {
    const m = metadata('CompleteCommit');
    const r = m.prepareIncrementProducerEpoch(2000, undefined, 300);
    expect(r).toMatchObject({ transit: { state: 'Empty', producerEpoch: 5, lastProducerEpoch: -1, txnTimeoutMs: 2000, txnStartTimestamp: -1 } });
    m.completeTransitionTo((r as { transit: TxnTransit }).transit);
    expect(m).toMatchObject({ producerEpoch: 5, txnTimeoutMs: 2000, state: 'Empty' });
    // Naming an epoch that is neither the current nor the previous one is fenced.
    expect(metadata('Empty').prepareIncrementProducerEpoch(1000, 1, 300)).toEqual({ errorCode: ErrorCode.PRODUCER_FENCED });
  });

  it('drops the partitions of a completed transaction and marks removed markers only while preparing', () => {
    const m = metadata('Ongoing');
    illegal(() => m.removePartition({ topic: 't', partition: 0 }));
    m.completeTransitionTo(m.prepareAbortOrCommit('PrepareAbort', 200));
    m.removePartition({ topic: 't', partition: 0 });
    expect(m.partitions.size).toBe(0);
    m.completeTransitionTo(m.prepareComplete(300));
    expect(m).toMatchObject({ state: 'CompleteAbort', txnStartTimestamp: 100 });
  });

  it('treats the last two epochs as exhausted', () => {
    expect(isEpochExhausted(32_765)).toBe(false);
    expect(isEpochExhausted(32_766)).toBe(true);
    illegal(() => metadata('Empty', 32_766).prepareIncrementProducerEpoch(1000, undefined, 0));
    illegal(() => metadata('Ongoing', 32_767).prepareFenceProducerEpoch());
  });
});
