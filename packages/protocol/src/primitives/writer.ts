import { ProtocolError } from './protocol-error.js';

/**
 * A growable big-endian writer that encodes straight into one Buffer. The buffer doubles when full,
 * so encoding a message costs O(size) with a handful of copies at most; `finish()` returns a view of
 * exactly the bytes written.
 */
export class Writer {
  buf: Buffer;
  offset = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize));
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  /** The bytes written so far (a view; copy it if the writer will be reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.offset);
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.offset++);
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.offset = this.buf.writeInt16BE(v, this.offset);
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.offset = this.buf.writeUInt16BE(v, this.offset);
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.offset = this.buf.writeInt32BE(v, this.offset);
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.offset = this.buf.writeUInt32BE(v, this.offset);
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.offset = this.buf.writeBigInt64BE(v, this.offset);
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.offset = this.buf.writeDoubleBE(v, this.offset);
    return this;
  }

  uvarint(v: number): this {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) {
      throw new ProtocolError('INVALID_VALUE', `unsigned varint out of range: ${v}`);
    }
    this.ensure(5);
    while (v > 0x7f) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v;
    return this;
  }

  /** Zigzag signed 32-bit varint. */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  uvarlong(v: bigint): this {
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.offset++] = Number(v);
    return this;
  }

  /** Zigzag signed 64-bit varlong. */
  varlong(v: bigint): this {
    return this.uvarlong(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new ProtocolError('INVALID_VALUE', `uuid must be 16 bytes, got ${v.length}`);
    return this.raw(v);
  }

  /** Appends bytes as they are, with no length prefix. */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.offset);
    this.offset += v.length;
    return this;
  }

  private utf8WithLength(v: string, writeLength: (n: number) => void): this {
    const n = Buffer.byteLength(v, 'utf8');
    writeLength(n);
    this.ensure(n);
    this.offset += this.buf.write(v, this.offset, n, 'utf8');
    return this;
  }

  string(v: string): this {
    return this.utf8WithLength(v, (n) => {
      if (n > 0x7fff) throw new ProtocolError('INVALID_VALUE', `string of ${n} bytes exceeds int16 length`);
      this.int16(n);
    });
  }

  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }

  compactString(v: string): this {
    return this.utf8WithLength(v, (n) => this.uvarint(n + 1));
  }

  compactNullableString(v: string | null): this {
    return v === null ? this.uvarint(0) : this.compactString(v);
  }

  bytes(v: Uint8Array): this {
    return this.int32(v.length).raw(v);
  }

  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }

  compactBytes(v: Uint8Array): this {
    return this.uvarint(v.length + 1).raw(v);
  }

  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.uvarint(0) : this.compactBytes(v);
  }

  arrayLength(n: number | null): this {
    return this.int32(n === null ? -1 : n);
  }

  compactArrayLength(n: number | null): this {
    return this.uvarint(n === null ? 0 : n + 1);
  }

  /**
   * Reserves space for a length or CRC to be written once the following bytes are known
   * (record batches: batchLength and crc). Returns the offset of the reserved bytes.
   */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.offset;
    this.offset += n;
    return at;
  }
}
