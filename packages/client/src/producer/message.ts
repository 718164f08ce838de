import type { RecordHeader } from '@tributary/protocol';

/** Keys, values and header values: bytes, or a string sent as UTF-8. */
export type Payload = Buffer | Uint8Array | string;

/** Record headers: a map (one value per key), or a list (Kafka allows repeated keys). */
export type MessageHeaders = Record<string, Payload | null | undefined> | Array<{ key: string; value: Payload | null }>;

export interface Message {
  key?: Payload | null;
  value: Payload | null;
  headers?: MessageHeaders;
  /** An explicit partition; otherwise the partitioner chooses. */
  partition?: number;
  /** Milliseconds since the epoch (number, bigint, numeric string or Date); default: now. */
  timestamp?: number | bigint | string | Date;
}

export interface ProducerRecord {
  topic: string;
  messages: Message[];
}

/** Where a record was appended. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 when the broker did not say (acks=0, or a retried duplicate it dropped). */
  offset: bigint;
  /** The record's timestamp (CreateTime), or the broker's append time for LogAppendTime topics. */
  timestamp: number;
}

export function toBuffer(v: Payload): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function toNullableBuffer(v: Payload | null | undefined): Buffer | null {
  return v === null || v === undefined ? null : toBuffer(v);
}

export function toRecordHeaders(headers: MessageHeaders | undefined): RecordHeader[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map((h) => ({ key: h.key, value: toNullableBuffer(h.value) }));
  const out: RecordHeader[] = [];
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (v !== undefined) out.push({ key, value: toNullableBuffer(v) });
  }
  return out;
}

export function toTimestampMs(t: Message['timestamp']): number {
  if (t === undefined) return Date.now();
  if (t instanceof Date) return t.getTime();
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new RangeError(`timestamp ${String(t)} is not an integer number of milliseconds`);
  return n;
}

/**
 * Upper bound of a record's encoded size, as Java's DefaultRecord.MAX_RECORD_OVERHEAD (21 bytes
 * for length, attributes, deltas and length prefixes) plus the payload; used for batch.size and
 * buffer.memory before the record is encoded.
 */
export const MAX_RECORD_OVERHEAD = 21;

export function estimateRecordSize(key: Buffer | null, value: Buffer | null, headers: RecordHeader[] | undefined): number {
  let size = MAX_RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
  if (headers !== undefined) {
    for (const h of headers) size += 10 + Buffer.byteLength(h.key) + (h.value === null ? 0 : h.value.length);
  }
  return size;
}
