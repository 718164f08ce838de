import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterOptions } from '../client-config.js';
import { ConnectionError } from '../errors.js';
import { type TestBroker, startTestBroker } from '../testing/broker.test.helper.js';
import { BrokerConnection } from './broker-connection.js';
import { Cluster, parseAddress } from './cluster.js';

async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb?.stop();
});

describe('parseAddress', () => {
  it('reads host:port and bracketed IPv6', () => {
    expect(parseAddress('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseAddress('[::1]:19092')).toEqual({ host: '::1', port: 19092 });
    expect(() => parseAddress('nohost')).toThrow();
  });
});

describe('BrokerConnection', () => {
  it('waits a jittered, growing backoff between failed connection attempts', async () => {
    const port = await deadPort();
    const b = new BrokerConnection(1, '127.0.0.1', port, { clientId: 't', reconnectBackoffMs: 100, reconnectBackoffMaxMs: 1000 });
    await expect(b.connection()).rejects.toBeInstanceOf(ConnectionError);
    expect(b.isBackingOff).toBe(true);
    const t1 = Date.now();
    await expect(b.connection()).rejects.toBeInstanceOf(ConnectionError);
    const first = Date.now() - t1;
    const t2 = Date.now();
    await expect(b.connection()).rejects.toBeInstanceOf(ConnectionError);
    const second = Date.now() - t2;
    // 100 ms ±20%, then 200 ms ±20%.
    expect(first).toBeGreaterThanOrEqual(75);
    expect(first).toBeLessThan(400);
    expect(second).toBeGreaterThanOrEqual(155);
    b.close();
  });

  it('reconnects after the broker went away and came back', async () => {
    const b = new BrokerConnection(tb.broker.nodeId, tb.broker.host, tb.broker.port, { clientId: 't', reconnectBackoffMs: 20, reconnectBackoffMaxMs: 100 });
    const c1 = await b.connection();
    c1.close();
    const c2 = await b.connection();
    expect(c2).not.toBe(c1);
    expect(c2.isOpen).toBe(true);
    b.close();
  });
});

describe('Cluster', () => {
  it('bootstraps from the first reachable of several addresses', async () => {
    const dead = await deadPort();
    const cluster = new Cluster(clusterOptions({ brokers: [`127.0.0.1:${dead}`, tb.bootstrap], retries: 3, retryBackoffMs: 10 }, false));
    try {
      await cluster.connect();
      expect([...cluster.metadata.brokers.keys()]).toEqual([tb.broker.nodeId]);
      expect(cluster.metadata.clusterId).toBe(tb.broker.clusterId);
    } finally {
      cluster.close();
    }
  });
});
