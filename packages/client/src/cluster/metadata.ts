import { ErrorCode, type MetadataResponse } from '@tributary/protocol';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 when the partition has no leader right now. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  /** 16 bytes; all zero when the broker does not report topic ids. */
  topicId: Buffer;
  isInternal: boolean;
  /** Indexed by partition number. */
  partitions: PartitionInfo[];
  /** Partitions with a leader, in order (the partitioner spreads keyless records over these). */
  availablePartitions: number[];
}

/** An immutable view of the cluster from one Metadata response. */
export class MetadataSnapshot {
  constructor(
    readonly clusterId: string | null,
    readonly controllerId: number,
    readonly brokers: ReadonlyMap<number, BrokerInfo>,
    readonly topics: ReadonlyMap<string, TopicInfo>,
    /** Topics the broker answered with an error, by name (UNKNOWN_TOPIC_OR_PARTITION, ...). */
    readonly topicErrors: ReadonlyMap<string, number>,
    readonly updatedAt: number,
  ) {}

  static empty(): MetadataSnapshot {
    return new MetadataSnapshot(null, -1, new Map(), new Map(), new Map(), 0);
  }

  /**
   * Folds a response into this snapshot: brokers and cluster fields are replaced; the topics in the
   * response replace their old entries, other topics are kept (a refresh may ask for a subset).
   * A topic whose metadata came back with an error is dropped from `topics`.
   */
  merge(response: MetadataResponse, now: number, fullTopicList: boolean): MetadataSnapshot {
    const brokers = new Map<number, BrokerInfo>();
    for (const b of response.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topics = new Map(fullTopicList ? [] : this.topics);
    const topicErrors = new Map(fullTopicList ? [] : this.topicErrors);
    for (const t of response.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== ErrorCode.NONE) {
        topics.delete(t.name);
        topicErrors.set(t.name, t.errorCode);
        continue;
      }
      topicErrors.delete(t.name);
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        };
      }
      // A response that skipped a partition number would leave a hole; fill it as leaderless.
      for (let i = 0; i < partitions.length; i++) {
        partitions[i] ??= { partition: i, leader: -1, leaderEpoch: -1, replicas: [], isr: [], offlineReplicas: [], errorCode: ErrorCode.LEADER_NOT_AVAILABLE };
      }
      const availablePartitions = partitions.filter((p) => p.leader >= 0 && brokers.has(p.leader)).map((p) => p.partition);
      topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions, availablePartitions });
    }
    return new MetadataSnapshot(response.clusterId, response.controllerId, brokers, topics, topicErrors, now);
  }

  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }
}
