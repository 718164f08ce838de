import { ProtocolError, Reader, Writer } from '@tributary/protocol';

/**
 * The record formats of __consumer_offsets, laid out as Apache Kafka lays them out so that the topic
 * stays readable by Kafka tooling and by Kafka itself: every key and value starts with an int16
 * version. Key version 0/1 = an offset commit (group, topic, partition), key version 2 = group
 * metadata (group). We write OffsetCommitKey v1 + OffsetCommitValue v3 (v1 when the commit carries
 * an explicit expire timestamp, as Kafka does) and GroupMetadataKey v2 + GroupMetadataValue v3, and
 * read every value version Kafka defines (0-4; 4 is the first flexible one).
 */

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;

export type CoordinatorKey =
  | { readonly kind: 'offset'; readonly version: number; readonly group: string; readonly topic: string; readonly partition: number }
  | { readonly kind: 'group'; readonly version: number; readonly group: string }
  /** A key version this coordinator does not know (e.g. the new consumer protocol's records): skipped on load, as Kafka does. */
  | { readonly kind: 'unknown'; readonly version: number };

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer(16 + group.length + topic.length)
    .int16(OFFSET_COMMIT_KEY_VERSION)
    .string(group)
    .string(topic)
    .int32(partition)
    .finish();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Writer(8 + group.length).int16(GROUP_METADATA_KEY_VERSION).string(group).finish();
}

export function decodeCoordinatorKey(buf: Buffer): CoordinatorKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) {
    return { kind: 'offset', version, group: r.string(), topic: r.string(), partition: r.int32() };
  }
  if (version === 2) return { kind: 'group', version, group: r.string() };
  return { kind: 'unknown', version };
}

/** A committed offset as stored. leaderEpoch -1 = none; expireTimestamp null = none (the modern case). */
export interface OffsetCommitValue {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  readonly expireTimestamp: number | null;
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  const w = new Writer(32 + v.metadata.length * 3);
  if (v.expireTimestamp !== null) {
    // Version 1 is the only layout with an expire timestamp (OffsetCommit v2-v4 retention_time_ms).
    w.int16(1).int64(v.offset).string(v.metadata).int64(BigInt(v.commitTimestamp)).int64(BigInt(v.expireTimestamp));
  } else {
    w.int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64(BigInt(v.commitTimestamp));
  }
  return w.finish();
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new ProtocolError('UNSUPPORTED_VERSION', `OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = Number(r.int64());
  const expire = version === 1 ? Number(r.int64()) : -1;
  if (flexible) r.taggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp: expire === -1 ? null : expire };
}

export interface GroupMemberValue {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeout: number;
  readonly sessionTimeout: number;
  /** The member's metadata for the group's selected protocol. */
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

/** A group's persisted membership. currentStateTimestamp -1 = unknown (values before version 2). */
export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  readonly currentStateTimestamp: number;
  readonly members: readonly GroupMemberValue[];
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new Writer(256);
  w.int16(3)
    .string(v.protocolType)
    .int32(v.generation)
    .nullableString(v.protocol)
    .nullableString(v.leader)
    .int64(BigInt(v.currentStateTimestamp))
    .arrayLength(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId)
      .nullableString(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeout)
      .int32(m.sessionTimeout)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.finish();
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new ProtocolError('UNSUPPORTED_VERSION', `GroupMetadataValue version ${version}`);
  const flexible = version >= 4;
  const str = () => (flexible ? r.compactString() : r.string());
  const nullableStr = () => (flexible ? r.compactNullableString() : r.nullableString());
  const bytes = () => Buffer.from(flexible ? r.compactBytes() : r.bytes());

  const protocolType = str();
  const generation = r.int32();
  const protocol = nullableStr();
  const leader = nullableStr();
  const currentStateTimestamp = version >= 2 ? Number(r.int64()) : -1;
  const count = flexible ? r.compactArrayLength() : r.arrayLength();
  if (count < 0) throw new ProtocolError('INVALID_LENGTH', 'GroupMetadataValue members array is null');
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nullableStr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeoutField = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = bytes();
    const assignment = bytes();
    if (flexible) r.taggedFields();
    // Version 0 had no rebalance timeout; Kafka uses the session timeout in its place.
    const rebalanceTimeout = version >= 1 ? rebalanceTimeoutField : sessionTimeout;
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  if (flexible) r.taggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
