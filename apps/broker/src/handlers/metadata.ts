import { ApiKey, ErrorCode, type MetadataResponse, type MetadataResponseBroker, type MetadataResponseTopic } from '@tributary/protocol';
import type { BrokerRegistration, TopicMetadata } from '../controller/metadata-store.js';
import {
  ALL_CLUSTER_OPERATIONS,
  ALL_TOPIC_OPERATIONS,
  AUTHORIZED_OPERATIONS_OMITTED,
  describeTopic,
  lookUpOrCreate,
  topicError,
  type TopicDescription,
} from '../replica/topic-metadata.js';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler, type RequestContext } from './handler.js';

/** Metadata v4 added allow_auto_topic_creation; earlier versions always allow it. */
const FIRST_AUTO_CREATE_FLAG_VERSION = 4;
/** From v10 a topic may be named by id; only v12+ may leave the name out (null). */
const FIRST_TOPIC_ID_LOOKUP_VERSION = 12;

/**
 * Metadata (key 3): the brokers (their endpoint on the listener the request came in on), the
 * cluster id, the controller (this node), and topics with their partitions' leader, leader epoch,
 * replicas, ISR and offline replicas. A null topic list (v1+), or an empty one in v0, means every
 * topic. Unknown topics are created when auto.create.topics.enable is on and the request allows it
 * (always before v4); see lookUpOrCreate for why they come back ready at once.
 */
export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  versions: advertisedVersions(ApiKey.Metadata),
  async handle(ctx, request): Promise<MetadataResponse> {
    const version = ctx.apiVersion;
    const { metadata, replicaManager, topics: topicManager, config } = ctx.services;
    const brokers = await metadata.listBrokers();
    const describeOpts = { liveBrokers: new Set(brokers.map((b) => b.nodeId)), filterUnavailable: version === 0 };
    const describe = (t: TopicMetadata) => describeTopic(t, replicaManager, describeOpts);

    let topics: TopicDescription[];
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    if (all) {
      topics = (await metadata.listTopics()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(describe);
    } else {
      const autoCreate = config.get('auto.create.topics.enable') && (version < FIRST_AUTO_CREATE_FLAG_VERSION || request.allowAutoTopicCreation);
      topics = [];
      const seen = new Set<string>();
      for (const requested of request.topics ?? []) {
        if (requested.name === null) {
          // Only v12+ can leave the name out (and answer a null name); before that it is malformed.
          if (version < FIRST_TOPIC_ID_LOOKUP_VERSION) {
            topics.push(topicError(ErrorCode.INVALID_REQUEST, '', requested.topicId));
            continue;
          }
          const byId = await metadata.getTopicById(requested.topicId);
          topics.push(byId ? describe(byId) : topicError(ErrorCode.UNKNOWN_TOPIC_ID, null, requested.topicId));
          continue;
        }
        if (seen.has(requested.name)) continue;
        seen.add(requested.name);
        const found = await lookUpOrCreate(requested.name, autoCreate, metadata, topicManager);
        topics.push('errorCode' in found ? topicError(found.errorCode, requested.name) : describe(found));
      }
    }

    return {
      throttleTimeMs: 0,
      brokers: brokersOn(ctx, brokers),
      clusterId: ctx.services.clusterId,
      controllerId: ctx.services.nodeId,
      topics: topics.map((t) => topicResponse(t, request.includeTopicAuthorizedOperations && version >= 8)),
      clusterAuthorizedOperations:
        request.includeClusterAuthorizedOperations && version >= 8 && version <= 10 ? ALL_CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
});

/** Each registered broker's endpoint for the listener this request arrived on (Kafka omits brokers without one). */
function brokersOn(ctx: RequestContext, brokers: readonly BrokerRegistration[]): MetadataResponseBroker[] {
  const out: MetadataResponseBroker[] = [];
  for (const b of brokers) {
    const endpoint = b.endpoints.find((e) => e.listenerName === ctx.connection.listenerName);
    if (endpoint) out.push({ nodeId: b.nodeId, host: endpoint.host, port: endpoint.port, rack: b.rack });
  }
  return out;
}

function topicResponse(t: TopicDescription, includeAuthorizedOperations: boolean): MetadataResponseTopic {
  return {
    errorCode: t.errorCode,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions.map((p) => ({
      errorCode: p.errorCode,
      partitionIndex: p.partitionIndex,
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicaNodes],
      isrNodes: [...p.isrNodes],
      offlineReplicas: [...p.offlineReplicas],
    })),
    topicAuthorizedOperations: includeAuthorizedOperations ? ALL_TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
  };
}
