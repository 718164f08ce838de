import fc from 'fast-check';
import { ProtocolError } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import {
  type GroupMetadataValue,
  decodeCoordinatorKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from './coordinator-records.js';

// Hand-built byte layouts of Kafka's __consumer_offsets records (big-endian; STRING = int16 length +
// UTF-8; BYTES = int32 length; flexible versions use uvarint length+1 and tagged fields).
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]);
const bytes = (b: Buffer) => Buffer.concat([i32(b.length), b]);
const cstr = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);

describe('__consumer_offsets keys', () => {
  it('writes OffsetCommitKey v1: version, group, topic, partition', () => {
    expect(encodeOffsetCommitKey('grp', 'orders', 7)).toEqual(Buffer.concat([i16(1), str('grp'), str('orders'), i32(7)]));
  });

  it('writes GroupMetadataKey v2: version, group', () => {
    expect(encodeGroupMetadataKey('grp')).toEqual(Buffer.concat([i16(2), str('grp')]));
  });

  it('reads offset keys of version 0 and 1, group keys of version 2, and reports other versions as unknown', () => {
    expect(decodeCoordinatorKey(Buffer.concat([i16(0), str('g'), str('t'), i32(3)]))).toEqual({ kind: 'offset', version: 0, group: 'g', topic: 't', partition: 3 });
    expect(decodeCoordinatorKey(encodeOffsetCommitKey('g', 't', 4))).toEqual({ kind: 'offset', version: 1, group: 'g', topic: 't', partition: 4 });
    expect(decodeCoordinatorKey(encodeGroupMetadataKey('g'))).toEqual({ kind: 'group', version: 2, group: 'g' });
    expect(decodeCoordinatorKey(Buffer.concat([i16(3), str('g')]))).toEqual({ kind: 'unknown', version: 3 });
  });

  it('raises ProtocolError for a truncated key', () => {
    const key = encodeOffsetCommitKey('group', 'topic', 1);
    for (let cut = 0; cut < key.length; cut++) expect(() => decodeCoordinatorKey(key.subarray(0, cut))).toThrow(ProtocolError);
  });
});

describe('OffsetCommitValue', () => {
  it('writes version 3: offset, leader epoch, metadata, commit timestamp', () => {
    const v = { offset: 42n, leaderEpoch: 5, metadata: 'meta', commitTimestamp: 1000, expireTimestamp: null };
    expect(encodeOffsetCommitValue(v)).toEqual(Buffer.concat([i16(3), i64(42n), i32(5), str('meta'), i64(1000n)]));
  });

  it('writes version 1 when the commit carries an expire timestamp', () => {
    const v = { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: 10, expireTimestamp: 99 };
    expect(encodeOffsetCommitValue(v)).toEqual(Buffer.concat([i16(1), i64(1n), str(''), i64(10n), i64(99n)]));
  });

  it('reads versions 0, 2 and the flexible version 4', () => {
    expect(decodeOffsetCommitValue(Buffer.concat([i16(0), i64(7n), str('m'), i64(5n)]))).toEqual({ offset: 7n, leaderEpoch: -1, metadata: 'm', commitTimestamp: 5, expireTimestamp: null });
    expect(decodeOffsetCommitValue(Buffer.concat([i16(2), i64(8n), str(''), i64(6n)]))).toEqual({ offset: 8n, leaderEpoch: -1, metadata: '', commitTimestamp: 6, expireTimestamp: null });
    const v4 = Buffer.concat([i16(4), i64(9n), i32(3), cstr('x'), i64(7n), Buffer.from([0])]);
    expect(decodeOffsetCommitValue(v4)).toEqual({ offset: 9n, leaderEpoch: 3, metadata: 'x', commitTimestamp: 7, expireTimestamp: null });
  });

  it('round-trips any value', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1n, max: (1n << 62n) }),
        fc.integer({ min: -1, max: 1 << 30 }),
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: null }),
        (offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp) => {
          const v = { offset, leaderEpoch: expireTimestamp === null ? leaderEpoch : -1, metadata, commitTimestamp, expireTimestamp };
          expect(decodeOffsetCommitValue(encodeOffsetCommitValue(v))).toEqual(v);
        },
      ),
    );
  });

  it('raises ProtocolError for truncated input and unknown versions', () => {
    const v = encodeOffsetCommitValue({ offset: 1n, leaderEpoch: 1, metadata: 'abc', commitTimestamp: 1, expireTimestamp: null });
    for (let cut = 0; cut < v.length; cut++) expect(() => decodeOffsetCommitValue(v.subarray(0, cut))).toThrow(ProtocolError);
    expect(() => decodeOffsetCommitValue(Buffer.concat([i16(5), v.subarray(2)]))).toThrow(ProtocolError);
  });
});

describe('GroupMetadataValue', () => {
  const value: GroupMetadataValue = {
    protocolType: 'consumer',
    generation: 3,
    protocol: 'range',
    leader: 'm1',
    currentStateTimestamp: 12345,
    members: [
      { memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/h', rebalanceTimeout: 300, sessionTimeout: 100, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) },
    ],
  };

  it('writes version 3 in Kafka field order', () => {
    const expected = Buffer.concat([
      i16(3), str('consumer'), i32(3), str('range'), str('m1'), i64(12345n), i32(1),
      str('m1'), str('i1'), str('c'), str('/h'), i32(300), i32(100), bytes(Buffer.from([1, 2])), bytes(Buffer.from([3])),
    ]);
    expect(encodeGroupMetadataValue(value)).toEqual(expected);
    expect(decodeGroupMetadataValue(expected)).toEqual(value);
  });

  it('encodes null protocol and leader of an Empty group as null strings', () => {
    const empty = { ...value, protocol: null, leader: null, members: [] };
    const buf = encodeGroupMetadataValue(empty);
    expect(buf).toEqual(Buffer.concat([i16(3), str('consumer'), i32(3), i16(-1), i16(-1), i64(12345n), i32(0)]));
    expect(decodeGroupMetadataValue(buf)).toEqual(empty);
  });

  it('reads version 0, using the session timeout as the rebalance timeout', () => {
    const v0 = Buffer.concat([
      i16(0), str('consumer'), i32(1), str('range'), str('m'), i32(1),
      str('m'), str('c'), str('/h'), i32(6000), bytes(Buffer.from([9])), bytes(Buffer.alloc(0)),
    ]);
    expect(decodeGroupMetadataValue(v0)).toEqual({
      protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'm', currentStateTimestamp: -1,
      members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeout: 6000, sessionTimeout: 6000, subscription: Buffer.from([9]), assignment: Buffer.alloc(0) }],
    });
  });

  it('reads the flexible version 4', () => {
    const v4 = Buffer.concat([
      i16(4), cstr('consumer'), i32(2), cstr('range'), cstr('m'), i64(77n), Buffer.from([2]),
      cstr('m'), Buffer.from([0]), cstr('c'), cstr('/h'), i32(10), i32(20), Buffer.from([2, 5]), Buffer.from([1]), Buffer.from([0]),
      Buffer.from([0]),
    ]);
    expect(decodeGroupMetadataValue(v4)).toEqual({
      protocolType: 'consumer', generation: 2, protocol: 'range', leader: 'm', currentStateTimestamp: 77,
      members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeout: 10, sessionTimeout: 20, subscription: Buffer.from([5]), assignment: Buffer.alloc(0) }],
    });
  });

  it('raises ProtocolError for truncated input, a null member array and unknown versions', () => {
    const buf = encodeGroupMetadataValue(value);
    for (let cut = 0; cut < buf.length; cut++) expect(() => decodeGroupMetadataValue(buf.subarray(0, cut))).toThrow(ProtocolError);
    expect(() => decodeGroupMetadataValue(Buffer.concat([i16(3), str(''), i32(0), i16(-1), i16(-1), i64(-1n), i32(-1)]))).toThrow(ProtocolError);
    expect(() => decodeGroupMetadataValue(Buffer.concat([i16(9), buf.subarray(2)]))).toThrow(ProtocolError);
  });
});
