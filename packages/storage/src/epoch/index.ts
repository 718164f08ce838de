export { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEntry } from './leader-epoch-cache.js';
