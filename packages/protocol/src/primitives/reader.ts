import { ProtocolError } from './protocol-error.js';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A bounds-checked cursor over a Buffer. Every read checks the remaining length first and throws a
 * ProtocolError('TRUNCATED') instead of reading past the end; every count read from the wire is
 * checked against the bytes that remain, so a hostile count can neither allocate nor loop beyond
 * what the input could actually hold.
 */
export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new ProtocolError('INVALID_LENGTH', `reader window ${offset}..${end} outside buffer of ${buf.length}`);
    }
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless at least n more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError('TRUNCATED', `need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  bool(): boolean {
    return this.uint8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes (32 bits), as protocol lengths and tags use. */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError('TRUNCATED', `varint runs past the end at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      if (i === 4 && b > 0x0f) throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varint exceeds 32 bits');
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varint longer than 5 bytes');
  }

  /** Zigzag-encoded signed 32-bit varint (record fields). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Unsigned LEB128 varlong of at most 10 bytes. */
  uvarlong(): bigint {
    // Fast path: most values fit in 28 bits (4 bytes) and need no bigint arithmetic until the end.
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError('TRUNCATED', `varlong runs past the end at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      if (i === 9 && b > 0x01) throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varlong exceeds 64 bits');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varlong longer than 10 bytes');
  }

  /** Zigzag-encoded signed 64-bit varlong (record timestamps). */
  varlong(): bigint {
    const u = this.uvarlong();
    return (u >> 1n) ^ -(u & 1n);
  }

  /**
   * varlong() as a number, without bigint arithmetic (record timestamp deltas on a consumer's hot
   * path). Values beyond ±2^53 cannot be represented exactly and raise INVALID_VALUE.
   */
  varlongNumber(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError('TRUNCATED', `varlong runs past the end at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      if (i === 9 && b > 0x01) throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varlong exceeds 64 bits');
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) throw new ProtocolError('INVALID_VALUE', 'varlong beyond 2^53 cannot be read as a number');
        // Zigzag: even values are non-negative, odd ones negative.
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      scale *= 128;
    }
    throw new ProtocolError('VARINT_TOO_LONG', 'unsigned varlong longer than 10 bytes');
  }

  uuid(): Buffer {
    this.need(16);
    const v = this.buf.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    return v;
  }

  /** Zero-copy view of the next n bytes. */
  slice(n: number): Buffer {
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `negative length ${n}`);
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  private utf8(n: number): string {
    this.need(n);
    const start = this.offset;
    this.offset += n;
    return UTF8.decode(this.buf.subarray(start, start + n));
  }

  /** STRING: int16 length then UTF-8 bytes; a negative length is invalid. */
  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `non-nullable string has length ${n}`);
    return this.utf8(n);
  }

  /** NULLABLE_STRING: int16 length, -1 for null. */
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `string length ${n}`);
    return this.utf8(n);
  }

  /** COMPACT_STRING: uvarint length+1. */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('INVALID_LENGTH', 'non-nullable compact string is null');
    return this.utf8(n - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1);
  }

  /** BYTES: int32 length then raw bytes (a zero-copy view). */
  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `non-nullable bytes have length ${n}`);
    return this.slice(n);
  }

  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `bytes length ${n}`);
    return this.slice(n);
  }

  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('INVALID_LENGTH', 'non-nullable compact bytes are null');
    return this.slice(n - 1);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.slice(n - 1);
  }

  /**
   * Checks an element count read from the wire: each element occupies at least minElementSize bytes
   * (at least 1 is assumed, so even zero-width elements cannot make a loop run past the input size).
   */
  checkCount(count: number, minElementSize = 1): number {
    const per = minElementSize > 0 ? minElementSize : 1;
    if (count > this.remaining / per) {
      throw new ProtocolError(
        'INVALID_LENGTH',
        `count ${count} needs at least ${count * per} bytes, only ${this.remaining} remain`,
      );
    }
    return count;
  }

  /** ARRAY length: int32, -1 for null (returned as -1); other negatives are invalid. */
  arrayLength(minElementSize = 1): number {
    const n = this.int32();
    if (n === -1) return -1;
    if (n < 0) throw new ProtocolError('INVALID_LENGTH', `array count ${n}`);
    return this.checkCount(n, minElementSize);
  }

  /** COMPACT_ARRAY length: uvarint count+1, 0 for null (returned as -1). */
  compactArrayLength(minElementSize = 1): number {
    const n = this.uvarint();
    if (n === 0) return -1;
    return this.checkCount(n - 1, minElementSize);
  }

  /**
   * Reads a tagged-field section. Known tags are handed to onTag, which must consume exactly `size`
   * bytes from the reader; unknown tags are skipped. Tags must be strictly increasing, as Kafka
   * requires.
   */
  taggedFields(onTag?: (tag: number, size: number, r: Reader) => boolean): void {
    const count = this.uvarint();
    this.checkCount(count, 2);
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new ProtocolError('INVALID_VALUE', `tagged field ${tag} after ${last}`);
      last = tag;
      const size = this.uvarint();
      this.need(size);
      const end = this.offset + size;
      if (onTag) {
        const sub = new Reader(this.buf, this.offset, end);
        if (onTag(tag, size, sub)) {
          if (sub.offset !== end) {
            throw new ProtocolError('INVALID_LENGTH', `tagged field ${tag} declared ${size} bytes, used ${sub.offset - this.offset}`);
          }
        }
      }
      this.offset = end;
    }
  }
}
