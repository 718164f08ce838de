import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { ApiKey, decodeResponse, encodeRequest, ErrorCode, type ApiVersionsResponse } from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { apiVersionsHandler } from '../handlers/api-versions.js';
import { defineHandler } from '../handlers/handler.js';
import { frameOf, RawClient } from '../test-support/raw-client.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';

const require = createRequire(import.meta.url);
type KafkajsDecoder = { decode(payload: Buffer): Promise<{ errorCode: number; apiVersions: Array<{ apiKey: number; minVersion: number; maxVersion: number }> }> };
const kafkajsApiVersions = (v: number): KafkajsDecoder => require(`kafkajs/src/protocol/requests/apiVersions/v${v}/response.js`);

function apiVersionsOf(frame: Buffer, version: number): { correlationId: number; body: ApiVersionsResponse } {
  const { header, body } = decodeResponse(ApiKey.ApiVersions, version, frame);
  return { correlationId: header.correlationId, body };
}

/** A well-formed ApiVersions request (v3 carries client software name and version). */
function apiVersionsRequest(version: number, correlationId: number): Buffer {
  return frameOf(
    encodeRequest(ApiKey.ApiVersions, version, { correlationId, clientId: 'net-test' }, { clientSoftwareName: 'tributary-test', clientSoftwareVersion: '1.0.0' }),
  );
}

let broker: RunningBroker;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  broker = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger() });
});
afterAll(async () => {
  await broker.stop();
  await cleanup();
});

describe('ApiVersions over TCP', () => {
  it.each([0, 1, 2, 3])('v%i is answered and decodes with our codec', async (version) => {
    const c = await RawClient.connect(broker.port);
    c.write(apiVersionsRequest(version, 100 + version));
    const { correlationId, body } = apiVersionsOf(await c.next(), version);
    expect(correlationId).toBe(100 + version);
    expect(body.errorCode).toBe(ErrorCode.NONE);
    expect(body.apiKeys).toContainEqual({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 });
    c.close();
  });

  it.each([0, 1, 2])('v%i decodes with kafkajs 2.2.4', async (version) => {
    const c = await RawClient.connect(broker.port);
    c.write(apiVersionsRequest(version, 7));
    const frame = await c.next();
    expect(frame.readInt32BE(0)).toBe(7);
    const decoded = await kafkajsApiVersions(version).decode(frame.subarray(4));
    expect(decoded.errorCode).toBe(0);
    expect(decoded.apiVersions).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
    c.close();
  });

  it('answers pipelined requests in order', async () => {
    const c = await RawClient.connect(broker.port);
    const n = 200;
    c.write(Buffer.concat(Array.from({ length: n }, (_, i) => apiVersionsRequest(i % 4, 1000 + i))));
    for (let i = 0; i < n; i++) {
      const { correlationId, body } = apiVersionsOf(await c.next(), i % 4);
      expect(correlationId).toBe(1000 + i);
      expect(body.errorCode).toBe(0);
    }
    c.close();
  });

  it('answers ApiVersions v99 with error 35 in the v0 format and keeps the connection open', async () => {
    const c = await RawClient.connect(broker.port);
    const bad = apiVersionsRequest(3, 55);
    bad.writeInt16BE(99, 6);
    c.write(bad);
    const frame = await c.next();
    const { correlationId, body } = apiVersionsOf(frame, 0);
    expect(correlationId).toBe(55);
    expect(body).toMatchObject({ errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] });
    // kafkajs reads error 35 and falls back to a lower version.
    await expect(kafkajsApiVersions(0).decode(frame.subarray(4))).rejects.toMatchObject({ type: 'UNSUPPORTED_VERSION' });
    c.write(apiVersionsRequest(2, 56));
    expect(apiVersionsOf(await c.next(), 2).correlationId).toBe(56);
    c.close();
  });

  it('answers a v3 request with an invalid client software name with INVALID_REQUEST', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(ApiKey.ApiVersions, 3, 8, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1' });
    const { body } = apiVersionsOf(await c.next(), 3);
    expect(body.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(body.apiKeys).toEqual([]);
    c.close();
  });
});

describe('bad input closes only the offending connection', () => {
  const oversized = Buffer.alloc(8);
  oversized.writeInt32BE(104_857_601, 0);
  const negative = Buffer.alloc(8);
  negative.writeInt32BE(-5, 0);
  const unknownKey = encodeRequest(ApiKey.ApiVersions, 0, { correlationId: 1, clientId: 'x' }, { clientSoftwareName: '', clientSoftwareVersion: '' });
  unknownKey.writeInt16BE(12345, 0);
  const noHandler = Buffer.from(unknownKey);
  noHandler.writeInt16BE(ApiKey.LeaderAndIsr, 0);
  const truncatedBody = encodeRequest(ApiKey.ApiVersions, 3, { correlationId: 1, clientId: 'x' }, { clientSoftwareName: 'abcdef', clientSoftwareVersion: '1' });
  // Random bytes behind a size prefix above the 100 MiB limit.
  const randomGarbage = randomBytes(4096);
  randomGarbage[0] = 0x7f;

  const cases: Array<[string, Buffer]> = [
    ['random bytes', randomGarbage],
    ['an oversized length prefix', oversized],
    ['a negative length prefix', negative],
    ['a frame too short for a header', frameOf(Buffer.from([0, 18, 0, 0, 0]))],
    ['a truncated request body', frameOf(truncatedBody.subarray(0, truncatedBody.length - 4))],
    ['an unknown API key', frameOf(unknownKey)],
    ['an API key with no handler', frameOf(noHandler)],
  ];

  it.each(cases)('%s', async (_name, bytes) => {
    const good = await RawClient.connect(broker.port);
    const bad = await RawClient.connect(broker.port);
    bad.write(bytes);
    expect(await bad.closesWithin(2000)).toBe(true);
    good.write(apiVersionsRequest(1, 77));
    expect(apiVersionsOf(await good.next(), 1).correlationId).toBe(77);
    expect(good.isClosed).toBe(false);
    good.close();
  });

  it('a frame cut short by the client closing its side', async () => {
    const bad = await RawClient.connect(broker.port);
    const full = apiVersionsRequest(1, 1);
    bad.socket.end(full.subarray(0, full.length - 3));
    expect(await bad.closesWithin(2000)).toBe(true);
    const good = await RawClient.connect(broker.port);
    good.write(apiVersionsRequest(0, 2));
    expect(apiVersionsOf(await good.next(), 0).correlationId).toBe(2);
    good.close();
  });
});

describe('connection limits', () => {
  it('closes idle connections after connections.max.idle.ms, but not active ones', async () => {
    const t = await tempDir();
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), config: { 'connections.max.idle.ms': 300 } });
    try {
      const idle = await RawClient.connect(b.port);
      const active = await RawClient.connect(b.port);
      const started = Date.now();
      for (let i = 0; i < 8; i++) {
        active.write(apiVersionsRequest(0, i));
        await active.next();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(idle.isClosed).toBe(true);
      expect(active.isClosed).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(await active.closesWithin(2000)).toBe(true);
    } finally {
      await b.stop();
      await t.cleanup();
    }
  });

  it('stops reading from a client that queues requests while one is in progress', async () => {
    const t = await tempDir();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 3 },
      handle: async () => {
        await gate;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const b = await startBroker({
      port: 0,
      dataDir: t.dir,
      logger: silentLogger(),
      config: { 'queued.max.requests': 4 },
      handlers: [apiVersionsHandler, slow],
    });
    try {
      const c = await RawClient.connect(b.port);
      const total = 20_000;
      const one = (i: number) =>
        frameOf(encodeRequest(ApiKey.Heartbeat, 0, { correlationId: i, clientId: 'bp' }, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }));
      let sentBytes = 0;
      for (let i = 0; i < total; i += 500) {
        const chunk = Buffer.concat(Array.from({ length: 500 }, (_, k) => one(i + k)));
        sentBytes += chunk.length;
        c.write(chunk);
        await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 300));
      const [stats] = b.connectionStats();
      expect(stats!.busy).toBe(true);
      expect(stats!.paused).toBe(true);
      expect(stats!.bytesRead).toBeLessThan(sentBytes);
      expect(stats!.queuedRequests).toBeLessThan(total / 2);
      release();
      for (let i = 0; i < total; i++) {
        const { header, body } = decodeResponse(ApiKey.Heartbeat, 0, await c.next());
        expect(header.correlationId).toBe(i);
        expect(body.errorCode).toBe(0);
      }
      c.close();
    } finally {
      release();
      await b.stop();
      await t.cleanup();
    }
  });

  it('does not buffer responses without bound for a client that does not read', async () => {
    const t = await tempDir();
    const big = Buffer.alloc(256 * 1024, 1);
    const bigResponses = defineHandler({
      apiKey: ApiKey.SaslAuthenticate,
      versions: { min: 0, max: 1 },
      handle: () => ({ errorCode: 0, errorMessage: null, authBytes: big, sessionLifetimeMs: 0n }),
    });
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), handlers: [apiVersionsHandler, bigResponses] });
    try {
      const c = await RawClient.connect(b.port);
      c.socket.pause();
      const n = 200; // 50 MiB of responses, far beyond what socket buffers hold
      c.write(Buffer.concat(Array.from({ length: n }, (_, i) => frameOf(encodeRequest(ApiKey.SaslAuthenticate, 0, { correlationId: i, clientId: 'slow' }, { authBytes: Buffer.alloc(1) })))));
      await new Promise((r) => setTimeout(r, 500));
      const [stats] = b.connectionStats();
      expect(stats!.requestsHandled).toBeLessThan(n);
      expect(stats!.pendingWriteBytes).toBeLessThanOrEqual(2 * (big.length + 1024));
      expect(stats!.paused).toBe(true);
      c.socket.resume();
      for (let i = 0; i < n; i++) {
        const { header, body } = decodeResponse(ApiKey.SaslAuthenticate, 0, await c.next());
        expect(header.correlationId).toBe(i);
        expect(body.authBytes.length).toBe(big.length);
      }
      c.close();
    } finally {
      await b.stop();
      await t.cleanup();
    }
  });
});
