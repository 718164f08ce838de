import { ApiKey, ErrorCode, KafkaError } from '@tributary/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type { TopicPartition } from '../consumer/types.js';
import { tpKey } from '../consumer/types.js';
import { ClosedError, TimeoutError, UnsupportedVersionError } from '../errors.js';
import { commitOffsets, fetchCommittedOffsets } from '../offsets/group-offsets.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../offsets/list-offsets.js';
import { sleep } from '../util/backoff.js';
import { type ConfigResourceQuery, type IncrementalAlteration, describeConfigs, incrementalAlterConfigs } from './configs.js';
import { deleteGroups, describeGroup, listGroups } from './groups.js';
import type {
  ClusterDescription,
  ConfigResourceResult,
  GroupDescription,
  GroupListing,
  NewTopic,
  PartitionOffsets,
  TopicDescription,
} from './types.js';

/** CreateTopics v0 cannot validate without creating: refuse rather than create. */
function validateOnlyFor(version: number, validateOnly: boolean): boolean {
  if (validateOnly && version < 1) throw new UnsupportedVersionError('the broker cannot validate a topic creation without creating it (CreateTopics v0)');
  return validateOnly;
}

/** How long createTopics waits, by default, for new partitions to get leaders. */
const LEADER_WAIT_MS = 10_000;

/**
 * Cluster administration: topics, partitions, configs, consumer groups and their offsets,
 * records. Requests go where Kafka's AdminClient sends them (controller for topic changes,
 * coordinators for groups, leaders for records) and are retried on retriable errors.
 */
export class Admin {
  private closed = false;

  constructor(private readonly cluster: Cluster) {}

  async connect(): Promise<void> {
    if (this.closed) throw new ClosedError('admin');
    await this.cluster.connect();
  }

  /**
   * Creates topics; resolves true if all were created, false if some existed already (other
   * errors throw). By default waits until every new partition has a leader, so a producer can use
   * the topic right away.
   */
  async createTopics(options: { topics: NewTopic[]; validateOnly?: boolean; timeoutMs?: number; waitForLeaders?: boolean }): Promise<boolean> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    let allCreated = true;
    await this.cluster.retry(async () => {
      const response = await this.cluster.controller().request(ApiKey.CreateTopics, (version) => ({
        topics: options.topics.map((t) => ({
          name: t.topic,
          numPartitions: t.replicaAssignment ? -1 : (t.numPartitions ?? -1),
          replicationFactor: t.replicaAssignment ? -1 : (t.replicationFactor ?? -1),
          assignments: (t.replicaAssignment ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
          configs: (t.configEntries ?? []).map((c) => ({ name: c.name, value: c.value })),
        })),
        timeoutMs,
        validateOnly: validateOnlyFor(version, options.validateOnly ?? false),
      }));
      for (const t of response.topics) {
        if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) allCreated = false;
        else if (t.errorCode !== 0) throw new KafkaError(t.errorCode, t.errorMessage ?? `CreateTopics ${t.name}`);
      }
    });
    if (!options.validateOnly && options.waitForLeaders !== false) await this.waitForLeaders(options.topics.map((t) => t.topic));
    return allCreated;
  }

  async deleteTopics(options: { topics: string[]; timeoutMs?: number }): Promise<void> {
    await this.cluster.retry(async () => {
      const response = await this.cluster.controller().request(ApiKey.DeleteTopics, (version) => ({
        topics: version >= 6 ? options.topics.map((name) => ({ name, topicId: Buffer.alloc(16) })) : [],
        topicNames: version <= 5 ? options.topics : [],
        timeoutMs: options.timeoutMs ?? 30_000,
      }));
      for (const r of response.responses) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? `DeleteTopics ${r.name}`);
    });
    await this.cluster.refreshMetadata();
  }

  /** Names of all topics, internal ones (e.g. __consumer_offsets) excluded. */
  async listTopics(): Promise<string[]> {
    const response = await this.cluster.retry(() =>
      this.cluster.anyBroker().request(ApiKey.Metadata, (version) => ({
        topics: null,
        allowAutoTopicCreation: version < 4,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })),
    );
    return response.topics.filter((t) => !t.isInternal && t.errorCode === 0 && t.name !== null).map((t) => t.name!);
  }

  /** Partitions, leaders and replicas of topics (all topics when none are named). */
  async describeTopics(topics?: string[]): Promise<TopicDescription[]> {
    const response = await this.cluster.retry(() =>
      this.cluster.anyBroker().request(ApiKey.Metadata, (version) => ({
        topics: topics ? topics.map((name) => ({ topicId: Buffer.alloc(16), name })) : null,
        allowAutoTopicCreation: version < 4,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })),
    );
    return response.topics.map((t) => {
      if (t.errorCode !== 0) throw new KafkaError(t.errorCode, `topic ${t.name}`);
      const id = t.topicId.toString('hex');
      return {
        name: t.name!,
        topicId: /^0+$/.test(id) ? null : id,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas,
          }))
          .sort((a, b) => a.partition - b.partition),
      };
    });
  }

  /** Raises topics' partition counts to `count` (partitions can only be added). */
  async createPartitions(options: { topicPartitions: Array<{ topic: string; count: number; assignments?: number[][] }>; validateOnly?: boolean; timeoutMs?: number }): Promise<void> {
    await this.cluster.retry(async () => {
      const response = await this.cluster.controller().request(ApiKey.CreatePartitions, () => ({
        topics: options.topicPartitions.map((t) => ({
          name: t.topic,
          count: t.count,
          assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null,
        })),
        timeoutMs: options.timeoutMs ?? 30_000,
        validateOnly: options.validateOnly ?? false,
      }));
      for (const r of response.results) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? `CreatePartitions ${r.name}`);
    });
    if (!options.validateOnly) await this.waitForLeaders(options.topicPartitions.map((t) => t.topic));
  }

  describeConfigs(options: { resources: ConfigResourceQuery[]; includeSynonyms?: boolean }): Promise<ConfigResourceResult[]> {
    return describeConfigs(this.cluster, options.resources, options.includeSynonyms ?? false);
  }

  /** Sets, deletes, appends to or subtracts from configs, leaving the others as they are. */
  incrementalAlterConfigs(options: { resources: IncrementalAlteration[]; validateOnly?: boolean }): Promise<void> {
    return incrementalAlterConfigs(this.cluster, options.resources, options.validateOnly ?? false);
  }

  async describeCluster(): Promise<ClusterDescription> {
    const broker = this.cluster.anyBroker();
    const conn = await broker.connection();
    if (conn.supports(ApiKey.DescribeCluster)) {
      const r = await conn.request(ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false, endpointType: 1 }));
      if (r.errorCode !== 0) throw new KafkaError(r.errorCode, r.errorMessage ?? 'DescribeCluster');
      return { clusterId: r.clusterId, controllerId: r.controllerId, brokers: r.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })) };
    }
    await this.cluster.refreshMetadata();
    const m = this.cluster.metadata;
    return { clusterId: m.clusterId, controllerId: m.controllerId, brokers: [...m.brokers.values()].map((b) => ({ ...b })) };
  }

  listGroups(): Promise<GroupListing[]> {
    return listGroups(this.cluster);
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    return Promise.all(groupIds.map((g) => describeGroup(this.cluster, g)));
  }

  deleteGroups(groupIds: string[]): Promise<void> {
    return deleteGroups(this.cluster, groupIds);
  }

  /** Committed offsets of a group (-1 where none), for the given topics or all it committed. */
  async fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<Array<{ topic: string; partition: number; offset: bigint; metadata: string | null }>> {
    let tps: TopicPartition[] | null = null;
    if (options.topics) {
      const infos = await this.cluster.topics(options.topics, 30_000);
      tps = infos.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    }
    const found = await fetchCommittedOffsets(this.cluster, options.groupId, tps, false);
    const list = tps ?? [...found.values()].map((f) => ({ topic: f.topic, partition: f.partition }));
    return list.map((tp) => {
      const f = found.get(tpKey(tp.topic, tp.partition));
      return { topic: tp.topic, partition: tp.partition, offset: f?.offset ?? -1n, metadata: f?.metadata ?? null };
    });
  }

  /** Commits offsets for a group with no active members (as kafka-consumer-groups --reset-offsets). */
  async setOffsets(options: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: bigint | number | string }> }): Promise<void> {
    await commitOffsets(
      this.cluster,
      options.groupId,
      { generationId: -1, memberId: '', groupInstanceId: null },
      options.partitions.map((p) => ({ topic: options.topic, partition: p.partition, offset: BigInt(p.offset) })),
    );
  }

  /** Moves a group's offsets on a topic to the earliest (or latest) offsets, or to a timestamp. */
  async resetOffsets(options: { groupId: string; topic: string; earliest?: boolean; timestamp?: number }): Promise<void> {
    const [info] = await this.cluster.topics([options.topic], 30_000);
    const timestamp = options.timestamp !== undefined ? BigInt(options.timestamp) : options.earliest ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    const offsets = await listOffsets(
      this.cluster,
      info!.partitions.map((p) => ({ topic: options.topic, partition: p.partition, timestamp })),
      false,
    );
    // A timestamp after the last record has no offset (-1): such partitions go to the end.
    const ends = options.timestamp !== undefined ? await this.topicOffsets(options.topic) : [];
    await this.setOffsets({
      groupId: options.groupId,
      topic: options.topic,
      partitions: info!.partitions.map((p) => {
        const o = offsets.get(tpKey(options.topic, p.partition))?.offset ?? -1n;
        return { partition: p.partition, offset: o >= 0n ? o : (ends.find((e) => e.partition === p.partition)?.high ?? 0n) };
      }),
    });
  }

  /** Earliest and latest offset of every partition of a topic. */
  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const [info] = await this.cluster.topics([topic], 30_000);
    const parts = info!.partitions.map((p) => p.partition);
    const [low, high] = await Promise.all([
      listOffsets(this.cluster, parts.map((partition) => ({ topic, partition, timestamp: EARLIEST_TIMESTAMP })), false),
      listOffsets(this.cluster, parts.map((partition) => ({ topic, partition, timestamp: LATEST_TIMESTAMP })), false),
    ]);
    return parts.map((partition) => ({
      partition,
      low: low.get(tpKey(topic, partition))?.offset ?? -1n,
      high: high.get(tpKey(topic, partition))?.offset ?? -1n,
    }));
  }

  /**
   * Deletes records before the given offsets (DeleteRecords, to each partition's leader); -1 means
   * up to the high watermark. Resolves with each partition's new low watermark.
   */
  async deleteRecords(options: { topic: string; partitions: Array<{ partition: number; offset: bigint | number | string }>; timeoutMs?: number }): Promise<Array<{ partition: number; lowWatermark: bigint }>> {
    await this.cluster.topics([options.topic], 30_000);
    const out: Array<{ partition: number; lowWatermark: bigint }> = [];
    await this.cluster.retry(async () => {
      out.length = 0;
      const byLeader = new Map<number, Array<{ partition: number; offset: bigint }>>();
      for (const p of options.partitions) {
        const leader = this.cluster.metadata.leaderFor(options.topic, p.partition);
        if (leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${options.topic}-${p.partition}`);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), { partition: p.partition, offset: BigInt(p.offset) }]);
      }
      await Promise.all(
        [...byLeader].map(async ([leader, parts]) => {
          const response = await this.cluster.broker(leader).request(ApiKey.DeleteRecords, () => ({
            topics: [{ name: options.topic, partitions: parts.map((p) => ({ partitionIndex: p.partition, offset: p.offset })) }],
            timeoutMs: options.timeoutMs ?? 30_000,
          }));
          for (const t of response.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `DeleteRecords ${t.name}-${p.partitionIndex}`);
              out.push({ partition: p.partitionIndex, lowWatermark: p.lowWatermark });
            }
          }
        }),
      );
    });
    return out.sort((a, b) => a.partition - b.partition);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cluster.close();
  }

  private async waitForLeaders(topics: string[]): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    this.cluster.addTopics(topics);
    for (;;) {
      await this.cluster.refreshMetadata();
      const ready = topics.every((t) => {
        const info = this.cluster.metadata.topics.get(t);
        return info !== undefined && info.partitions.length > 0 && info.availablePartitions.length === info.partitions.length;
      });
      if (ready) return;
      if (Date.now() > deadline) throw new TimeoutError(`partitions of ${topics.join(', ')} have no leader after ${LEADER_WAIT_MS} ms`);
      await sleep(100);
    }
  }
}
