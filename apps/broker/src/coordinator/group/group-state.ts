import { GroupCoordinatorError } from './errors.js';

/**
 * The classic group state machine, with Kafka's names (DescribeGroups and ListGroups report them
 * verbatim) and Kafka's allowed transitions:
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance ──leader sync──▶ Stable
 *     ▲                   │  ▲                                        │                               │
 *     └── no members ─────┘  └──── join with new metadata, leave, session expiry, leader rejoin ────┘
 *
 * and Dead from anywhere (group deleted, expired, or its partition unloaded).
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  Empty: ['PreparingRebalance'],
};

export function isValidTransition(from: GroupState, to: GroupState): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

export function assertValidTransition(groupId: string, from: GroupState, to: GroupState): void {
  if (!isValidTransition(from, to)) {
    throw new GroupCoordinatorError(
      'ILLEGAL_STATE',
      `group ${groupId} should be in one of ${VALID_PREVIOUS_STATES[to].join(',')} before moving to ${to}, but is ${from}`,
    );
  }
}
