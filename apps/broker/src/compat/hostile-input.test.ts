import {
  ApiKey,
  decodeResponse,
  defaultFetchRequest,
  defaultFetchRequestFetchPartition,
  encodeRecordBatchSync,
  encodeRequest,
  ErrorCode,
  type RequestByKey,
} from '@tributary/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameOf, RawClient } from '../test-support/raw-client.js';
import { memoryLogger } from '../test-support/test-env.js';
import { startCompatBroker, type CompatBroker } from './support/in-process.js';
import { kafkajsClient } from './support/kafkajs.js';
import { kcatConsume, kcatProduce, kcatTail } from './support/kcat.js';
import { fetchPartition, recordsOf } from './support/raw-wire.js';
import { describeRun } from './support/tools.js';

// Hostile peers on many connections at once while kafkajs produces, kcat produces and a kcat
// consumer tails the topic. The invariant: every other client keeps being served, the broker stays
// up, nothing corrupt is stored, and no handler throws (an error-level log line means a handler or
// the network layer failed on input it should have refused with an error code or a close).

const SEED = Number(process.env.TRIBUTARY_FUZZ_SEED ?? Date.now() % 2 ** 31);
const LOAD_BATCHES = 80;
const LOAD_BATCH_SIZE = 10;
const KCAT_RUNS = 4;
const KCAT_LINES = 50;

/** mulberry32: a small seeded generator, so a failing run can be repeated with TRIBUTARY_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(rnd: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

const TARGET = 'hostile-target'; // must stay empty: everything sent to it is corrupt
const FUZZ = 'hostile-fuzz'; // mutated but possibly valid requests may land here
const LOAD = 'hostile-load';

let b: CompatBroker;
let logs: ReturnType<typeof memoryLogger>;

beforeAll(async () => {
  logs = memoryLogger('warn');
  b = await startCompatBroker({ 'num.partitions': 2 }, { logger: logs.logger, shutdownGraceMs: 500 });
  const { kafka } = kafkajsClient(b.bootstrap, 'hostile-setup');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [TARGET, FUZZ, LOAD].map((topic) => ({ topic, numPartitions: 2 })) });
  await admin.disconnect();
});
afterAll(async () => {
  await b?.close();
});

function request<K extends ApiKey>(apiKey: K, version: number, body: RequestByKey[K], correlationId = 1): Buffer {
  return frameOf(encodeRequest(apiKey, version, { correlationId, clientId: 'hostile' }, body));
}

const validBatch = () => encodeRecordBatchSync({ records: [{ key: Buffer.from('k'), value: Buffer.from('a valid record') }] });

function produceRequest(topic: string, records: Buffer, correlationId = 1): Buffer {
  return request(ApiKey.Produce, 8, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }, correlationId);
}

function fetchRequest(topic: string): Buffer {
  const f = defaultFetchRequest();
  f.maxWaitMs = 100;
  f.topics = [{ topic, topicId: Buffer.alloc(16), partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1 << 20 }] }];
  return request(ApiKey.Fetch, 11, f);
}

/** Valid requests of the data-plane APIs, the raw material for mutation. */
function templates(): Buffer[] {
  return [
    request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'hostile', clientSoftwareVersion: '1' }),
    request(ApiKey.Metadata, 8, { topics: [{ topicId: Buffer.alloc(16), name: FUZZ }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    // v0 has no auto-creation flag; Kafka treats v0 requests as allowing it.
    request(ApiKey.Metadata, 0, { topics: [{ topicId: Buffer.alloc(16), name: FUZZ }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    produceRequest(FUZZ, validBatch()),
    fetchRequest(FUZZ),
    request(ApiKey.ListOffsets, 5, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: FUZZ, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] }),
    request(ApiKey.ListOffsets, 1, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: FUZZ, partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 0n, maxNumOffsets: 1 }] }] }),
    request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
    request(ApiKey.FindCoordinator, 2, { key: 'hostile-group', keyType: 0, coordinatorKeys: [] }),
    request(ApiKey.OffsetFetch, 5, { groupId: 'hostile-group', topics: [{ name: FUZZ, partitionIndexes: [0, 1] }], groups: [], requireStable: false }),
    request(ApiKey.ListGroups, 2, { statesFilter: [], typesFilter: [] }),
    request(ApiKey.DescribeGroups, 4, { groups: ['hostile-group'], includeAuthorizedOperations: false }),
    request(ApiKey.DescribeConfigs, 2, { resources: [{ resourceType: 2, resourceName: FUZZ, configurationKeys: null }], includeSynonyms: true, includeDocumentation: false }),
  ];
}

/** A copy of a request frame with 1-3 bytes after the size prefix replaced by random ones. */
function mutate(frame: Buffer, rnd: () => number): Buffer {
  const m = Buffer.from(frame);
  const flips = 1 + Math.floor(rnd() * 3);
  // The size prefix stays, so each mutation reaches the header and body decoders.
  for (let i = 0; i < flips; i++) m[4 + Math.floor(rnd() * (m.length - 4))] = Math.floor(rnd() * 256);
  return m;
}

/** A request header (v1) for an API and version, with nothing after it. */
function headerOnly(apiKey: number, version: number): Buffer {
  const clientId = Buffer.from('hostile');
  const h = Buffer.alloc(10 + clientId.length);
  h.writeInt16BE(apiKey, 0);
  h.writeInt16BE(version, 2);
  h.writeInt32BE(7, 4);
  h.writeInt16BE(clientId.length, 8);
  clientId.copy(h, 10);
  return h;
}

interface Outcome {
  readonly kind: string;
  /** Whether the broker closed the connection within the wait (measured where the attack expects it). */
  readonly closed?: boolean;
  /** Error codes of partition responses, where the attack expects an answer. */
  readonly errorCodes?: number[];
  /** ApiVersions answered on the same connection after the attack. */
  readonly stillServed?: boolean;
  /** Why an attack that expected an answer got none. */
  readonly error?: string;
}

type Attack = (port: number, rnd: () => number) => Promise<Outcome>;

/** Sends the bytes and reports whether the broker closed the connection within `waitMs`. */
async function sendAndWatch(kind: string, port: number, chunks: Buffer[], waitMs = 2000): Promise<Outcome> {
  const c = await RawClient.connect(port);
  for (const chunk of chunks) c.write(chunk);
  const closed = await c.closesWithin(waitMs);
  c.close();
  return { kind, closed };
}

/** Produce requests the broker must answer with a partition error, then keep serving. */
async function corruptProduce(kind: string, port: number, records: Buffer): Promise<Outcome> {
  const c = await RawClient.connect(port);
  try {
    c.write(produceRequest(TARGET, records, 41));
    const { body } = decodeResponse(ApiKey.Produce, 8, await c.next(5000));
    const errorCodes = body.responses.flatMap((t) => t.partitionResponses.map((p) => p.errorCode));
    c.write(request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'hostile', clientSoftwareVersion: '1' }, 42));
    const { header } = decodeResponse(ApiKey.ApiVersions, 3, await c.next(5000));
    return { kind, closed: false, errorCodes, stillServed: header.correlationId === 42 };
  } catch (err) {
    return { kind, closed: c.isClosed, errorCodes: [], stillServed: false, error: String(err) };
  } finally {
    c.close();
  }
}

const ATTACKS: Record<string, Attack> = {
  randomBytes: async (port, rnd) => {
    const c = await RawClient.connect(port);
    for (let i = 0; i < 8; i++) c.write(bytes(rnd, 1 + Math.floor(rnd() * 4096)));
    await c.closesWithin(300);
    c.close();
    return { kind: 'randomBytes' };
  },
  oversizedLength: (port) => sendAndWatch('oversizedLength', port, [Buffer.from([0x7f, 0xff, 0xff, 0xf0, 1, 2, 3])]),
  negativeLength: (port) => sendAndWatch('negativeLength', port, [Buffer.from([0xff, 0xff, 0xff, 0xfb, 0, 0])]),
  truncatedFrameThenEof: async (port) => {
    const c = await RawClient.connect(port);
    const frame = templates()[1]!;
    c.write(frame.subarray(0, Math.floor(frame.length / 2)));
    c.socket.end();
    const closed = await c.closesWithin(2000);
    c.close();
    return { kind: 'truncatedFrameThenEof', closed };
  },
  garbageAfterHeader: async (port, rnd) => {
    const apis: Array<[number, number]> = [
      [ApiKey.Produce, 8],
      [ApiKey.Fetch, 11],
      [ApiKey.Metadata, 8],
      [ApiKey.ListOffsets, 5],
      [ApiKey.InitProducerId, 1],
      [ApiKey.CreateTopics, 4],
    ];
    const [key, version] = apis[Math.floor(rnd() * apis.length)]!;
    return sendAndWatch(`garbageAfterHeader(${ApiKey[key]} v${version})`, port, [frameOf(Buffer.concat([headerOnly(key, version), bytes(rnd, 200)]))]);
  },
  trailingBytesInFrame: (port, rnd) => sendAndWatch('trailingBytesInFrame', port, [frameOf(Buffer.concat([templates()[1]!.subarray(4), bytes(rnd, 16)]))]),
  unknownApiKey: (port) => sendAndWatch('unknownApiKey', port, [frameOf(headerOnly(999, 0))]),
  unsupportedVersion: (port) => sendAndWatch('unsupportedVersion', port, [frameOf(Buffer.concat([headerOnly(ApiKey.Produce, 99), Buffer.alloc(20)]))]),
  hugeArrayCount: (port) => {
    const count = Buffer.alloc(4);
    count.writeInt32BE(0x7fffffff);
    return sendAndWatch('hugeArrayCount', port, [frameOf(Buffer.concat([headerOnly(ApiKey.Metadata, 4), count]))]);
  },
  badCrcBatch: (port) => {
    const batch = validBatch();
    batch[batch.length - 1]! ^= 0xff; // inside the CRC-covered records
    return corruptProduce('badCrcBatch', port, batch);
  },
  randomRecords: (port, rnd) => corruptProduce('randomRecords', port, bytes(rnd, 300)),
  truncatedBatch: (port) => {
    const batch = validBatch();
    return corruptProduce('truncatedBatch', port, batch.subarray(0, batch.length - 5));
  },
  legacyMagic: (port) => {
    const batch = Buffer.from(validBatch());
    batch[16] = 1; // magic 1: an old message set header
    return corruptProduce('legacyMagic', port, batch);
  },
  mutatedRequests: async (port, rnd) => {
    // Each mutant on its own connection: a mutation that closes one must not hide the others.
    const mutants = templates().flatMap((t) => [mutate(t, rnd), mutate(t, rnd)]);
    await Promise.all(
      mutants.map(async (m) => {
        const c = await RawClient.connect(port);
        c.write(m);
        await Promise.race([c.next(300).catch(() => undefined), c.closed]);
        c.close();
      }),
    );
    return { kind: 'mutatedRequests' };
  },
  slowHeader: async (port) => {
    const c = await RawClient.connect(port);
    c.write(Buffer.from([0, 0]));
    await new Promise((r) => setTimeout(r, 500));
    c.close();
    return { kind: 'slowHeader' };
  },
  floodWithoutReading: async (port) => {
    const c = await RawClient.connect(port);
    c.socket.pause();
    const one = templates()[1]!;
    c.write(Buffer.concat(Array.from({ length: 2000 }, () => one)));
    await new Promise((r) => setTimeout(r, 300));
    c.close();
    return { kind: 'floodWithoutReading' };
  },
};

/** Attacks after which the broker must have closed the connection, as Kafka does. */
const MUST_CLOSE = new Set([
  'oversizedLength',
  'negativeLength',
  'truncatedFrameThenEof',
  'garbageAfterHeader',
  'trailingBytesInFrame',
  'unknownApiKey',
  'unsupportedVersion',
  'hugeArrayCount',
]);

/**
 * The partition error Kafka gives each corrupt Produce (KafkaApis: ProduceRequest.validateRecords
 * and the batch iterator): a CRC mismatch is CORRUPT_MESSAGE; no complete batch, or a batch that
 * is not magic 2, is INVALID_RECORD; random bytes are either, depending on the length they claim.
 */
const EXPECTED_PRODUCE_ERRORS: Record<string, readonly number[]> = {
  badCrcBatch: [ErrorCode.CORRUPT_MESSAGE],
  truncatedBatch: [ErrorCode.INVALID_RECORD],
  legacyMagic: [ErrorCode.INVALID_RECORD],
  randomRecords: [ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD],
};

describe('hostile input under real-client load', () => {
  it(`every attack is refused or closed while kafkajs and kcat keep producing and consuming (seed ${SEED})`, async () => {
    const rnd = prng(SEED);
    const { kafka, problems } = kafkajsClient(b.bootstrap, 'hostile-load');
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    // kcat tails partition 0 while kafkajs writes it.
    const tail = kcatTail(b.bootstrap, LOAD, 0, LOAD_BATCHES * LOAD_BATCH_SIZE, 90_000);

    const loadErrors: string[] = [];
    let loadDone = false;
    const kafkajsLoad = (async () => {
      for (let n = 0; n < LOAD_BATCHES; n++) {
        const messages = Array.from({ length: LOAD_BATCH_SIZE }, (_, i) => ({ value: `load ${n * LOAD_BATCH_SIZE + i}`, partition: 0 }));
        const res = await producer.send({ topic: LOAD, acks: -1, messages });
        if (res[0]!.errorCode !== 0) throw new Error(`kafkajs produce error ${res[0]!.errorCode}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    })()
      .catch((err: unknown) => void loadErrors.push(`kafkajs: ${String(err)}\n${problems.join('\n')}`))
      .finally(() => (loadDone = true));
    const kcatLoad = (async () => {
      for (let run = 0; run < KCAT_RUNS; run++) {
        await kcatProduce(b.bootstrap, LOAD, Array.from({ length: KCAT_LINES }, (_, i) => `kcat ${run * KCAT_LINES + i}`), { partition: 1, codec: 'gzip' });
      }
    })().catch((err: unknown) => void loadErrors.push(`kcat producer: ${String(err)}`));

    const outcomes: Outcome[] = [];
    try {
      for (let wave = 0; wave < 3 || !loadDone; wave++) {
        if (wave > 40) break;
        outcomes.push(...(await Promise.all(Object.values(ATTACKS).map((attack) => attack(b.port, prng(Math.floor(rnd() * 2 ** 31)))))));
      }
    } finally {
      // Whatever happened above, the clients finish before the broker is stopped.
      await Promise.allSettled([kafkajsLoad, kcatLoad, tail]);
      await producer.disconnect();
    }
    const { messages, result } = await tail;
    expect(loadErrors).toEqual([]);

    // The real clients were served throughout.
    expect(messages.map((m) => m.payload), `${describeRun('kcat tail', result)}\n${problems.join('\n')}`).toEqual(
      Array.from({ length: LOAD_BATCHES * LOAD_BATCH_SIZE }, (_, i) => `load ${i}`),
    );
    const kcatWritten = await kcatConsume(b.bootstrap, LOAD, { partition: 1 });
    expect(kcatWritten.map((m) => m.payload)).toEqual(Array.from({ length: KCAT_RUNS * KCAT_LINES }, (_, i) => `kcat ${i}`));

    // Each attack got the answer Kafka gives.
    for (const o of outcomes) {
      if (MUST_CLOSE.has(o.kind.replace(/\(.*/, ''))) expect(o.closed, o.kind).toBe(true);
      const expectedErrors = EXPECTED_PRODUCE_ERRORS[o.kind];
      if (expectedErrors) {
        expect(o.stillServed, `${o.kind}: ${JSON.stringify(o)}`).toBe(true);
        expect(o.errorCodes, o.kind).toHaveLength(1);
        expect(expectedErrors, o.kind).toContain(o.errorCodes![0]);
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(3 * Object.keys(ATTACKS).length);

    // Nothing corrupt was stored; what mutation let through is whole, CRC-checked batches.
    for (const p of [0, 1]) {
      const target = await fetchPartition(b.port, TARGET, p);
      expect(target.errorCode).toBe(0);
      expect(target.highWatermark).toBe(0n);
      const fuzz = await fetchPartition(b.port, FUZZ, p);
      expect(fuzz.errorCode).toBe(0);
      expect(recordsOf(fuzz).length).toBe(Number(fuzz.highWatermark - fuzz.logStartOffset));
    }

    // A new client is served, and nothing failed inside the broker.
    const fresh = await RawClient.connect(b.port);
    fresh.write(request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'after', clientSoftwareVersion: '1' }, 99));
    expect(decodeResponse(ApiKey.ApiVersions, 3, await fresh.next()).header.correlationId).toBe(99);
    fresh.close();
    const failures = logs.lines().filter((l) => (l.level as number) >= 50);
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 2)).toEqual([]);
  }, 150_000);

  it(`survives a burst of mutated requests of every data-plane and group API without a handler failure (seed ${SEED})`, async () => {
    const rnd = prng(SEED ^ 0x5bd1e995);
    const before = logs.lines().filter((l) => (l.level as number) >= 50).length;
    const deadline = Date.now() + 3000;
    let sent = 0;
    while (Date.now() < deadline) {
      await ATTACKS.mutatedRequests!(b.port, prng(Math.floor(rnd() * 2 ** 31)));
      sent += 2 * templates().length;
    }
    expect(sent).toBeGreaterThan(100);
    const fresh = await RawClient.connect(b.port);
    fresh.write(request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'after', clientSoftwareVersion: '1' }, 7));
    expect(decodeResponse(ApiKey.ApiVersions, 3, await fresh.next()).header.correlationId).toBe(7);
    fresh.close();
    const failures = logs.lines().filter((l) => (l.level as number) >= 50).slice(before);
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 2)).toEqual([]);
  }, 30_000);
});
