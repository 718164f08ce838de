import { ApiKey, ErrorCode, KafkaError } from '@tributary/protocol';
import { type Cluster, CoordinatorType } from '../cluster/cluster.js';
import { decodeAssignment, decodeSubscription } from '../consumer/consumer-protocol.js';
import { checkCoordinator } from '../offsets/group-offsets.js';
import type { GroupDescription, GroupListing } from './types.js';

/** ListGroups asks every broker: each one coordinates some of the groups. */
export async function listGroups(cluster: Cluster): Promise<GroupListing[]> {
  await cluster.refreshMetadata();
  const ids = [...cluster.metadata.brokers.keys()];
  const lists = await Promise.all(
    ids.map((id) =>
      cluster.retry(async () => {
        const response = await cluster.broker(id).request(ApiKey.ListGroups, () => ({ statesFilter: [], typesFilter: [] }));
        if (response.errorCode !== 0) throw new KafkaError(response.errorCode, 'ListGroups');
        return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState }));
      }),
    ),
  );
  const seen = new Map<string, GroupListing>();
  for (const g of lists.flat()) seen.set(g.groupId, g);
  return [...seen.values()];
}

export async function describeGroup(cluster: Cluster, groupId: string): Promise<GroupDescription> {
  return cluster.retry(async () => {
    const coordinator = await cluster.coordinator(groupId, CoordinatorType.Group);
    const response = await coordinator.request(ApiKey.DescribeGroups, () => ({ groups: [groupId], includeAuthorizedOperations: false }));
    const g = response.groups.find((x) => x.groupId === groupId);
    if (!g) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, groupId);
    if (g.errorCode !== 0) throw checkCoordinator(cluster, groupId, new KafkaError(g.errorCode, `DescribeGroups ${groupId}`));
    const consumer = g.protocolType === 'consumer';
    return {
      groupId: g.groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members: g.members.map((m) => {
        let subscription: string[] | null = null;
        let assignment: Array<{ topic: string; partitions: number[] }> | null = null;
        if (consumer) {
          try {
            subscription = m.memberMetadata.length > 0 ? decodeSubscription(m.memberMetadata).topics : [];
            assignment = [...decodeAssignment(m.memberAssignment).partitions].map(([topic, partitions]) => ({ topic, partitions }));
          } catch {
            // A member with bytes we cannot read: leave the raw bytes to the caller.
          }
        }
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscription,
          assignment,
          memberMetadata: m.memberMetadata,
          memberAssignment: m.memberAssignment,
        };
      }),
    };
  });
}

/** DeleteGroups: each group at its coordinator; a group with members is NON_EMPTY_GROUP. */
export async function deleteGroups(cluster: Cluster, groupIds: string[]): Promise<void> {
  for (const groupId of groupIds) {
    await cluster.retry(async () => {
      const coordinator = await cluster.coordinator(groupId, CoordinatorType.Group);
      const response = await coordinator.request(ApiKey.DeleteGroups, () => ({ groupsNames: [groupId] }));
      for (const r of response.results) if (r.errorCode !== 0) throw checkCoordinator(cluster, groupId, new KafkaError(r.errorCode, `DeleteGroups ${r.groupId}`));
    });
  }
}
