import { ApiKey, type DecodedRecordBatch, decodeRecordBatches } from '@tributary/protocol';
import { Connection } from '../network/connection.js';

/**
 * Reads a whole partition with plain Fetch requests and the protocol's batch decoder, bypassing
 * the client's consumer, so producer tests do not depend on the code they would be checking.
 * Returns every batch (headers included: producer id, sequence, compression).
 */
export async function readPartition(bootstrap: string, topic: string, partition: number): Promise<DecodedRecordBatch[]> {
  const [host, port] = bootstrap.split(':') as [string, string];
  const conn = await Connection.connect({ host, port: Number(port), clientId: 'test-reader' });
  try {
    const out: DecodedRecordBatch[] = [];
    let offset = 0n;
    for (let rounds = 0; rounds < 10_000; rounds++) {
      const response = await conn.request(ApiKey.Fetch, () => ({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 8 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            topicId: Buffer.alloc(16),
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: 8 * 1024 * 1024,
                replicaDirectoryId: Buffer.alloc(16),
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      }));
      const p = response.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error ${p.errorCode}`);
      const batches = p.records ? await decodeRecordBatches(p.records, { allowPartialTail: true }) : [];
      for (const b of batches) if (b.lastOffset >= offset) out.push(b);
      if (batches.length > 0) offset = batches[batches.length - 1]!.lastOffset + 1n;
      if (offset >= p.highWatermark || batches.length === 0) return out;
    }
    throw new Error('partition did not end');
  } finally {
    conn.close();
  }
}

/** The records of a partition as [offset, value as string] pairs. */
export async function readValues(bootstrap: string, topic: string, partition: number): Promise<Array<[bigint, string | null]>> {
  const batches = await readPartition(bootstrap, topic, partition);
  return batches.flatMap((b) => (b.isControl ? [] : b.records.map((r): [bigint, string | null] => [r.offset, r.value?.toString() ?? null])));
}
