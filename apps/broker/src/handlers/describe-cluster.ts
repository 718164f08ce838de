import { ApiKey, ErrorCode, type DescribeClusterResponse } from '@tributary/protocol';
import { advertisedVersions } from './advertised-versions.js';
import { defineHandler } from './handler.js';

/** Kafka's EndpointType ids (DescribeCluster v1). */
const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;

/**
 * What a client may do on the cluster resource, as Kafka answers without an authorizer: every
 * operation the CLUSTER resource supports (CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12), one bit per AclOperation code.
 */
export const CLUSTER_AUTHORIZED_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0);
/** The schema default: operations were not asked for. */
const OPERATIONS_NOT_REQUESTED = -2147483648;

/**
 * DescribeCluster (key 60): the cluster id, the brokers as reachable on the listener the request
 * came in on, the controller (this node: a single node is its own controller) and, when asked,
 * the authorized cluster operations. v1 requests naming the controller endpoint type are refused
 * as Kafka's brokers refuse them (MISMATCHED_ENDPOINT_TYPE).
 */
export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  versions: advertisedVersions(ApiKey.DescribeCluster),
  async handle(ctx, request): Promise<DescribeClusterResponse> {
    const base: DescribeClusterResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: EndpointType.BROKER,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    };
    const asked = request.endpointType;
    if (asked !== EndpointType.BROKER) {
      const known = asked === EndpointType.CONTROLLER;
      return {
        ...base,
        errorCode: ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: known
          ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
          : `Unsupported endpoint type ${asked}`,
      };
    }
    const { services } = ctx;
    const brokers = (await services.metadata.listBrokers()).flatMap((b) => {
      const ep = b.endpoints.find((e) => e.listenerName === ctx.connection.listenerName);
      return ep ? [{ brokerId: b.nodeId, host: ep.host, port: ep.port, rack: b.rack }] : [];
    });
    return {
      ...base,
      clusterId: services.clusterId,
      controllerId: brokers.some((b) => b.brokerId === services.nodeId) ? services.nodeId : -1,
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});
