import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiKey, decodeResponse, encodeRequest } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { startBroker } from './broker.js';
import { BrokerConfig } from './config/broker-config.js';
import { ConfigError } from './config/config-error.js';
import { METADATA_FILE } from './controller/embedded-metadata-store.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { defineHandler } from './handlers/handler.js';
import { frameOf, RawClient } from './test-support/raw-client.js';
import { memoryLogger, silentLogger, tempDir } from './test-support/test-env.js';

const heartbeat = (correlationId: number) =>
  frameOf(encodeRequest(ApiKey.Heartbeat, 0, { correlationId, clientId: 't' }, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }));

describe('startBroker', () => {
  it('starts cold on a free port well under a second, serves, and stops idempotently', async () => {
    const t = await tempDir();
    const t0 = performance.now();
    const b = await startBroker({ port: 0, dataDir: join(t.dir, 'fresh') });
    const coldStartMs = performance.now() - t0;
    try {
      console.log(`cold start of an empty broker to listening: ${coldStartMs.toFixed(1)} ms`);
      expect(coldStartMs).toBeLessThan(1000);
      expect(b.startupMs).toBeLessThanOrEqual(coldStartMs);
      expect(b.port).toBeGreaterThan(0);
      expect(b.host).toBe('127.0.0.1');
      expect(b.bootstrap).toBe(`127.0.0.1:${b.port}`);
      expect(b.services.advertisedEndpoints()).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: b.port }]);
      expect(await b.services.metadata.listBrokers()).toEqual([{ nodeId: 1, rack: null, endpoints: b.services.advertisedEndpoints() }]);
      expect(existsSync(join(t.dir, 'fresh', METADATA_FILE))).toBe(true);
      const c = await RawClient.connect(b.port);
      c.send(ApiKey.ApiVersions, 2, 1, { clientSoftwareName: '', clientSoftwareVersion: '' });
      expect(decodeResponse(ApiKey.ApiVersions, 2, await c.next()).body.errorCode).toBe(0);
      const first = b.stop();
      expect(b.stop()).toBe(first);
      await first;
      await b.stop();
      expect(await c.closesWithin(1000)).toBe(true);
      await expect(RawClient.connect(b.port)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await b.stop();
      await t.cleanup();
    }
  });

  it('opens the partition logs with the topic configs, and closes them cleanly on stop', async () => {
    const t = await tempDir();
    try {
      const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'log.retention.ms': 5000 } });
      const { metadata, logManager } = b.services;
      expect(logManager.logDirs).toEqual([t.dir]);
      await metadata.createTopic({ name: 'plain', assignments: [[1]] });
      await metadata.createTopic({ name: 'tuned', assignments: [[1]], configs: { 'retention.ms': '1234' } });
      expect((await logManager.getOrCreateLog('plain', 0)).config.retentionMs).toBe(5000);
      const tuned = await logManager.getOrCreateLog('tuned', 0);
      expect(tuned.config.retentionMs).toBe(1234);
      await metadata.alterTopicConfigs('tuned', { 'retention.ms': '99' });
      expect(tuned.config.retentionMs).toBe(99);
      await b.stop();
      expect(existsSync(join(t.dir, '.kafka_cleanshutdown'))).toBe(true);
      expect(readFileSync(join(t.dir, 'recovery-point-offset-checkpoint'), 'utf8')).toMatch(/^tuned 0 0$/m);

      const again = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
      expect(again.services.logManager.getLog('tuned', 0)?.config.retentionMs).toBe(99);
      await again.stop();
    } finally {
      await t.cleanup();
    }
  });

  it('keeps its cluster id across restarts on the same data directory', async () => {
    const t = await tempDir();
    try {
      const a = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
      await a.stop();
      const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
      await b.stop();
      expect(b.clusterId).toBe(a.clusterId);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a bad config before creating the data directory or binding', async () => {
    const t = await tempDir();
    const dataDir = join(t.dir, 'never');
    try {
      await expect(startBroker({ port: 0, dataDir, config: { 'num.partitions': 'many' } })).rejects.toThrow(ConfigError);
      await expect(startBroker({ port: 0, dataDir, config: { listeners: 'PLAINTEXT://:0' } })).rejects.toThrow(/either listeners or the port/);
      await expect(startBroker({ dataDir, config: { 'log.dir': 'x' } })).rejects.toThrow(/either log.dirs/);
      await expect(startBroker({ port: 0, config: BrokerConfig.resolve([]) })).rejects.toThrow(/resolved BrokerConfig/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await t.cleanup();
    }
  });

  it('reports a port already in use and leaves nothing open', async () => {
    const t = await tempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startBroker({ port, dataDir: t.dir, logger: silentLogger() })).rejects.toThrow(/EADDRINUSE/);
      // The metadata store was closed again, so a second broker can open the same directory.
      const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
      await b.stop();
    } finally {
      blocker.close();
      await t.cleanup();
    }
  });

  it('logs one line at info on start, nothing at the default level', async () => {
    const t = await tempDir();
    const mem = memoryLogger('info');
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: mem.logger, config: { 'num.partitions': 3, 'num.io.threads': 16 } });
    await b.stop();
    const started = mem.lines().filter((l) => l.msg === 'Tributary broker started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      nodeId: 1,
      clusterId: b.clusterId,
      settings: { 'num.partitions': '3', 'num.io.threads': '16' },
      ignoredSettings: ['num.io.threads'],
    });
    expect(mem.lines().filter((l) => l.level === 30).map((l) => l.msg)).toEqual(['Tributary broker started', 'Tributary broker stopped']);
    expect(mem.lines().filter((l) => (l.level as number) >= 40)).toEqual([]);
    await t.cleanup();
  });

  it('lets the request in progress finish on stop and drops the ones not started', async () => {
    const t = await tempDir();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    const slow = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 3 },
      handle: async () => {
        handled++;
        await gate;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), handlers: [apiVersionsHandler, slow] });
    const c = await RawClient.connect(b.port);
    c.write(Buffer.concat([heartbeat(1), heartbeat(2), heartbeat(3)]));
    while (handled === 0) await new Promise((r) => setTimeout(r, 10));
    const stopped = b.stop();
    await new Promise((r) => setTimeout(r, 100));
    await expect(RawClient.connect(b.port)).rejects.toThrow(/ECONNREFUSED/);
    release();
    const { header } = decodeResponse(ApiKey.Heartbeat, 0, await c.next());
    expect(header.correlationId).toBe(1);
    await stopped;
    expect(await c.closesWithin(1000)).toBe(true);
    expect(c.buffered).toBe(0);
    expect(handled).toBe(1);
    await t.cleanup();
  });

  it('does not wait on stop for an idle client that never closes its side', async () => {
    const t = await tempDir();
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), shutdownGraceMs: 3000 });
    const socket = connect({ port: b.port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((r) => socket.once('connect', r));
    const ended = new Promise((r) => socket.once('end', r));
    socket.on('error', () => undefined);
    const t0 = Date.now();
    await b.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await ended; // the broker's side is closed; this client simply never closes its own
    socket.destroy();
    await t.cleanup();
  });

  it('closes a connection whose request outlives the shutdown grace period', async () => {
    const t = await tempDir();
    const never = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 3 },
      handle: () => new Promise(() => undefined),
    });
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), handlers: [apiVersionsHandler, never], shutdownGraceMs: 200 });
    const c = await RawClient.connect(b.port);
    c.write(heartbeat(1));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await b.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await c.closesWithin(1000)).toBe(true);
    await t.cleanup();
  });
});
