import { Admin } from './admin/admin.js';
import { type ClientConfig, clusterOptions } from './client-config.js';
import { Cluster } from './cluster/cluster.js';
import { Consumer } from './consumer/consumer.js';
import type { ConsumerConfig } from './consumer/consumer-config.js';
import { Producer } from './producer/producer.js';
import type { ProducerConfig } from './producer/producer-config.js';

/**
 * Entry point: holds the connection settings and makes producers, consumers and admins. Each of
 * those has its own connections and metadata, as in Kafka's Java client, so closing one never
 * disturbs another.
 *
 * ```ts
 * const client = new TributaryClient({ brokers: ['localhost:9092'] });
 * const producer = client.producer();
 * await producer.send({ topic: 'events', messages: [{ key: 'k', value: 'v' }] });
 * ```
 */
export class TributaryClient {
  constructor(readonly config: ClientConfig) {}

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(new Cluster(clusterOptions(this.config, config.allowAutoTopicCreation ?? true, config.requestTimeoutMs)), config);
  }

  consumer(config: ConsumerConfig = {}): Consumer {
    return new Consumer(new Cluster(clusterOptions(this.config, config.allowAutoTopicCreation ?? true, config.requestTimeoutMs)), config);
  }

  admin(): Admin {
    return new Admin(new Cluster(clusterOptions(this.config, false)));
  }
}
