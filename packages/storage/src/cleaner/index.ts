export { LogCleaner, type LogCleanerOptions, type CleanResult } from './log-cleaner.js';
export type { CleanableLog } from './cleanable-log.js';
export { CleanerCheckpoints } from './cleaner-checkpoint.js';
export { CleanerStats } from './cleaner-stats.js';
export { cleanableOffsets, measureLogToClean, type OffsetsToClean, type LogToClean } from './cleanable-offsets.js';
