import kafkajs, { type Kafka as KafkaClient, type RetryOptions } from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export interface KafkajsHandle {
  readonly kafka: KafkaClient;
  /** kafkajs's own log entries at warn and error level, to print when an assertion fails. */
  readonly problems: string[];
}

/**
 * kafkajs 2.2.4 pointed at a broker, with timeouts short enough that a broker bug fails a test in
 * seconds, and its warnings kept instead of printed.
 */
export function kafkajsClient(bootstrap: string, clientId: string, retry: RetryOptions = { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 }): KafkajsHandle {
  const problems: string[] = [];
  const kafka = new Kafka({
    clientId,
    brokers: [bootstrap],
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      problems.push(`${entry.namespace}: ${message} ${JSON.stringify(extra)}`);
    },
  });
  return { kafka, problems };
}
