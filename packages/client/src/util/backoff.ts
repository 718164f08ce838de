/**
 * Exponential backoff with jitter, as Kafka's ExponentialBackoff: attempt n waits
 * initial * multiplier^n, capped at max, then multiplied by a random factor in [1 - jitter, 1 + jitter]
 * so that many clients failing together do not retry together.
 */
export interface BackoffOptions {
  /** Wait before the first retry (Kafka's retry.backoff.ms / reconnect.backoff.ms). */
  initialMs: number;
  /** Cap (retry.backoff.max.ms / reconnect.backoff.max.ms). */
  maxMs: number;
  /** Growth per attempt; Kafka uses 2. */
  multiplier?: number;
  /** Relative jitter; Kafka uses 0.2. */
  jitter?: number;
}

export function backoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.2;
  if (options.maxMs <= options.initialMs) return Math.max(0, options.initialMs);
  const exp = Math.min(options.maxMs, options.initialMs * multiplier ** Math.max(0, attempt));
  const factor = 1 - jitter + 2 * jitter * random();
  return Math.max(0, Math.round(exp * factor));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
