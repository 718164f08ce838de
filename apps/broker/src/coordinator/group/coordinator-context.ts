import type { GroupCoordinatorConfig } from './config.js';
import type { GroupMetadataManager } from './group-metadata-manager.js';
import type { Scheduler } from './scheduler.js';

/** What the coordinator's parts share: settings, time, the group cache/storage, and liveness. */
export interface CoordinatorContext {
  readonly config: GroupCoordinatorConfig;
  readonly scheduler: Scheduler;
  readonly manager: GroupMetadataManager;
  isActive(): boolean;
  /** An unexpected failure in background work (a bug); reported, never thrown into a timer. */
  reportError(err: unknown): void;
}
