import { KafkaError } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../errors.js';
import { backoffMs } from './backoff.js';
import { withRetry } from './retry.js';

describe('backoffMs', () => {
  it('grows exponentially up to the cap', () => {
    const mid = () => 0.5; // no jitter at the midpoint
    const o = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, o, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters by ±20% by default', () => {
    const o = { initialMs: 100, maxMs: 1000 };
    expect(backoffMs(1, o, () => 0)).toBe(160);
    expect(backoffMs(1, o, () => 0.999999)).toBe(240);
  });
});

describe('withRetry', () => {
  const fast = { initialMs: 1, maxMs: 2 };

  it('retries retriable Kafka errors and connection errors until success', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new KafkaError(6); // NOT_LEADER_OR_FOLLOWER
        if (calls === 2) throw new ConnectionError('gone', 'b:1');
        return 'ok';
      },
      { ...fast, retries: 5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry a non-retriable error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new KafkaError(29); // TOPIC_AUTHORIZATION_FAILED
        },
        { ...fast, retries: 5 },
      ),
    ).rejects.toMatchObject({ code: 29, retriable: false });
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new KafkaError(15);
        },
        { ...fast, retries: 2 },
      ),
    ).rejects.toMatchObject({ code: 15 });
    expect(calls).toBe(3);
  });

  it('runs onRetry between attempts (e.g. a metadata refresh)', async () => {
    const seen: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ < 2) throw new KafkaError(3);
      },
      { ...fast, retries: 3, onRetry: (_e, attempt) => void seen.push(attempt) },
    );
    expect(seen).toEqual([0, 1]);
  });
});
