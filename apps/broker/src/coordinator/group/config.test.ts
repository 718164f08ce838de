import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, GROUP_COORDINATOR_CONFIG_KEYS, resolveGroupCoordinatorConfig } from './config.js';
import { GroupCoordinatorError } from './errors.js';

describe('group coordinator config', () => {
  it("defaults to Apache Kafka's values", () => {
    expect(resolveGroupCoordinatorConfig()).toEqual({
      groupMinSessionTimeoutMs: 6000,
      groupMaxSessionTimeoutMs: 1_800_000,
      groupInitialRebalanceDelayMs: 3000,
      groupMaxSize: 2_147_483_647,
      offsetMetadataMaxBytes: 4096,
      offsetsTopicNumPartitions: 50,
      offsetsRetentionMs: 10_080 * 60_000,
      offsetsRetentionCheckIntervalMs: 600_000,
    });
    expect(Object.keys(GROUP_COORDINATOR_CONFIG_KEYS).sort()).toEqual(Object.keys(DEFAULT_GROUP_COORDINATOR_CONFIG).sort());
  });

  it('applies overrides', () => {
    expect(resolveGroupCoordinatorConfig({ offsetsTopicNumPartitions: 3 }).offsetsTopicNumPartitions).toBe(3);
  });

  it('rejects settings Kafka would reject, naming the Kafka property', () => {
    const bad = [{ offsetsTopicNumPartitions: 0 }, { groupMaxSessionTimeoutMs: 5000 }, { groupMaxSize: 0 }, { groupInitialRebalanceDelayMs: -1 }, { offsetMetadataMaxBytes: 1.5 }];
    for (const override of bad) {
      const err = (() => {
        try {
          resolveGroupCoordinatorConfig(override);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(GroupCoordinatorError);
      expect((err as GroupCoordinatorError).kind).toBe('INVALID_CONFIG');
    }
    expect(() => resolveGroupCoordinatorConfig({ groupMaxSessionTimeoutMs: 5000 })).toThrow(/group\.max\.session\.timeout\.ms/);
  });
});
