import { ProtocolError } from '../primitives/protocol-error.js';
import { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { sizeOfVarint, sizeOfVarlong } from './varint-size.js';

/**
 * One record inside a magic-2 batch:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint, key | valueLength varint, value | headerCount varint, headers
 * Each header: keyLength varint, UTF-8 key | valueLength varint, value. Length -1 means null.
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record as the batch stores it, deltas resolved (what encodeRecord writes). */
export interface RecordBody {
  attributes: number;
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded record: the stored fields plus absolute offset and timestamp. */
export interface DecodedRecord extends RecordBody {
  offset: bigint;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp when it uses LogAppendTime. */
  timestamp: bigint;
}

/**
 * Smallest possible record: a 1-byte length and six 1-byte fields (attributes, timestamp delta,
 * offset delta, null key, null value, zero headers). Counts read from the wire are checked
 * against this so a forged count cannot make the decoder allocate or loop beyond the input.
 */
export const MIN_RECORD_SIZE = 7;
/** Smallest possible header: empty key length and null value length. */
const MIN_HEADER_SIZE = 2;

const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Header keys pre-encoded, so their byte length is computed once. */
export interface PreparedRecord {
  body: RecordBody;
  headerKeys: Buffer[];
  bodySize: number;
}

function sizeOfNullableBytes(v: Buffer | null): number {
  return v === null ? 1 : sizeOfVarint(v.length) + v.length;
}

/** Checks a record's fields and measures it; the result feeds writeRecord. */
export function prepareRecord(body: RecordBody): PreparedRecord {
  if (!Number.isInteger(body.offsetDelta) || body.offsetDelta < 0 || body.offsetDelta > INT32_MAX) {
    throw new ProtocolError('INVALID_VALUE', `record offsetDelta ${body.offsetDelta} outside 0..${INT32_MAX}`);
  }
  if (body.timestampDelta < INT64_MIN || body.timestampDelta > INT64_MAX) {
    throw new ProtocolError('INVALID_VALUE', `record timestampDelta ${body.timestampDelta} outside int64`);
  }
  if (!Number.isInteger(body.attributes) || body.attributes < -128 || body.attributes > 127) {
    throw new ProtocolError('INVALID_VALUE', `record attributes ${body.attributes} outside int8`);
  }
  const headerKeys = body.headers.map((h) => Buffer.from(h.key, 'utf8'));
  let size =
    1 +
    sizeOfVarlong(body.timestampDelta) +
    sizeOfVarint(body.offsetDelta) +
    sizeOfNullableBytes(body.key) +
    sizeOfNullableBytes(body.value) +
    sizeOfVarint(body.headers.length);
  for (let i = 0; i < headerKeys.length; i++) {
    size += sizeOfVarint(headerKeys[i]!.length) + headerKeys[i]!.length + sizeOfNullableBytes(body.headers[i]!.value);
  }
  if (size > INT32_MAX) throw new ProtocolError('INVALID_VALUE', `record of ${size} bytes exceeds int32`);
  return { body, headerKeys, bodySize: size };
}

/** Bytes writeRecord will emit for this record, length prefix included. */
export function encodedRecordSize(p: PreparedRecord): number {
  return sizeOfVarint(p.bodySize) + p.bodySize;
}

function writeNullableBytes(w: Writer, v: Buffer | null): void {
  if (v === null) w.varint(-1);
  else w.varint(v.length).raw(v);
}

export function writeRecord(w: Writer, p: PreparedRecord): void {
  const { body } = p;
  w.varint(p.bodySize).int8(body.attributes).varlong(body.timestampDelta).varint(body.offsetDelta);
  writeNullableBytes(w, body.key);
  writeNullableBytes(w, body.value);
  w.varint(body.headers.length);
  for (let i = 0; i < p.headerKeys.length; i++) {
    const key = p.headerKeys[i]!;
    w.varint(key.length).raw(key);
    writeNullableBytes(w, body.headers[i]!.value);
  }
}

/** Reads a varint length: -1 is null, other negatives are malformed. */
function readNullableBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new ProtocolError('INVALID_LENGTH', `${what} length ${n}`);
  return r.slice(n);
}

/** Batch fields a record needs to resolve its absolute offset and timestamp. */
export interface RecordContext {
  baseOffset: bigint;
  baseTimestamp: bigint;
  /** Set for LogAppendTime batches: every record's timestamp is the batch's maxTimestamp. */
  logAppendTime: bigint | null;
}

/**
 * Decodes one record. The record's own length must match its fields exactly: reading is confined
 * to the declared length, and bytes left over are an error, as in Kafka's DefaultRecord.readFrom.
 * Key, value and header values are views into r's buffer, not copies.
 */
export function readRecord(r: Reader, ctx: RecordContext): DecodedRecord {
  const length = r.varint();
  if (length < 0) throw new ProtocolError('INVALID_LENGTH', `record length ${length}`);
  // The records section is complete (the batch length was checked), so a record running past it
  // has a wrong length rather than missing bytes.
  if (length > r.remaining) {
    throw new ProtocolError('INVALID_LENGTH', `record at byte ${r.offset} declares ${length} bytes, only ${r.remaining} remain`);
  }
  const start = r.offset;
  const end = start + length;
  // A window over just this record: a field running past the declared length fails here instead
  // of reading into the next record.
  const rr = new Reader(r.buf, start, end);
  let record: DecodedRecord;
  try {
    const attributes = rr.int8();
    const timestampDelta = rr.varlong();
    const offsetDelta = rr.varint();
    const key = readNullableBytes(rr, 'record key');
    const value = readNullableBytes(rr, 'record value');
    const headerCount = rr.varint();
    if (headerCount < 0) throw new ProtocolError('INVALID_LENGTH', `record header count ${headerCount}`);
    rr.checkCount(headerCount, MIN_HEADER_SIZE);
    const headers: RecordHeader[] = new Array(headerCount);
    for (let i = 0; i < headerCount; i++) {
      const keyLength = rr.varint();
      if (keyLength < 0) throw new ProtocolError('INVALID_LENGTH', `record header key length ${keyLength}`);
      const headerKey = rr.slice(keyLength).toString('utf8');
      headers[i] = { key: headerKey, value: readNullableBytes(rr, 'record header value') };
    }
    record = {
      attributes,
      offsetDelta,
      timestampDelta,
      key,
      value,
      headers,
      offset: ctx.baseOffset + BigInt(offsetDelta),
      timestamp: ctx.logAppendTime ?? ctx.baseTimestamp + timestampDelta,
    };
  } catch (err) {
    if (err instanceof ProtocolError && err.kind === 'TRUNCATED') {
      throw new ProtocolError('INVALID_LENGTH', `record at byte ${start} declares ${length} bytes but its fields need more (${err.message})`);
    }
    throw err;
  }
  if (rr.offset !== end) {
    throw new ProtocolError('INVALID_LENGTH', `record at byte ${start} declares ${length} bytes but its fields use ${rr.offset - start}`);
  }
  r.offset = end;
  return record;
}
