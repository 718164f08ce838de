import type { RecordHeader } from '@tributary/protocol';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** Offset as bigint, or a number / decimal string for convenience. */
  offset: bigint | number | string;
}

/** A record as the consumer returns it. Key, value and header values are views of the fetched bytes. */
export interface ConsumerRecord {
  offset: bigint;
  /** Milliseconds since the epoch: CreateTime, or the broker's LogAppendTime. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
}

/** Consecutive records of one partition. */
export interface ConsumerBatch {
  topic: string;
  partition: number;
  messages: ConsumerRecord[];
  /** The partition's high watermark when fetched (the offset after the last committed record). */
  highWatermark: bigint;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export function toOffset(o: bigint | number | string): bigint {
  const v = typeof o === 'bigint' ? o : BigInt(o);
  return v;
}
