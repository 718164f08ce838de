import { expectSuccess, runTool, type ToolResult } from './tools.js';

/**
 * kcat 1.7.1 (librdkafka 2.0.2) driven as a user would from a shell. Every call has a timeout and
 * short librdkafka timeouts, so a broker bug fails the test instead of hanging it.
 */

/** One message as `kcat -C -J` prints it. */
export interface KcatMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly tstype: string;
  readonly ts: number;
  readonly broker: number;
  /** Alternating names and values, as kcat prints them. */
  readonly headers?: string[];
  readonly key: string | null;
  readonly payload: string | null;
}

/** `kcat -L -J` output. */
export interface KcatMetadata {
  readonly originating_broker: { id: number; name: string };
  readonly query: { topic: string };
  readonly controllerid?: number;
  readonly brokers: Array<{ id: number; name: string }>;
  readonly topics: Array<{
    topic: string;
    error?: string;
    partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }>; error?: string }>;
  }>;
}

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProduceOptions {
  readonly partition?: number;
  readonly codec?: Codec;
  /** `-K<delim>`: each line is key<delim>value. */
  readonly keyDelimiter?: string;
  /** `-H name=value`, applied to every message. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra librdkafka properties (`-X key=value`). */
  readonly props?: Readonly<Record<string, string>>;
  /** `-Z`: an empty line is sent as a NULL value (a tombstone) instead of being skipped. */
  readonly emptyAsNull?: boolean;
  readonly timeoutMs?: number;
}

const COMMON = ['-m', '10', '-X', 'socket.timeout.ms=10000', '-X', 'topic.metadata.refresh.interval.ms=1000'];

function props(p: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(p ?? {}).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
}

/** Produces one message per line of `lines` (acks=all, librdkafka's default) and waits for delivery. */
export async function kcatProduce(bootstrap: string, topic: string, lines: readonly string[], opts: ProduceOptions = {}): Promise<ToolResult> {
  const args = ['-P', '-b', bootstrap, '-t', topic, ...COMMON, '-X', 'message.timeout.ms=15000', '-X', 'acks=all'];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.codec) args.push('-z', opts.codec);
  if (opts.keyDelimiter) args.push(`-K${opts.keyDelimiter}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (opts.emptyAsNull) args.push('-Z');
  args.push(...props(opts.props));
  const r = await runTool('kcat', args, { input: lines.map((l) => `${l}\n`).join(''), timeoutMs: opts.timeoutMs ?? 30_000 });
  expectSuccess(`kcat ${args.join(' ')}`, r);
  // kcat exits 1 after a failed delivery; the stderr check also catches errors it only reports.
  if (/Delivery failed|% ERROR/.test(r.stderr)) throw new Error(`kcat produce reported errors:\n${r.stderr}`);
  return r;
}

export interface ConsumeOptions {
  readonly partition?: number;
  /** kcat -o: beginning, end, an offset, -N, s@ts, e@ts. Default beginning. */
  readonly offset?: string;
  /** Stop after this many messages (-c). */
  readonly count?: number;
  readonly props?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** Reads a topic (or one partition) up to its end (`-e`) as JSON messages. */
export async function kcatConsume(bootstrap: string, topic: string, opts: ConsumeOptions = {}): Promise<KcatMessage[]> {
  const args = ['-C', '-b', bootstrap, '-t', topic, ...COMMON, '-J', '-e', '-q', '-o', opts.offset ?? 'beginning'];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.count !== undefined) args.push('-c', String(opts.count));
  args.push(...props(opts.props));
  const r = expectSuccess(`kcat ${args.join(' ')}`, await runTool('kcat', args, { timeoutMs: opts.timeoutMs ?? 30_000 }));
  return parseJsonLines<KcatMessage>(r.stdout);
}

/**
 * A consumer that keeps polling (no `-e`) until it has `count` messages: it runs alongside
 * producers and sees records as they arrive. Resolves with whatever it got when it exits.
 */
export async function kcatTail(bootstrap: string, topic: string, partition: number, count: number, timeoutMs: number): Promise<{ messages: KcatMessage[]; result: ToolResult }> {
  const args = ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), ...COMMON, '-J', '-q', '-o', 'beginning', '-c', String(count)];
  const result = await runTool('kcat', args, { timeoutMs });
  return { messages: parseJsonLines<KcatMessage>(result.stdout), result };
}

/** Reads with a custom output format (`-f`), one string per message. */
export async function kcatConsumeFormatted(bootstrap: string, topic: string, format: string, opts: ConsumeOptions = {}): Promise<string> {
  const args = ['-C', '-b', bootstrap, '-t', topic, ...COMMON, '-e', '-q', '-o', opts.offset ?? 'beginning', '-f', format];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  args.push(...props(opts.props));
  return expectSuccess(`kcat ${args.join(' ')}`, await runTool('kcat', args, { timeoutMs: opts.timeoutMs ?? 30_000 })).stdout;
}

/** `kcat -L -J` (optionally for one topic). */
export async function kcatMetadata(bootstrap: string, topic?: string): Promise<KcatMetadata> {
  const args = ['-L', '-J', '-b', bootstrap, ...COMMON, ...(topic ? ['-t', topic] : [])];
  const r = expectSuccess(`kcat ${args.join(' ')}`, await runTool('kcat', args, { timeoutMs: 20_000 }));
  return JSON.parse(r.stdout) as KcatMetadata;
}

/** `kcat -L` in its human-readable form. */
export async function kcatList(bootstrap: string, topic?: string): Promise<string> {
  const args = ['-L', '-b', bootstrap, ...COMMON, ...(topic ? ['-t', topic] : [])];
  return expectSuccess(`kcat ${args.join(' ')}`, await runTool('kcat', args, { timeoutMs: 20_000 })).stdout;
}

function parseJsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** kcat's `headers` array as a name → value map (last value wins). */
export function headerMap(m: KcatMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = m.headers ?? [];
  for (let i = 0; i + 1 < h.length; i += 2) out[h[i]!] = h[i + 1]!;
  return out;
}
