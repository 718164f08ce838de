import { ErrorCode, type ErrorName } from '@tributary/protocol';

/**
 * A refusal that carries Kafka's error name and a message for the client. Components throw a
 * subclass naming the errors they may report; handlers put `errorCode` and `message` on the wire.
 */
export class NamedKafkaError<N extends ErrorName> extends Error {
  constructor(
    readonly code: N,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get errorCode(): number {
    return ErrorCode[this.code];
  }
}
