// Broker benchmark (`npm run bench -- broker [--records N] [--mode child|inproc|both]`): kcat
// (librdkafka) produces N lines of 100 bytes from a file into a 1-partition topic, with acks=1 and
// with acks=all, then consumes them all back; prints records/s and MB/s for each phase.
//
// The load generator is kcat, a separate native process, so the broker never shares an event loop
// with it. The broker runs as a child process (`node apps/broker/dist/main.js`, the honest figure:
// nothing else in its process) and, with --mode inproc or both, inside this benchmark's process.
//
// "broker CPU s" is the CPU time the broker's process used in the phase (from /proc): well below the
// wall time means the broker was waiting for kcat, not the other way round.
// Each broker first takes an untimed warm-up of 200,000 records (JIT), then the timed phases run.
// Producer settings (librdkafka): linger.ms=5, batch.num.messages=10000, batch.size=1000000,
// queue.buffering.max.messages=1000000, no compression; the records are values only (no key).
// Consumer: `kcat -C -o beginning -e -q` with librdkafka's defaults (fetch.wait.max.ms=500,
// fetch.max.bytes=50 MiB, max.partition.fetch.bytes=1 MiB), printing each offset to count them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@tributary/broker';
import { fmt, mbPerSec, rate, table } from '../report.js';

const RECORD_SIZE = 100;
const WARM_UP_RECORDS = 200_000;
/** Linux's USER_HZ (getconf CLK_TCK), the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS_PER_SECOND = 100;
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PRODUCER_SETTINGS = [
  ['linger.ms', '5'],
  ['batch.num.messages', '10000'],
  ['batch.size', '1000000'],
  ['queue.buffering.max.messages', '1000000'],
  ['queue.buffering.max.kbytes', '1048576'],
];

type Mode = 'child' | 'inproc';

interface Options {
  records: number;
  modes: Mode[];
}

function parseOptions(args: string[]): Options {
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const records = Number(at('records') ?? 1_000_000);
  if (!Number.isInteger(records) || records <= 0) throw new Error('--records needs a positive integer');
  const mode = at('mode') ?? 'both';
  if (!['child', 'inproc', 'both'].includes(mode)) throw new Error('--mode is child, inproc or both');
  return { records, modes: mode === 'both' ? ['child', 'inproc'] : [mode as Mode] };
}

interface Broker {
  bootstrap: string;
  /** CPU seconds (user + system) the broker's process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc (Linux), in seconds; NaN elsewhere. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from after the command name, in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
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
    if (up) return;
    if (Date.now() > deadline) throw new Error('the broker did not start listening within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startChildBroker(dataDir: string): Promise<Broker> {
  const port = await freePort();
  // TRIBUTARY_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the broker process.
  const nodeArgs = (process.env.TRIBUTARY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      path.join(ROOT, 'apps/broker/dist/main.js'),
      '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
      '--override', `log.dirs=${dataDir}`,
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitForPort(port, child);
  return {
    bootstrap: `127.0.0.1:${port}`,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function startInProcessBroker(dataDir: string): Promise<Broker> {
  const broker = await startBroker({ port: 0, dataDir, logLevel: 'warn' });
  // In-process the broker shares this process with the (idle) benchmark driver.
  return { bootstrap: broker.bootstrap, cpuSeconds: () => processCpuSeconds(process.pid), stop: () => broker.stop() };
}

/** Runs kcat; resolves with its exit code, stderr and (when counted) the number of stdout lines and the last one. */
function kcat(args: string[], countLines = false): Promise<{ code: number | null; stderr: string; lines: number; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', countLines ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    let lines = 0;
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) lines++;
      tail = (tail + d.toString('latin1')).slice(-64);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const parts = tail.split('\n').filter(Boolean);
      resolve({ code, stderr, lines, last: parts[parts.length - 1] ?? '' });
    });
  });
}

/** N lines of RECORD_SIZE printable bytes (plus the newline kcat splits on). */
async function writeInput(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const chunkLines = 10_000;
  for (let i = 0; i < n; i += chunkLines) {
    const count = Math.min(chunkLines, n - i);
    const buf = Buffer.alloc(count * (RECORD_SIZE + 1));
    for (let j = 0; j < count; j++) {
      const base = j * (RECORD_SIZE + 1);
      const prefix = `${i + j}:`;
      buf.write(prefix, base, 'latin1');
      for (let k = prefix.length; k < RECORD_SIZE; k++) buf[base + k] = 97 + ((i + j + k) % 26);
      buf[base + RECORD_SIZE] = 10;
    }
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Phase {
  name: string;
  records: number;
  ms: number;
  /** CPU the broker used during the phase (the rest of the wall time it was waiting for kcat). */
  brokerCpuMs: number;
}

async function runMode(mode: Mode, input: string, warmUp: string, records: number): Promise<Phase[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-broker-'));
  const broker = mode === 'child' ? await startChildBroker(dataDir) : await startInProcessBroker(dataDir);
  const phases: Phase[] = [];
  try {
    // Untimed: lets the broker's JIT warm up so the first timed phase is not the cold one.
    const warm = await kcat(['-b', broker.bootstrap, '-P', '-t', 'bench-warm-up', '-l', ...PRODUCER_SETTINGS.flatMap(([k, v]) => ['-X', `${k}=${v}`]), warmUp]);
    if (warm.code !== 0) throw new Error(`warm-up kcat -P failed: ${warm.stderr}`);
    for (const acks of ['1', 'all']) {
      const topic = `bench-acks-${acks}`;
      // Metadata for the topic auto-creates it (num.partitions=1) before the clock starts.
      const created = await kcat(['-b', broker.bootstrap, '-L', '-t', topic]);
      if (created.code !== 0) throw new Error(`kcat -L failed: ${created.stderr}`);
      const settings = PRODUCER_SETTINGS.flatMap(([k, v]) => ['-X', `${k}=${v}`]);
      const cpu = broker.cpuSeconds();
      const start = performance.now();
      const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-l', '-X', `acks=${acks}`, ...settings, input]);
      const ms = performance.now() - start;
      if (produced.code !== 0) throw new Error(`kcat -P failed (${produced.code}): ${produced.stderr}`);
      phases.push({ name: `${mode}: produce acks=${acks}`, records, ms, brokerCpuMs: (broker.cpuSeconds() - cpu) * 1000 });
    }
    const cpu = broker.cpuSeconds();
    const start = performance.now();
    const consumed = await kcat(['-b', broker.bootstrap, '-C', '-t', 'bench-acks-1', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\\n'], true);
    const ms = performance.now() - start;
    if (consumed.code !== 0) throw new Error(`kcat -C failed (${consumed.code}): ${consumed.stderr}`);
    if (consumed.lines !== records || consumed.last !== String(records - 1)) {
      throw new Error(`consumed ${consumed.lines} records ending at offset ${consumed.last}; expected ${records} ending at ${records - 1}`);
    }
    phases.push({ name: `${mode}: consume`, records, ms, brokerCpuMs: (broker.cpuSeconds() - cpu) * 1000 });
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return phases;
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const work = mkdtempSync(path.join(tmpdir(), 'tributary-bench-input-'));
  try {
    const input = path.join(work, 'records.txt');
    await writeInput(input, opts.records);
    const warmUp = path.join(work, 'warm-up.txt');
    await writeInput(warmUp, WARM_UP_RECORDS);
    console.log(`kcat ${opts.records.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes, one partition; producer ${PRODUCER_SETTINGS.map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    const phases: Phase[] = [];
    for (const mode of opts.modes) phases.push(...(await runMode(mode, input, warmUp, opts.records)));
    table(
      ['phase', 'records', 'seconds', 'records/s', 'MB/s (values)', 'broker CPU s'],
      phases.map((p) => [
        p.name,
        p.records,
        fmt(p.ms / 1000, 2),
        fmt(rate(p.records, p.ms), 0),
        fmt(mbPerSec(p.records * RECORD_SIZE, p.ms), 1),
        fmt(p.brokerCpuMs / 1000, 2),
      ]),
    );
    const childProduce = phases.find((p) => p.name === 'child: produce acks=1');
    if (childProduce) {
      const r = rate(childProduce.records, childProduce.ms);
      console.log(`\nchild-process broker, acks=1: ${fmt(r, 0)} records/s produced (goal ≥ 500,000): ${r >= 500_000 ? 'met' : 'NOT met'}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
