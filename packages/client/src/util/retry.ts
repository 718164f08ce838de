import { isRetriableError } from '../errors.js';
import { type BackoffOptions, backoffMs, sleep } from './backoff.js';

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt; 0 means try once. */
  retries: number;
  /** Decides whether an error is worth another attempt; default: isRetriableError. */
  shouldRetry?: (err: unknown) => boolean;
  /** Runs before each retry, e.g. to refresh metadata after NOT_LEADER_OR_FOLLOWER. */
  onRetry?: (err: unknown, attempt: number) => void | Promise<void>;
  /** Stops retrying (the last error is thrown) once aborted. */
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, a non-retriable error occurs or the retries are spent; waits a
 * jittered exponential backoff between attempts. Only retriable errors are retried by default:
 * retrying e.g. TOPIC_AUTHORIZATION_FAILED would only delay the same answer.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? isRetriableError;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.retries || !shouldRetry(err) || options.signal?.aborted) throw err;
      await options.onRetry?.(err, attempt);
      await sleep(backoffMs(attempt, options, options.random), options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}
