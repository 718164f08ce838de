/**
 * Test-only bridge to kafkajs 2.2.4's own record batch encoder and decoder (its internal CommonJS
 * modules; kafkajs exposes no public API for them), with its compression plugins registered:
 * kafkajs-snappy (snappyjs), kafkajs-lz4 (the `lz4` native library) and, because @kafkajs/zstd's
 * native dependency (cppzst) does not build on Node 20, a plugin written here over zstd-codec
 * (zstd compiled to JS). None of them shares code with our compression module, so a round trip
 * through them is a real interoperability check.
 */
import { createRequire } from 'node:module';
import { zstdCodec } from '../../compression/testing/independent-codecs.test.helper.js';

const require = createRequire(import.meta.url);

// Untyped CommonJS internals, hence `any`.
const kafkajs = require('kafkajs') as any;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as any;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as any;
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as any;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as any;
const Encoder = require('kafkajs/src/protocol/encoder') as any;
const Decoder = require('kafkajs/src/protocol/decoder') as any;
const Long = require('kafkajs/src/utils/long') as any;
const SnappyCodec = require('kafkajs-snappy') as any;
const LZ4Codec = require('kafkajs-lz4') as any;

let registered: Promise<void> | undefined;

/** Registers snappy, lz4 and zstd with kafkajs once per test file (kafkajs keeps them globally). */
export function registerKafkajsCodecs(): Promise<void> {
  registered ??= zstdCodec().then((zstd) => {
    const { CompressionTypes, CompressionCodecs } = kafkajs;
    CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
    CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: { buffer: Buffer }) => zstd.compress(encoder.buffer),
      decompress: async (buffer: Buffer) => zstd.decompress(buffer),
    });
  });
  return registered;
}

export interface KafkajsRecordInput {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  /** kafkajs headers: a key maps to one value or to an array for repeated keys. */
  headers: { [key: string]: Buffer | Buffer[] };
}

export interface KafkajsBatchInput {
  compression: number;
  firstOffset: bigint;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
  transactional: boolean;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
  lastOffsetDelta: number;
  records: KafkajsRecordInput[];
}

/** A record batch as kafkajs's producer encodes it (RecordBatch v0 = magic 2). */
export async function kafkajsEncodeBatch(input: KafkajsBatchInput): Promise<Buffer> {
  await registerKafkajsCodecs();
  const encoder = await RecordBatch({
    compression: input.compression,
    firstOffset: Long.fromString(input.firstOffset.toString()),
    firstTimestamp: input.firstTimestamp,
    maxTimestamp: input.maxTimestamp,
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    lastOffsetDelta: input.lastOffsetDelta,
    transactional: input.transactional,
    producerId: Long.fromString(input.producerId.toString()),
    producerEpoch: input.producerEpoch,
    firstSequence: input.firstSequence,
    records: input.records.map((r) => Record(r)),
  });
  return Buffer.from(encoder.buffer);
}

export interface KafkajsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [key: string]: Buffer | Buffer[] };
  isControlRecord: boolean;
  batchContext: {
    firstOffset: string;
    firstTimestamp: string;
    maxTimestamp: string;
    partitionLeaderEpoch: number;
    inTransaction: boolean;
    isControlBatch: boolean;
    lastOffsetDelta: number;
    producerId: string;
    producerEpoch: number;
    firstSequence: number;
    timestampType: number;
  };
}

export type KafkajsDecodedBatch = KafkajsDecodedRecord['batchContext'] & { records: KafkajsDecodedRecord[] };

/** One batch through kafkajs's record batch decoder. */
export async function kafkajsDecodeBatch(buf: Buffer): Promise<KafkajsDecodedBatch> {
  await registerKafkajsCodecs();
  return RecordBatchDecoder(new Decoder(buf));
}

/**
 * A records field through kafkajs's Fetch (v4+) path, which decodes consecutive batches and
 * drops a partial one at the end.
 */
export async function kafkajsDecodeFetchRecords(records: Buffer): Promise<KafkajsDecodedRecord[]> {
  await registerKafkajsCodecs();
  const framed = new Encoder().writeInt32(records.length).writeBuffer(records).buffer;
  return decodeMessages(new Decoder(framed));
}
