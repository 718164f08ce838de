import { ProtocolError, Reader, Writer } from '@tributary/protocol';

/**
 * The "consumer" protocol type's member metadata (ConsumerProtocolSubscription): an int16 version,
 * then the subscribed topics, user data, and from v1 the owned partitions, v2 the generation, v3 the
 * rack. The coordinator is otherwise protocol-agnostic; it decodes this only to learn which topics a
 * consumer group subscribes to (OffsetDelete refuses those, offset expiry spares them).
 */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

const HIGHEST_SUBSCRIPTION_VERSION = 3;

export interface ConsumerProtocolSubscription {
  readonly version: number;
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  readonly ownedPartitions: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;
  readonly generationId: number;
  readonly rackId: string | null;
}

function readVersion(r: Reader): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolError('UNSUPPORTED_VERSION', `consumer subscription version ${version}`);
  // Like Kafka's ConsumerProtocol: a newer version is read as the newest one we know, whose fields
  // it must start with.
  return Math.min(version, HIGHEST_SUBSCRIPTION_VERSION);
}

function readTopics(r: Reader): string[] {
  const n = r.arrayLength(2);
  if (n < 0) throw new ProtocolError('INVALID_LENGTH', 'consumer subscription topics array is null');
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.string());
  return topics;
}

export function decodeConsumerProtocolSubscription(buf: Buffer): ConsumerProtocolSubscription {
  const r = new Reader(buf);
  const version = readVersion(r);
  const topics = readTopics(r);
  const userData = r.nullableBytes();
  const ownedPartitions: Array<{ topic: string; partitions: number[] }> = [];
  if (version >= 1) {
    const n = r.arrayLength(6);
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const count = r.arrayLength(4);
      const partitions: number[] = [];
      for (let j = 0; j < count; j++) partitions.push(r.int32());
      ownedPartitions.push({ topic, partitions });
    }
  }
  const generationId = version >= 2 ? r.int32() : -1;
  const rackId = version >= 3 ? r.nullableString() : null;
  return { version, topics, userData: userData ? Buffer.from(userData) : null, ownedPartitions, generationId, rackId };
}

/**
 * Only the subscribed topics. Every subscription version starts with the v0 layout, so (as Kafka
 * does) the coordinator reads just that prefix and stays independent of later versions.
 */
export function decodeSubscribedTopics(buf: Buffer): string[] {
  const r = new Reader(buf);
  readVersion(r);
  return readTopics(r);
}

export function encodeConsumerProtocolSubscription(s: {
  version?: number;
  topics: readonly string[];
  userData?: Buffer | null;
  ownedPartitions?: ReadonlyArray<{ topic: string; partitions: readonly number[] }>;
  generationId?: number;
  rackId?: string | null;
}): Buffer {
  const version = s.version ?? HIGHEST_SUBSCRIPTION_VERSION;
  if (version < 0 || version > HIGHEST_SUBSCRIPTION_VERSION) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `consumer subscription version ${version}`);
  }
  const w = new Writer(64).int16(version).arrayLength(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.nullableBytes(s.userData ?? null);
  if (version >= 1) {
    const owned = s.ownedPartitions ?? [];
    w.arrayLength(owned.length);
    for (const o of owned) {
      w.string(o.topic).arrayLength(o.partitions.length);
      for (const p of o.partitions) w.int32(p);
    }
  }
  if (version >= 2) w.int32(s.generationId ?? -1);
  if (version >= 3) w.nullableString(s.rackId ?? null);
  return w.finish();
}
