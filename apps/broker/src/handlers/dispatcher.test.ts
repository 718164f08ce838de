import {
  ApiKey,
  apiByKey,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  type ProduceRequest,
  type RequestByKey,
} from '@tributary/protocol';
import { LogManager } from '@tributary/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../config/broker-config.js';
import { EmbeddedMetadataStore } from '../controller/embedded-metadata-store.js';
import { openAdminPlane } from '../controller/admin-plane.js';
import { GroupCoordinatorService } from '../coordinator/group-coordinator-service.js';
import { replicatedOffsetsPartitions } from '../coordinator/offsets-partitions.js';
import { TRANSACTION_STATE_TOPIC_NAME } from '../coordinator/transaction/transaction-log.js';
import { TransactionCoordinatorService } from '../coordinator/transaction/transaction-coordinator-service.js';
import type { BrokerServices } from '../services.js';
import { memoryLogger, tempDir } from '../test-support/test-env.js';
import { apiVersionsHandler } from './api-versions.js';
import { Dispatcher, type DispatchOutcome } from './dispatcher.js';
import { defineHandler, NO_RESPONSE, type AnyApiHandler, type ConnectionInfo } from './handler.js';
import { HandlerRegistry } from './registry.js';
import { ProducerIdManager } from '../producer-ids/producer-id-manager.js';
import { ReplicaManager } from '../replica/replica-manager.js';

const conn: ConnectionInfo = { id: 1, listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 };
let services: BrokerServices;
let logLines: () => Array<Record<string, unknown>>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  const metadata = await EmbeddedMetadataStore.open({ dir: t.dir, nodeId: 1, clusterId: null });
  const logManager = await LogManager.open({ logDirs: [t.dir] });
  const mem = memoryLogger();
  logLines = mem.lines;
  const config = BrokerConfig.resolve([]);
  const clock = { now: () => 0 };
  const { topics, configs } = await openAdminPlane({ config, metadata, logManager, logger: mem.logger });
  const replicaManager = await ReplicaManager.open({ nodeId: 1, metadata, logManager, logger: mem.logger, clock });
  const producerIds = await ProducerIdManager.open({ dir: t.dir });
  services = {
    config,
    nodeId: 1,
    clusterId: await metadata.clusterId(),
    clock,
    logger: mem.logger,
    metadata,
    logManager,
    topics,
    configs,
    groups: await GroupCoordinatorService.start({
      config,
      topics,
      partitions: replicatedOffsetsPartitions(replicaManager, logManager),
      clock,
      logger: mem.logger,
    }),
    transactions: await TransactionCoordinatorService.start({
      config,
      topics,
      partitions: replicatedOffsetsPartitions(replicaManager, logManager, TRANSACTION_STATE_TOPIC_NAME),
      markers: { write: async () => [] },
      producerIds,
      clock,
      logger: mem.logger,
    }),
    replicaManager,
    producerIds,
    advertisedEndpoints: () => [],
  };
});
afterAll(async () => {
  await services.transactions.close();
  await services.groups.close();
  await services.logManager.close();
  await services.metadata.close();
  await cleanup();
});

const dispatcher = (...handlers: AnyApiHandler[]) => new Dispatcher(new HandlerRegistry([apiVersionsHandler, ...handlers]), services);

function payload<K extends ApiKey>(key: K, version: number, body: Partial<RequestByKey[K]>, correlationId = 7): Buffer {
  const full = { ...(apiByKey[key]!.request.defaultValue() as RequestByKey[K]), ...body };
  return encodeRequest(key, version, { correlationId, clientId: 'test' }, full);
}

function responseOf<K extends ApiKey>(key: K, version: number, outcome: DispatchOutcome) {
  expect(outcome.kind).toBe('respond');
  const frame = (outcome as { frame: Buffer }).frame;
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  return decodeResponse(key, version, frame.subarray(4));
}

const produce: Partial<ProduceRequest> = {
  acks: 1,
  timeoutMs: 1000,
  topicData: [{ name: 'events', partitionData: [{ index: 0, records: null }, { index: 1, records: null }] }],
};

describe('Dispatcher', () => {
  it('answers with the handler response and the request correlation id', async () => {
    const out = await dispatcher().dispatch(payload(ApiKey.ApiVersions, 2, {}, 42), conn);
    const { header, body } = responseOf(ApiKey.ApiVersions, 2, out);
    expect(header.correlationId).toBe(42);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('writes nothing for a NO_RESPONSE handler (acks=0 produce)', async () => {
    const h = defineHandler({ apiKey: ApiKey.Produce, versions: { min: 0, max: 8 }, handle: () => NO_RESPONSE });
    expect(await dispatcher(h).dispatch(payload(ApiKey.Produce, 7, { ...produce, acks: 0 }), conn)).toEqual({ kind: 'none' });
  });

  it('turns a handler exception into UNKNOWN_SERVER_ERROR for every partition, and logs it at error', async () => {
    const h = defineHandler({
      apiKey: ApiKey.Produce,
      versions: { min: 0, max: 8 },
      handle: () => {
        throw new Error('boom');
      },
    });
    const { body } = responseOf(ApiKey.Produce, 7, await dispatcher(h).dispatch(payload(ApiKey.Produce, 7, produce), conn));
    expect(body.responses).toHaveLength(1);
    expect(body.responses[0]!.name).toBe('events');
    expect(body.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([
      [0, ErrorCode.UNKNOWN_SERVER_ERROR],
      [1, ErrorCode.UNKNOWN_SERVER_ERROR],
    ]);
    expect(logLines().some((l) => l.level === 50 && String(l.msg).includes('Produce handler failed'))).toBe(true);
  });

  it("prefers the handler's own errorResponse", async () => {
    const h = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 3 },
      handle: async () => {
        throw new Error('nope');
      },
      errorResponse: (_ctx, _req, errorCode) => ({ throttleTimeMs: 5, errorCode }),
    });
    const { body } = responseOf(ApiKey.Heartbeat, 1, await dispatcher(h).dispatch(payload(ApiKey.Heartbeat, 1, { groupId: 'g' }), conn));
    expect(body).toEqual({ throttleTimeMs: 5, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
  });

  it('treats a response its version cannot encode as a handler failure', async () => {
    const h = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 3 },
      // int16 error code out of range: the encoder refuses it.
      handle: () => ({ throttleTimeMs: 0, errorCode: 1 << 20 }),
    });
    const { body } = responseOf(ApiKey.Heartbeat, 0, await dispatcher(h).dispatch(payload(ApiKey.Heartbeat, 0, { groupId: 'g' }), conn));
    expect(body.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('closes when a failed request has nowhere to carry the error', async () => {
    const h = defineHandler({
      apiKey: ApiKey.Produce,
      versions: { min: 0, max: 8 },
      handle: () => {
        throw new Error('boom');
      },
    });
    const out = await dispatcher(h).dispatch(payload(ApiKey.Produce, 7, { acks: 1, timeoutMs: 1, topicData: [] }), conn);
    expect(out.kind).toBe('close');
  });

  it('closes on unknown keys, keys without a handler, versions outside the range and malformed bodies', async () => {
    const d = dispatcher();
    const reasons: string[] = [];
    const expectClose = async (frame: Buffer) => {
      const out = await d.dispatch(frame, conn);
      expect(out.kind).toBe('close');
      reasons.push((out as { reason: string }).reason);
    };
    const unknownKey = payload(ApiKey.ApiVersions, 0, {});
    unknownKey.writeInt16BE(1000, 0);
    await expectClose(unknownKey);
    await expectClose(payload(ApiKey.Metadata, 1, {}));
    await expectClose(Buffer.from([0, 18, 0]));
    const v3 = payload(ApiKey.ApiVersions, 3, { clientSoftwareName: 'abc', clientSoftwareVersion: '1' });
    await expectClose(v3.subarray(0, v3.length - 3));
    await expectClose(Buffer.concat([payload(ApiKey.ApiVersions, 1, {}), Buffer.from([1, 2, 3])]));
    const h = defineHandler({ apiKey: ApiKey.Heartbeat, versions: { min: 0, max: 3 }, handle: () => ({ throttleTimeMs: 0, errorCode: 0 }) });
    expect((await dispatcher(h).dispatch(payload(ApiKey.Heartbeat, 4, { groupId: 'g' }), conn)).kind).toBe('close');
    expect(reasons[0]).toMatch(/API key 1000 is not supported/);
    expect(reasons[1]).toMatch(/API key 3 is not supported/);
    expect(reasons[2]).toMatch(/shorter than a request header/);
    expect(reasons[3]).toMatch(/malformed ApiVersions v3/);
    expect(reasons[4]).toMatch(/malformed ApiVersions v1 .*bytes left/);
  });

  it('answers an unsupported ApiVersions version in the v0 format with error 35 and its own range', async () => {
    const frame = payload(ApiKey.ApiVersions, 3, {}, 9);
    frame.writeInt16BE(99, 2);
    const out = await dispatcher().dispatch(frame, conn);
    const { header, body } = responseOf(ApiKey.ApiVersions, 0, out);
    expect(header.correlationId).toBe(9);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    // v0 body: error code, array of 1 entry, nothing after it.
    expect((out as { frame: Buffer }).frame.length).toBe(4 + 4 + 2 + 4 + 6);
  });

  it('uses response header v1 for flexible versions and v0 for ApiVersions v3', async () => {
    const h = defineHandler({
      apiKey: ApiKey.Heartbeat,
      versions: { min: 0, max: 4 },
      handle: () => ({ throttleTimeMs: 0, errorCode: 0 }),
    });
    const flexible = (await dispatcher(h).dispatch(payload(ApiKey.Heartbeat, 4, { groupId: 'g' }), conn)) as { frame: Buffer };
    // size, correlation id, header tag-buffer (0), throttle 4 bytes, error 2 bytes, body tag-buffer (0)
    expect(flexible.frame.length).toBe(4 + 4 + 1 + 4 + 2 + 1);
    expect(flexible.frame[8]).toBe(0);
    const av = await dispatcher().dispatch(payload(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }), conn);
    // No header tag-buffer: the error code (0) follows the correlation id, then the compact array length (1 entry + 1).
    const avFrame = (av as { frame: Buffer }).frame;
    expect(avFrame.readInt16BE(8)).toBe(0);
    expect(avFrame[10]).toBe(2);
    expect(responseOf(ApiKey.ApiVersions, 3, av).body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });
});
