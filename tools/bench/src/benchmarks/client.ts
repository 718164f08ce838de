// Client benchmark: @tributary/client against kafkajs 2.2.4, both talking to one Tributary broker
// started for the run (its own process, so broker work does not share the clients' event loop).
//   producer throughput: N records of 100 bytes, acks=1, to a 1-partition and a 6-partition topic
//   consumer throughput: the same N records read back from the 6-partition topic (fresh group;
//     best of 3 runs per client, runs alternating between the clients)
//   end-to-end latency: records sent at a fixed 10,000/s, timed from send to receipt (two runs per
//     client, alternating, samples pooled)
// Prints a table, writes JSON under bench-results/, draws the latency distributions as an SVG, and
// ends with the two ratio lines. Options: --records N (default 1000000), --seconds S (latency run, 5).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TributaryClient } from '@tributary/client';
import kafkajs from 'kafkajs';
import { fmt, table } from '../report.js';

const { Kafka, logLevel } = kafkajs;

const RECORD_SIZE = 100;
const LATENCY_RATE = 10_000;
const CONSUME_ROUNDS = 3;
const LATENCY_ROUNDS = 2;
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Options {
  records: number;
  seconds: number;
}

function parseOptions(args: string[]): Options {
  const get = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
    return v;
  };
  return { records: Math.floor(get('records', 1_000_000)), seconds: get('seconds', 5) };
}

// ---------------------------------------------------------------------------------------------
// Broker

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface BrokerProcess {
  bootstrap: string;
  stop(): Promise<void>;
}

async function startBrokerProcess(): Promise<BrokerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'apps/broker/dist/main.js'),
      '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
      '--override', `log.dirs=${dataDir}`,
      '--override', 'group.initial.rebalance.delay.ms=0',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const bootstrap = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the broker exited with status ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('the broker did not start listening within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    bootstrap,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Workloads

function payload(i: number): Buffer {
  const value = Buffer.alloc(RECORD_SIZE);
  value.write(`{"id":${i},"event":"bench","pad":"`, 'utf8');
  for (let j = 40; j < RECORD_SIZE; j++) value[j] = 97 + ((i + j) % 26);
  return value;
}

/** A pool of distinct payloads, reused round-robin (generating 1M buffers would be measured too). */
const PAYLOADS = Array.from({ length: 1024 }, (_, i) => payload(i));

async function produceTributary(bootstrap: string, topic: string, n: number): Promise<number> {
  const client = new TributaryClient({ brokers: [bootstrap], clientId: 'bench-tributary' });
  const producer = client.producer({ acks: 1 });
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'warm-up' }] });
  const start = performance.now();
  let failed: unknown = null;
  producer.onDeliveryError((f) => (failed ??= f.error));
  const high = producer.config.bufferMemory / 2;
  for (let i = 0; i < n; i++) {
    void producer.sendFast(topic, PAYLOADS[i & 1023]!);
    // Backpressure without a promise per record: pause when half of buffer.memory is in use.
    if ((i & 255) === 0 && producer.bufferedBytes > high) await producer.waitForBuffer(high);
  }
  await producer.flush();
  const ms = performance.now() - start;
  await producer.close();
  if (failed) throw failed;
  return ms;
}

async function produceKafkajs(bootstrap: string, topic: string, n: number): Promise<number> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic, acks: 1, messages: [{ value: 'warm-up' }] });
  // kafkajs has no accumulator: the fastest way to feed it is arrays of records, several sends in flight.
  const chunk = 1000;
  const inFlight = 5;
  const start = performance.now();
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i += chunk) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + chunk); j++) messages.push({ value: PAYLOADS[j & 1023]! });
    const p = producer.send({ topic, acks: 1, messages }).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const ms = performance.now() - start;
  await producer.disconnect();
  return ms;
}

async function consumeTributary(bootstrap: string, topic: string, n: number): Promise<number> {
  const client = new TributaryClient({ brokers: [bootstrap], clientId: 'bench-tributary' });
  const consumer = client.consumer({ groupId: `bench-tributary-${Date.now()}`, autoOffsetReset: 'earliest' });
  await consumer.subscribe({ topics: [topic] });
  let count = 0;
  let first = 0;
  let bytes = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (count === 0) first = performance.now();
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        count += batch.messages.length;
        if (count >= n) resolve(performance.now() - first);
      },
    });
  });
  const ms = await withTimeout(done, 300_000, 'tributary consumer');
  await consumer.close();
  if (bytes < n * 1) throw new Error('consumed records carried no values');
  return ms;
}

async function consumeKafkajs(bootstrap: string, topic: string, n: number): Promise<number> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-kafkajs-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let first = 0;
  let bytes = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (count === 0) first = performance.now();
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        count += batch.messages.length;
        if (count >= n) resolve(performance.now() - first);
      },
    });
  });
  const ms = await withTimeout(done, 300_000, 'kafkajs consumer');
  await consumer.disconnect();
  if (bytes === 0) throw new Error('consumed records carried no values');
  return ms;
}

/** A value stamped with its send time (performance.now(), same process as the consumer). */
function stamped(i: number): Buffer {
  const v = Buffer.from(PAYLOADS[i & 1023]!);
  v.writeDoubleLE(performance.now(), 0);
  return v;
}

async function pace(total: number, send: (from: number, to: number) => void): Promise<void> {
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * LATENCY_RATE) / 1000));
    if (due > sent) {
      send(sent, due);
      sent = due;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function latencyTributary(bootstrap: string, topic: string, total: number): Promise<number[]> {
  const client = new TributaryClient({ brokers: [bootstrap], clientId: 'bench-tributary' });
  const producer = client.producer({ acks: 1, lingerMs: 0 });
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'warm-up' }] });
  const latencies: number[] = [];
  let assigned!: () => void;
  const ready = new Promise<void>((r) => (assigned = r));
  const consumer = client.consumer({
    groupId: `latency-tributary-${Date.now()}`,
    autoOffsetReset: 'latest',
    rebalanceListener: { onPartitionsAssigned: (tps) => (tps.length > 0 ? assigned() : undefined) },
  });
  await consumer.subscribe({ topics: [topic] });
  const received = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) if (m.value && m.value.length === RECORD_SIZE) latencies.push(now - m.value.readDoubleLE(0));
        if (latencies.length >= total) resolve();
      },
    });
  });
  await withTimeout(ready, 60_000, 'tributary consumer join');
  await consumer.position(consumer.assignment()[0]!);
  await pace(total, (from, to) => {
    for (let i = from; i < to; i++) void producer.sendFast(topic, stamped(i));
  });
  await withTimeout(received, 30_000, 'tributary latency records').catch(() => undefined);
  await producer.close();
  await consumer.close();
  return latencies;
}

async function latencyKafkajs(bootstrap: string, topic: string, total: number): Promise<number[]> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: 1, messages: [{ value: 'warm-up' }] });
  const consumer = kafka.consumer({ groupId: `latency-kafkajs-${Date.now()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  const latencies: number[] = [];
  let joined!: () => void;
  const ready = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  const received = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) if (m.value && m.value.length === RECORD_SIZE) latencies.push(now - m.value.readDoubleLE(0));
        if (latencies.length >= total) resolve();
      },
    });
  });
  await withTimeout(ready, 60_000, 'kafkajs consumer join');
  // kafkajs resolves "latest" on its first fetch; give it a moment so no record precedes it.
  await new Promise((r) => setTimeout(r, 1000));
  await pace(total, (from, to) => {
    const messages = [];
    for (let i = from; i < to; i++) messages.push({ value: stamped(i) });
    producer.send({ topic, acks: 1, messages }).catch(() => undefined);
  });
  await withTimeout(received, 30_000, 'kafkajs latency records').catch(() => undefined);
  await producer.disconnect();
  await consumer.disconnect();
  return latencies;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Statistics and chart

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Series {
  name: string;
  color: string;
  sorted: number[];
}

/** Latency CDFs on a logarithmic time axis, with p50/p99/p99.9 guides. */
function latencyChart(series: Series[]): string {
  const W = 760;
  const H = 420;
  const left = 70;
  const right = 20;
  const top = 40;
  const bottom = 60;
  const all = series.flatMap((s) => s.sorted).filter((v) => v > 0);
  const min = Math.max(0.05, Math.min(...all));
  const max = Math.max(...all);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const x = (ms: number) => left + ((Math.log10(Math.max(ms, min)) - lo) / (hi - lo)) * (W - left - right);
  const y = (q: number) => top + (1 - q) * (H - top - bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">End-to-end latency at ${LATENCY_RATE.toLocaleString('en-US')} records/s (CDF)</text>`);
  for (let e = lo; e <= hi; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v < 10 ** lo || v > 10 ** hi) continue;
      const px = x(v);
      out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${H - bottom}" stroke="#ddd"/>`);
      out.push(`<text x="${px}" y="${H - bottom + 16}" text-anchor="middle">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  for (const q of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    out.push(`<line x1="${left}" y1="${y(q)}" x2="${W - right}" y2="${y(q)}" stroke="${q === 0.5 || q === 0.99 ? '#bbb' : '#eee'}"/>`);
    out.push(`<text x="${left - 6}" y="${y(q) + 4}" text-anchor="end">${q * 100}%</text>`);
  }
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 18}" text-anchor="middle">latency (ms, log scale)</text>`);
  out.push(`<text transform="translate(16 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">records received within</text>`);
  series.forEach((s, i) => {
    const n = s.sorted.length;
    if (n === 0) return;
    // At most ~600 points per curve: evenly spaced quantiles, plus the tail in full detail.
    const step = Math.max(1, Math.floor(n / 600));
    const pts: string[] = [];
    for (let k = 0; k < n; k += k > n * 0.99 ? 1 : step) pts.push(`${x(s.sorted[k]!).toFixed(1)},${y((k + 1) / n).toFixed(1)}`);
    pts.push(`${x(s.sorted[n - 1]!).toFixed(1)},${y(1).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    const p50 = percentile(s.sorted, 50);
    const p99 = percentile(s.sorted, 99);
    const p999 = percentile(s.sorted, 99.9);
    out.push(`<rect x="${left + 12}" y="${top + 10 + i * 20}" width="14" height="4" fill="${s.color}"/>`);
    out.push(`<text x="${left + 32}" y="${top + 16 + i * 20}">${s.name}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, p99.9 ${p999.toFixed(2)} ms</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const broker = await startBrokerProcess();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  try {
    const admin = new TributaryClient({ brokers: [broker.bootstrap] }).admin();
    await admin.connect();
    const topics = ['tributary-p1', 'tributary-p6', 'kafkajs-p1', 'kafkajs-p6', 'latency-tributary', 'latency-kafkajs'];
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t, numPartitions: t.endsWith('p6') ? 6 : 1, replicationFactor: 1 })) });
    await admin.close();
    console.log(`broker ${broker.bootstrap}; ${o.records.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes, acks=1\n`);

    const produce: Record<string, Record<string, number>> = { tributary: {}, kafkajs: {} };
    for (const partitions of [1, 6]) {
      produce.tributary![`p${partitions}`] = await produceTributary(broker.bootstrap, `tributary-p${partitions}`, o.records);
      produce.kafkajs![`p${partitions}`] = await produceKafkajs(broker.bootstrap, `kafkajs-p${partitions}`, o.records);
    }
    // The machine may be shared: consumer runs and latency runs alternate between the clients,
    // so both see the same background load. Consumer throughput is the best of CONSUME_ROUNDS
    // runs each (fresh groups, same topic); latency samples are pooled from LATENCY_ROUNDS runs each.
    const consumeRuns: { tributary: number[]; kafkajs: number[] } = { tributary: [], kafkajs: [] };
    for (let round = 0; round < CONSUME_ROUNDS; round++) {
      consumeRuns.tributary.push(await consumeTributary(broker.bootstrap, 'tributary-p6', o.records));
      consumeRuns.kafkajs.push(await consumeKafkajs(broker.bootstrap, 'tributary-p6', o.records));
    }
    const consume = { tributary: Math.min(...consumeRuns.tributary), kafkajs: Math.min(...consumeRuns.kafkajs) };
    const latencyCount = Math.round(o.seconds * LATENCY_RATE);
    const perRound = Math.ceil(latencyCount / LATENCY_ROUNDS);
    const latencies: { tributary: number[]; kafkajs: number[] } = { tributary: [], kafkajs: [] };
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      latencies.tributary.push(...(await latencyTributary(broker.bootstrap, 'latency-tributary', perRound)));
      latencies.kafkajs.push(...(await latencyKafkajs(broker.bootstrap, 'latency-kafkajs', perRound)));
    }
    latencies.tributary.sort((a, b) => a - b);
    latencies.kafkajs.sort((a, b) => a - b);
    const expectedSamples = perRound * LATENCY_ROUNDS;

    const perSec = (ms: number) => (o.records * 1000) / ms;
    const rows: Array<Array<string | number>> = [];
    for (const c of ['tributary', 'kafkajs'] as const) {
      const l = latencies[c];
      rows.push([
        c === 'tributary' ? '@tributary/client' : 'kafkajs 2.2.4',
        fmt(perSec(produce[c]!.p1!), 0),
        fmt(perSec(produce[c]!.p6!), 0),
        fmt(perSec(consume[c]), 0),
        fmt(percentile(l, 50), 2),
        fmt(percentile(l, 99), 2),
        fmt(percentile(l, 99.9), 2),
        `${l.length}/${expectedSamples}`,
      ]);
    }
    table(['client', 'produce rec/s (1 part.)', 'produce rec/s (6 part.)', 'consume rec/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'latency samples'], rows);

    // One producer figure per client: records of both runs over the time of both runs.
    const producerRatio = (produce.kafkajs!.p1! + produce.kafkajs!.p6!) / (produce.tributary!.p1! + produce.tributary!.p6!);
    const consumerRatio = consume.kafkajs / consume.tributary;

    const outDir = path.join(ROOT, 'bench-results');
    mkdirSync(outDir, { recursive: true });
    const jsonPath = path.join(outDir, `client-${stamp}.json`);
    const svgPath = path.join(outDir, `client-latency-${stamp}.svg`);
    const summary = (c: 'tributary' | 'kafkajs') => ({
      produceRecordsPerSec: { onePartition: perSec(produce[c]!.p1!), sixPartitions: perSec(produce[c]!.p6!) },
      produceMs: produce[c],
      consumeRecordsPerSec: perSec(consume[c]),
      consumeRunsMs: consumeRuns[c],
      latencyMs: { p50: percentile(latencies[c], 50), p99: percentile(latencies[c], 99), p999: percentile(latencies[c], 99.9), samples: latencies[c].length },
    });
    writeFileSync(
      jsonPath,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          records: o.records,
          recordSize: RECORD_SIZE,
          latencyRate: LATENCY_RATE,
          latencySeconds: o.seconds,
          tributary: summary('tributary'),
          kafkajs: summary('kafkajs'),
          ratios: { producer: producerRatio, consumer: consumerRatio },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      svgPath,
      latencyChart([
        { name: '@tributary/client', color: '#1f77b4', sorted: latencies.tributary },
        { name: 'kafkajs 2.2.4', color: '#d62728', sorted: latencies.kafkajs },
      ]),
    );
    console.log(`\nJSON: ${path.relative(ROOT, jsonPath)}\nchart: ${path.relative(ROOT, svgPath)}\n`);
    console.log(`ratio producer tributary/kafkajs ${producerRatio.toFixed(2)}`);
    console.log(`ratio consumer tributary/kafkajs ${consumerRatio.toFixed(2)}`);
  } finally {
    await broker.stop();
  }
}
