import { TransactionCoordinatorError } from './errors.js';

/**
 * The states of a transactional id (Kafka's TransactionState), by the names DescribeTransactions
 * and ListTransactions report and the ids __transaction_state stores:
 *
 *   Empty ──AddPartitions/AddOffsets──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit
 *                                          │    ──EndTxn(abort)───▶ PrepareAbort  ──markers──▶ CompleteAbort
 *                                          └─ InitProducerId / timeout ─▶ PrepareEpochFence ─▶ PrepareAbort
 *   Empty, CompleteCommit, CompleteAbort ──InitProducerId──▶ Empty;  ──expiration──▶ Dead (a tombstone)
 *
 * PrepareEpochFence and Dead are only ever pending states: never written, never loaded.
 */
export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

/** The state ids of TransactionLogValue.TransactionStatus. */
export const TXN_STATE_IDS: Readonly<Record<TxnState, number>> = Object.freeze({
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
});

export const TXN_STATES: readonly TxnState[] = Object.freeze(Object.keys(TXN_STATE_IDS) as TxnState[]);

/** The states a transition into each state may start from. */
export const VALID_PREVIOUS_STATES: Readonly<Record<TxnState, ReadonlySet<TxnState>>> = Object.freeze({
  Empty: new Set<TxnState>(['Empty', 'CompleteCommit', 'CompleteAbort']),
  Ongoing: new Set<TxnState>(['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort']),
  PrepareCommit: new Set<TxnState>(['Ongoing']),
  PrepareAbort: new Set<TxnState>(['Ongoing', 'PrepareEpochFence']),
  CompleteCommit: new Set<TxnState>(['PrepareCommit']),
  CompleteAbort: new Set<TxnState>(['PrepareAbort']),
  Dead: new Set<TxnState>(['Empty', 'CompleteAbort', 'CompleteCommit']),
  PrepareEpochFence: new Set<TxnState>(['Ongoing']),
});

/** States an idle transactional id may expire in (nothing left to finish). */
export function isExpirationAllowed(state: TxnState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}

export function txnStateFromId(id: number): TxnState {
  const state = TXN_STATES.find((s) => TXN_STATE_IDS[s] === id);
  if (state === undefined) throw new TransactionCoordinatorError('CORRUPT_RECORD', `unknown transaction state id ${id}`);
  return state;
}

/** The state with this DescribeTransactions name, undefined when unknown (ListTransactions reports it back). */
export function txnStateFromName(name: string): TxnState | undefined {
  return (TXN_STATES as readonly string[]).includes(name) ? (name as TxnState) : undefined;
}
