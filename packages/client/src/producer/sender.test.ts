import { ApiKey, CompressionType, ErrorCode, KafkaError, type ProduceRequest, type ProduceResponse, RecordBatchView } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/cluster.js';
import { ConnectionError, TimeoutError } from '../errors.js';
import { BufferMemory } from './buffer-memory.js';
import { RecordAccumulator } from './record-accumulator.js';
import { Sender, type SenderConfig } from './sender.js';

/**
 * The sender's retry and sequencing rules, driven through a scripted connection: each Produce
 * request is recorded and answered (or failed) by the test, in the order the test chooses.
 */
interface SentRequest {
  body: ProduceRequest;
  /** Batches as (partition, baseSequence, first value). */
  batches: Array<{ partition: number; baseSequence: number; records: number; bytes: Buffer }>;
  answer(codes: Record<number, number>): void;
  fail(err: unknown): void;
}

function harness(config: Partial<SenderConfig> = {}, leader = 1) {
  const sent: SentRequest[] = [];
  let initCalls = 0;
  const connection = {
    address: 'fake:1',
    versionFor: () => 9,
    send(_apiKey: ApiKey, _version: number, body: ProduceRequest) {
      return new Promise<ProduceResponse>((resolve, reject) => {
        const batches = body.topicData.flatMap((t) =>
          t.partitionData.map((p) => {
            const view = new RecordBatchView(p.records!, 0);
            return { partition: p.index, baseSequence: view.baseSequence, records: view.recordCount, bytes: p.records! };
          }),
        );
        sent.push({
          body,
          batches,
          answer(codes) {
            resolve({
              throttleTimeMs: 0,
              nodeEndpoints: [],
              responses: body.topicData.map((t) => ({
                name: t.name,
                partitionResponses: t.partitionData.map((p) => ({
                  index: p.index,
                  errorCode: codes[p.index] ?? 0,
                  baseOffset: 100n,
                  logAppendTimeMs: -1n,
                  logStartOffset: 0n,
                  recordErrors: [],
                  errorMessage: null,
                  currentLeader: { leaderId: -1, leaderEpoch: -1 },
                })),
              })),
            });
          },
          fail: reject,
        });
      });
    },
  };
  const broker = { nodeId: 1, current: connection, connection: async () => connection };
  const cluster = {
    metadata: { leaderFor: () => leader },
    broker: () => broker,
    anyBroker: () => ({
      request: async () => {
        initCalls++;
        return { throttleTimeMs: 0, errorCode: 0, producerId: 42n, producerEpoch: initCalls - 1 };
      },
    }),
    refreshMetadata: async () => undefined,
    retry: <T>(fn: (attempt: number) => Promise<T>) => fn(0),
  } as unknown as Cluster;
  const accumulator = new RecordAccumulator(config.maxRequestSize ?? 100);
  const memory = new BufferMemory(1 << 20);
  const failures: unknown[] = [];
  const sender = new Sender(
    cluster,
    accumulator,
    memory,
    {
      acks: -1,
      lingerMs: 0,
      maxRequestSize: 1 << 20,
      requestTimeoutMs: 1000,
      deliveryTimeoutMs: 60_000,
      retries: 100,
      retryBackoffMs: 1,
      retryBackoffMaxMs: 2,
      maxInFlight: 5,
      compression: CompressionType.None,
      idempotent: true,
      ...config,
    },
    (_b, err) => failures.push(err),
  );
  const append = (partition: number, value: string) => {
    memory.tryReserve(30);
    const r = accumulator.append('t', partition, { value: Buffer.from(value) }, 30, Date.now());
    sender.wakeup();
    return r.batch;
  };
  return { sent, sender, append, failures, initCalls: () => initCalls };
}

const tick = () => new Promise((r) => setTimeout(r, 10));
async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await tick();
  expect(check()).toBe(true);
}

describe('Sender (idempotent)', () => {
  it('resends a batch that failed retriably with the same sequence and bytes, and completes it', async () => {
    const h = harness();
    await h.sender.initialize();
    const batch = h.append(0, 'a');
    await until(() => h.sent.length === 1);
    h.sent[0]!.answer({ 0: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    await until(() => h.sent.length === 2);
    expect(h.sent[1]!.batches[0]!.baseSequence).toBe(h.sent[0]!.batches[0]!.baseSequence);
    expect(h.sent[1]!.batches[0]!.bytes.equals(h.sent[0]!.batches[0]!.bytes)).toBe(true);
    h.sent[1]!.answer({});
    expect((await batch.promise).baseOffset).toBe(100n);
  });

  it('keeps up to five requests in flight, then resends failed batches one at a time in sequence order', async () => {
    const h = harness();
    await h.sender.initialize();
    // Each batch holds ~3 records of 30 bytes (61 + 3 * 30 > 100 closes it): 7 batches.
    const batches = Array.from({ length: 20 }, (_, i) => h.append(0, `v${i}`));
    await until(() => h.sent.length === 5);
    await tick();
    expect(h.sent.length).toBe(5); // max.in.flight.requests.per.connection
    const seqs = h.sent.map((s) => s.batches[0]!.baseSequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The connection drops: all five fail; they must go out again in order, one by one.
    for (const s of h.sent.splice(0)) s.fail(new ConnectionError('reset', 'fake:1'));
    for (let i = 0; i < 5; i++) {
      await until(() => h.sent.length === 1);
      await tick();
      expect(h.sent.length).toBe(1);
      expect(h.sent[0]!.batches[0]!.baseSequence).toBe(seqs[i]);
      h.sent.shift()!.answer({});
    }
    // Then the remaining fresh batches follow, with the next sequences.
    await until(() => h.sent.length >= 1);
    expect(h.sent[0]!.batches[0]!.baseSequence).toBeGreaterThan(seqs[4]!);
    while (h.sent.length > 0 || !batches.every((b) => b.isDone)) {
      await until(() => h.sent.length > 0 || batches.every((b) => b.isDone));
      for (const s of h.sent.splice(0)) s.answer({});
    }
  });

  it('retries OUT_OF_ORDER_SEQUENCE_NUMBER behind an earlier failed batch', async () => {
    const h = harness();
    await h.sender.initialize();
    const a = h.append(0, 'x'.repeat(40));
    const b = h.append(0, 'y'.repeat(40));
    await until(() => h.sent.length === 2);
    h.sent[0]!.answer({ 0: ErrorCode.REQUEST_TIMED_OUT });
    h.sent[1]!.answer({ 0: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    await until(() => h.sent.length === 3);
    h.sent[2]!.answer({});
    await until(() => h.sent.length === 4);
    expect(h.sent[3]!.batches[0]!.baseSequence).toBe(h.sent[1]!.batches[0]!.baseSequence);
    h.sent[3]!.answer({});
    await Promise.all([a.promise, b.promise]);
    expect(h.failures).toEqual([]);
  });

  it('fails a batch with a non-retriable error and tells the error listener', async () => {
    const h = harness();
    await h.sender.initialize();
    const batch = h.append(0, 'x');
    await until(() => h.sent.length === 1);
    h.sent[0]!.answer({ 0: ErrorCode.MESSAGE_TOO_LARGE });
    await expect(batch.promise).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE });
    expect(h.failures[0]).toBeInstanceOf(KafkaError);
  });

  it('bumps the epoch and restarts sequences after a sequence gap the broker cannot resolve', async () => {
    const h = harness();
    await h.sender.initialize();
    const a = h.append(0, 'x'.repeat(40));
    await until(() => h.sent.length === 1);
    h.sent[0]!.answer({ 0: ErrorCode.UNKNOWN_PRODUCER_ID });
    await expect(a.promise).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_PRODUCER_ID });
    const b = h.append(0, 'y');
    await until(() => h.sent.length === 2);
    expect(h.initCalls()).toBe(2);
    const view = new RecordBatchView(h.sent[1]!.batches[0]!.bytes, 0);
    expect(view.producerEpoch).toBe(1);
    expect(view.baseSequence).toBe(0);
    h.sent[1]!.answer({});
    await b.promise;
  });

  it('stops retrying at delivery.timeout.ms and fails the batch', async () => {
    const h = harness({ deliveryTimeoutMs: 100, requestTimeoutMs: 10, retryBackoffMs: 5, retryBackoffMaxMs: 10 });
    await h.sender.initialize();
    const batch = h.append(0, 'x');
    const started = Date.now();
    let attempts = 0;
    while (!batch.isDone) {
      await tick();
      for (const s of h.sent.splice(0)) {
        attempts++;
        s.fail(new ConnectionError('down', 'fake:1'));
      }
    }
    // Either the last attempt's error, or the expiry while it waited for its next attempt.
    const err = await batch.promise.catch((e: unknown) => e);
    expect(err instanceof ConnectionError || err instanceof TimeoutError).toBe(true);
    expect(attempts).toBeGreaterThan(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('expires a batch that never finds a leader with TimeoutError', async () => {
    const h = harness({ deliveryTimeoutMs: 50, requestTimeoutMs: 10 }, -1);
    await h.sender.initialize();
    const batch = h.append(0, 'x');
    await expect(batch.promise).rejects.toBeInstanceOf(TimeoutError);
    expect(h.sent).toEqual([]);
  });
});
