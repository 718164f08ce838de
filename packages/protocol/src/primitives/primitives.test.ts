import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, Reader, Writer } from './index.js';

describe('Writer/Reader primitives', () => {
  it('round-trips every primitive type', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.string(),
        fc.option(fc.string()),
        fc.uint8Array({ maxLength: 64 }),
        (i8, i16, i32, i64, u32, s, ns, bytes) => {
          const w = new Writer(1);
          w.int8(i8).int16(i16).int32(i32).int64(i64).uvarint(u32).varint(i32).varlong(i64).uvarlong(BigInt.asUintN(64, i64));
          w.string(s.slice(0, 1000)).nullableString(ns).compactString(s).compactNullableString(ns);
          w.bytes(bytes).compactNullableBytes(null).compactBytes(bytes);
          const r = new Reader(w.finish());
          expect(r.int8()).toBe(i8);
          expect(r.int16()).toBe(i16);
          expect(r.int32()).toBe(i32);
          expect(r.int64()).toBe(i64);
          expect(r.uvarint()).toBe(u32);
          expect(r.varint()).toBe(i32);
          expect(r.varlong()).toBe(i64);
          expect(r.uvarlong()).toBe(BigInt.asUintN(64, i64));
          expect(r.string()).toBe(s.slice(0, 1000));
          expect(r.nullableString()).toBe(ns);
          expect(r.compactString()).toBe(s);
          expect(r.compactNullableString()).toBe(ns);
          expect(Buffer.from(r.bytes())).toEqual(Buffer.from(bytes));
          expect(r.compactNullableBytes()).toBeNull();
          expect(Buffer.from(r.compactBytes())).toEqual(Buffer.from(bytes));
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('encodes zigzag varints as Kafka does', () => {
    const enc = (v: number) => [...new Writer().varint(v).finish()];
    expect(enc(0)).toEqual([0]);
    expect(enc(-1)).toEqual([1]);
    expect(enc(1)).toEqual([2]);
    expect(enc(-64)).toEqual([127]);
    expect(enc(64)).toEqual([0x80, 0x01]);
    expect(enc(2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('raises ProtocolError on truncation, never RangeError', () => {
    const cases: Array<(r: Reader) => unknown> = [
      (r) => r.int32(),
      (r) => r.int64(),
      (r) => r.string(),
      (r) => r.bytes(),
      (r) => r.uvarint(),
      (r) => r.compactString(),
    ];
    for (const read of cases) {
      expect(() => read(new Reader(Buffer.from([0xff, 0xff, 0xff])))).toThrow(ProtocolError);
    }
  });

  it('rejects over-long varints and impossible counts without allocating', () => {
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(/VARINT|exceeds|longer/);
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarlong()).toThrow(
      ProtocolError,
    );
    const huge = new Writer().int32(2 ** 31 - 1).finish();
    const err = (() => {
      try {
        new Reader(huge).arrayLength();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).kind).toBe('INVALID_LENGTH');
    expect(() => new Reader(new Writer().int32(-2).finish()).arrayLength()).toThrow(ProtocolError);
    expect(new Reader(new Writer().int32(-1).finish()).arrayLength()).toBe(-1);
  });
});
