// Protocol codec benchmark: encoding and decoding a 1 MiB record batch of 100-byte records, for every
// codec, and a Fetch response carrying such batches (v11, non-flexible, as kafkajs/librdkafka use, and
// v16, flexible). Prints records/s and MB/s (MB = 2^20 bytes of uncompressed record payload+framing).
import {
  CompressionType,
  decodeFetchResponse,
  decodeRecordBatch,
  decodeRecordBatches,
  defaultFetchResponse,
  defaultFetchResponsePartitionData,
  encodeFetchResponse,
  encodeRecordBatch,
  type FetchResponse,
  type RecordInput,
} from '@tributary/protocol';
import { fmt, mbPerSec, rate, table, timeIt } from '../report.js';

const RECORD_SIZE = 100;
const BATCH_TARGET = 1024 * 1024;

function makeRecords(): RecordInput[] {
  // ~100-byte values plus per-record framing (~9 bytes): count chosen so the uncompressed batch is ~1 MiB.
  const count = Math.floor(BATCH_TARGET / (RECORD_SIZE + 9));
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(RECORD_SIZE);
    // Semi-compressible payload: a counter and repeated text, like typical JSON-ish events.
    value.write(`{"id":${i},"user":"u${i % 977}","event":"click","pad":"`, 'utf8');
    for (let j = 60; j < RECORD_SIZE; j++) value[j] = 97 + ((i + j) % 26);
    records.push({ value, offsetDelta: i, timestampDelta: BigInt(i % 1000) });
  }
  return records;
}

export async function run(args: string[]): Promise<void> {
  const minMs = Number(args[0] ?? 1500);
  const records = makeRecords();
  const count = records.length;
  const rawBytes = count * RECORD_SIZE;
  console.log(`record batch: ${count} records of ${RECORD_SIZE} bytes (~1 MiB uncompressed), ${minMs} ms per measurement\n`);

  const rows: Array<Array<string | number>> = [];
  const codecs: Array<[string, CompressionType]> = [
    ['none', CompressionType.None],
    ['gzip', CompressionType.Gzip],
    ['snappy', CompressionType.Snappy],
    ['lz4', CompressionType.Lz4],
    ['zstd', CompressionType.Zstd],
  ];
  let plainBatch: Buffer | undefined;
  for (const [name, compression] of codecs) {
    const input = { baseTimestamp: 1_700_000_000_000n, compression, records };
    const batch = await encodeRecordBatch(input);
    if (compression === CompressionType.None) plainBatch = batch;
    const encMs = await timeIt(() => encodeRecordBatch(input), minMs);
    const decMs = await timeIt(() => decodeRecordBatch(batch), minMs);
    rows.push([
      name,
      fmt(batch.length / 1024, 0),
      fmt(rate(count, encMs), 0),
      fmt(mbPerSec(rawBytes, encMs)),
      fmt(rate(count, decMs), 0),
      fmt(mbPerSec(rawBytes, decMs)),
    ]);
  }
  table(['codec', 'batch KiB', 'encode rec/s', 'encode MB/s', 'decode rec/s', 'decode MB/s'], rows);

  // A Fetch response with 4 partitions, each carrying one uncompressed 1 MiB batch: the codec cost of
  // the response itself (records stay raw bytes), then the client-side cost of decoding its records.
  const batch = plainBatch!;
  const partitions = 4;
  const response: FetchResponse = {
    ...defaultFetchResponse(),
    responses: [
      {
        topic: 'bench',
        topicId: Buffer.alloc(16),
        partitions: Array.from({ length: partitions }, (_, p) => ({
          ...defaultFetchResponsePartitionData(),
          partitionIndex: p,
          highWatermark: BigInt(count),
          lastStableOffset: BigInt(count),
          logStartOffset: 0n,
          abortedTransactions: [],
          records: batch,
        })),
      },
    ],
  };
  const fetchRows: Array<Array<string | number>> = [];
  for (const version of [11, 16]) {
    const bytes = encodeFetchResponse(response, version);
    const total = bytes.length;
    const encMs = await timeIt(() => encodeFetchResponse(response, version), minMs);
    const decMs = await timeIt(() => decodeFetchResponse(bytes, version), minMs);
    const fullMs = await timeIt(async () => {
      const decoded = decodeFetchResponse(bytes, version);
      for (const t of decoded.responses) for (const p of t.partitions) if (p.records) await decodeRecordBatches(p.records, { allowPartialTail: true });
    }, minMs);
    fetchRows.push([
      `v${version}`,
      fmt(total / 1024 / 1024, 2),
      fmt(mbPerSec(total, encMs)),
      fmt(mbPerSec(total, decMs)),
      fmt(rate(count * partitions, fullMs), 0),
      fmt(mbPerSec(total, fullMs)),
    ]);
  }
  console.log(`\nFetch response: ${partitions} partitions x one 1 MiB uncompressed batch`);
  table(['version', 'MiB', 'encode MB/s', 'decode MB/s', 'decode+records rec/s', 'decode+records MB/s'], fetchRows);
}
