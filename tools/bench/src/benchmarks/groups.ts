// Consumer-group benchmark (`npm run bench -- groups [--members N] [--partitions P] [--rounds R]`):
// how long a group of N kafkajs 2.2.4 consumers (default 10) takes to become Stable from a cold
// start, and how long the remaining members take to be Stable again after one member leaves.
//
// The broker runs as a child process (`node apps/broker/dist/main.js`) on a fresh data directory, so
// "cold" includes creating __consumer_offsets on the first FindCoordinator. The members live in this
// process and start together; the group counts as Stable when every member has received (GROUP_JOIN,
// emitted after SyncGroup) an assignment and the assignments split the topic's P partitions (default
// 20) between them; DescribeGroups then confirms the state and member count. The rebalance is timed
// from the leaving member's disconnect (LeaveGroup) until the others cover all partitions again.
//
// Members use sessionTimeout 10 s, heartbeatInterval 300 ms (they learn of a rebalance from their next
// heartbeat, so this bounds the rebalance time from below), rebalanceTimeout 30 s. Each round runs
// with group.initial.rebalance.delay.ms = 0 and with Kafka's default 3000 (which holds the first
// generation for 3 s so a starting application forms one generation); a fresh broker per run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Consumer, type Kafka } from 'kafkajs';
import { fmt, table } from '../report.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'group-bench';
const GROUP = 'group-bench';

interface Options {
  members: number;
  partitions: number;
  rounds: number;
}

function parseOptions(args: string[]): Options {
  const at = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const v = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
    return v;
  };
  const o = { members: at('members', 10), partitions: at('partitions', 20), rounds: at('rounds', 3) };
  if (o.members < 2) throw new Error('--members must be at least 2');
  return o;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A broker child process on a fresh data directory; resolves once it accepts connections. */
async function startBroker(initialDelayMs: number): Promise<{ bootstrap: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-groups-'));
  // prettier-ignore
  const child = spawn(process.execPath, [
    path.join(ROOT, 'apps/broker/dist/main.js'),
    '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
    '--override', `log.dirs=${dataDir}`,
    '--override', `group.initial.rebalance.delay.ms=${initialDelayMs}`,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
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
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Member {
  readonly consumer: Consumer;
  assignment: number[];
}

async function startMember(kafka: Kafka): Promise<Member> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 30_000, maxWaitTimeInMs: 500 });
  const member: Member = { consumer, assignment: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assignment = [...(e.payload.memberAssignment[TOPIC] ?? [])];
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC });
  await consumer.run({ eachMessage: async () => undefined });
  return member;
}

/** Every member holds at least one partition and together they hold each partition exactly once. */
function stable(members: readonly Member[], partitions: number): boolean {
  const all = members.flatMap((m) => m.assignment).sort((a, b) => a - b);
  return members.every((m) => m.assignment.length > 0) && all.length === partitions && all.every((p, i) => p === i);
}

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function describe(kafka: Kafka): Promise<{ state: string; members: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([GROUP]);
    return { state: groups[0]!.state, members: groups[0]!.members.length };
  } finally {
    await admin.disconnect();
  }
}

interface RoundResult {
  coldStartMs: number;
  rebalanceMs: number;
}

async function round(opts: Options, initialDelayMs: number): Promise<RoundResult> {
  const broker = await startBroker(initialDelayMs);
  const kafka = new kafkajs.Kafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const members: Member[] = [];
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: opts.partitions }] });
    await admin.disconnect();

    const t0 = performance.now();
    members.push(...(await Promise.all(Array.from({ length: opts.members }, () => startMember(kafka)))));
    await until(() => stable(members, opts.partitions), `${opts.members} members to be Stable`);
    const coldStartMs = performance.now() - t0;
    const formed = await describe(kafka);
    if (formed.state !== 'Stable' || formed.members !== opts.members) throw new Error(`expected Stable with ${opts.members} members, got ${JSON.stringify(formed)}`);

    const leaving = members.pop()!;
    const t1 = performance.now();
    await leaving.consumer.disconnect();
    await until(() => stable(members, opts.partitions), `${members.length} members to be Stable again`);
    const rebalanceMs = performance.now() - t1;
    const after = await describe(kafka);
    if (after.state !== 'Stable' || after.members !== members.length) throw new Error(`expected Stable with ${members.length} members, got ${JSON.stringify(after)}`);
    return { coldStartMs, rebalanceMs };
  } finally {
    await Promise.all(members.map((m) => m.consumer.disconnect().catch(() => undefined)));
    await broker.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  console.log(`group of ${opts.members} kafkajs consumers, topic of ${opts.partitions} partitions, ${opts.rounds} rounds per setting (fresh broker each)`);
  const rows: Array<Array<string | number>> = [];
  for (const delay of [0, 3000]) {
    const results: RoundResult[] = [];
    for (let i = 0; i < opts.rounds; i++) results.push(await round(opts, delay));
    const mean = (f: (r: RoundResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    const worst = (f: (r: RoundResult) => number) => Math.max(...results.map(f));
    rows.push([
      `initial delay ${delay} ms`,
      fmt(mean((r) => r.coldStartMs), 0),
      fmt(worst((r) => r.coldStartMs), 0),
      fmt(mean((r) => r.rebalanceMs), 0),
      fmt(worst((r) => r.rebalanceMs), 0),
    ]);
  }
  table(['setting', 'cold start → Stable ms (mean)', '(max)', 'one leaves → Stable ms (mean)', '(max)'], rows);
}
