export { type Assignor, type GroupAssignment, type MemberSubscription, type RebalanceProtocol } from './assignor.js';
export { CooperativeStickyAssignor } from './cooperative-sticky.js';
export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './round-robin.js';
