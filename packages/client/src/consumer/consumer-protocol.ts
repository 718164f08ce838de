import {
  type ConsumerProtocolSubscription,
  ProtocolError,
  Reader,
  Writer,
  readConsumerProtocolAssignment,
  readConsumerProtocolSubscription,
  writeConsumerProtocolAssignment,
  writeConsumerProtocolSubscription,
} from '@tributary/protocol';

/**
 * The "consumer" embedded protocol: the bytes members put in JoinGroup metadata (their
 * subscription) and the leader puts in SyncGroup (each member's assignment). Each starts with an
 * int16 version; a reader that knows fewer fields reads what it knows and ignores the rest, which
 * is how Java, librdkafka and kafkajs members interoperate in one group.
 */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** Subscription v3 carries owned partitions (v1), generation (v2) and rack (v3). */
export const SUBSCRIPTION_VERSION = 3;
export const ASSIGNMENT_VERSION = 3;

export interface Subscription {
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: Map<string, number[]>;
  generationId: number;
  rackId: string | null;
}

export function encodeSubscription(s: Subscription, version = SUBSCRIPTION_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  const body: ConsumerProtocolSubscription = {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: version >= 1 ? [...s.ownedPartitions].map(([topic, partitions]) => ({ topic, partitions })) : [],
    generationId: version >= 2 ? s.generationId : -1,
    rackId: version >= 3 ? s.rackId : null,
  };
  writeConsumerProtocolSubscription(w, body, version);
  return w.finish();
}

function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolError('UNSUPPORTED_VERSION', `${what} version ${version}`);
  return Math.min(version, SUBSCRIPTION_VERSION);
}

export function decodeSubscription(buf: Buffer): Subscription {
  const r = new Reader(buf);
  const version = readVersion(r, 'consumer subscription');
  const s = readConsumerProtocolSubscription(r, version);
  return {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: new Map(s.ownedPartitions.map((tp) => [tp.topic, tp.partitions])),
    generationId: s.generationId,
    rackId: s.rackId,
  };
}

export function encodeAssignment(partitions: ReadonlyMap<string, number[]>, userData: Buffer | null = null, version = ASSIGNMENT_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  writeConsumerProtocolAssignment(w, { assignedPartitions: [...partitions].map(([topic, ps]) => ({ topic, partitions: ps })), userData }, version);
  return w.finish();
}

/** An empty buffer is an empty assignment (what a coordinator sends a member the leader left out). */
export function decodeAssignment(buf: Buffer): { partitions: Map<string, number[]>; userData: Buffer | null } {
  if (buf.length === 0) return { partitions: new Map(), userData: null };
  const r = new Reader(buf);
  const a = readConsumerProtocolAssignment(r, readVersion(r, 'consumer assignment'));
  const partitions = new Map<string, number[]>();
  for (const tp of a.assignedPartitions) partitions.set(tp.topic, [...(partitions.get(tp.topic) ?? []), ...tp.partitions]);
  return { partitions, userData: a.userData };
}
