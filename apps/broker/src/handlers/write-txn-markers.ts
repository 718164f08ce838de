import { ApiKey, type WriteTxnMarkersResponse, type WriteTxnMarkersResponseWritableTxnMarkerResult } from '@tributary/protocol';
import { writeTxnMarkers, type TxnMarkerResult } from '../replica/txn-markers.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/**
 * WriteTxnMarkers (key 27): what a transaction coordinator sends the leaders of a transaction's
 * partitions. Served as Kafka brokers serve it, through the same path this broker's own
 * coordinator uses (../replica/txn-markers.ts): a COMMIT/ABORT control batch per partition, then
 * the group coordinator completes the transaction's offsets in __consumer_offsets partitions.
 * Results are grouped by producer id, as Kafka's response is.
 */
export const writeTxnMarkersHandler = defineHandler({
  apiKey: ApiKey.WriteTxnMarkers,
  versions: advertisedVersions(ApiKey.WriteTxnMarkers),
  async handle(ctx, request): Promise<WriteTxnMarkersResponse> {
    const byProducer = new Map<bigint, TxnMarkerResult[]>();
    for (const m of request.markers) {
      const results = await writeTxnMarkers(
        ctx.services.replicaManager,
        ctx.services.groups,
        {
          producerId: Number(m.producerId),
          producerEpoch: m.producerEpoch,
          coordinatorEpoch: m.coordinatorEpoch,
          commit: m.transactionResult,
          partitions: m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))),
        },
        ctx.log,
      );
      byProducer.set(m.producerId, [...(byProducer.get(m.producerId) ?? []), ...results]);
    }
    return { markers: [...byProducer].map(([producerId, results]) => markerResult(producerId, results)) };
  },
});

function markerResult(producerId: bigint, results: readonly TxnMarkerResult[]): WriteTxnMarkersResponseWritableTxnMarkerResult {
  const topics = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
  for (const r of results) {
    let partitions = topics.get(r.topic);
    if (!partitions) topics.set(r.topic, (partitions = []));
    partitions.push({ partitionIndex: r.partition, errorCode: r.errorCode });
  }
  return { producerId, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) };
}
