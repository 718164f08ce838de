import { KafkaError } from '@tributary/protocol';

export { KafkaError };

/**
 * Errors raised by the client itself (as opposed to error codes a broker answered with, which are
 * protocol's KafkaError). Every one says whether retrying the same operation may succeed, as
 * KafkaError does, so callers branch on `retriable` instead of matching messages.
 */
export class ClientError extends Error {
  override readonly name: string = 'ClientError';
  readonly retriable: boolean;

  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.retriable = retriable;
  }
}

/** The connection to a broker failed or closed; requests on it may or may not have been processed. */
export class ConnectionError extends ClientError {
  override readonly name = 'ConnectionError';
  constructor(
    message: string,
    readonly broker: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${broker})`, true, options);
  }
}

/** No response arrived within request.timeout.ms; the connection it was sent on is closed. */
export class RequestTimeoutError extends ClientError {
  override readonly name = 'RequestTimeoutError';
  constructor(message: string) {
    super(message, true);
  }
}

/** An operation did not complete within its own deadline (max.block.ms, delivery.timeout.ms, ...). */
export class TimeoutError extends ClientError {
  override readonly name = 'TimeoutError';
  constructor(message: string) {
    super(message, false);
  }
}

/** The broker supports no version of an API that this client supports. */
export class UnsupportedVersionError extends ClientError {
  override readonly name = 'UnsupportedVersionError';
  constructor(message: string) {
    super(message, false);
  }
}

/** SASL authentication failed: bad credentials, unknown mechanism or a server proof that did not verify. */
export class AuthenticationError extends ClientError {
  override readonly name = 'AuthenticationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/** The client, producer or consumer was closed before the operation could finish. */
export class ClosedError extends ClientError {
  override readonly name = 'ClosedError';
  constructor(what: string) {
    super(`${what} is closed`, false);
  }
}

/** A configuration value is invalid or two values contradict each other. */
export class ConfigError extends ClientError {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super(message, false);
  }
}

/** The caller used the API wrongly (a seek on an unassigned partition, a record without a topic...). */
export class IllegalStateError extends ClientError {
  override readonly name = 'IllegalStateError';
  constructor(message: string) {
    super(message, false);
  }
}

/** Whether an error, from the broker or from the client, may go away when the operation is retried. */
export function isRetriableError(err: unknown): boolean {
  return (err instanceof KafkaError || err instanceof ClientError) && err.retriable;
}

/** A KafkaError for a non-zero code; message adds the broker's text when it sent one. */
export function kafkaError(code: number, detail?: string | null): KafkaError {
  return new KafkaError(code, detail ?? undefined);
}
