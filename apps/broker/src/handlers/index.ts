import { apiVersionsHandler } from './api-versions.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { syncGroupHandler } from './sync-group.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { fetchHandler } from './fetch.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { endTxnHandler } from './end-txn.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { listTransactionsHandler } from './list-transactions.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { alterConfigsHandler } from './alter-configs.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { saslHandshakeHandler } from './sasl-handshake.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import type { AnyApiHandler } from './handler.js';

/**
 * Every handler the broker serves. Adding an API = one file exporting a handler made with
 * defineHandler(), plus one line here (see README.md).
 */
export function defaultHandlers(): AnyApiHandler[] {
  return [
    apiVersionsHandler,
    // Data plane (replica manager in ../replica).
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    initProducerIdHandler,
    // Consumer groups (coordinator in ../coordinator).
    findCoordinatorHandler,
    joinGroupHandler,
    syncGroupHandler,
    heartbeatHandler,
    leaveGroupHandler,
    offsetCommitHandler,
    txnOffsetCommitHandler,
    offsetFetchHandler,
    offsetDeleteHandler,
    describeGroupsHandler,
    listGroupsHandler,
    deleteGroupsHandler,
    // Transactions (coordinator in ../coordinator/transaction, markers in ../replica/txn-markers.ts).
    addPartitionsToTxnHandler,
    addOffsetsToTxnHandler,
    endTxnHandler,
    writeTxnMarkersHandler,
    describeTransactionsHandler,
    listTransactionsHandler,
    // Admin plane (TopicManager and ConfigAdmin in ../controller).
    createTopicsHandler,
    deleteTopicsHandler,
    createPartitionsHandler,
    describeConfigsHandler,
    alterConfigsHandler,
    incrementalAlterConfigsHandler,
    deleteRecordsHandler,
    describeClusterHandler,
    describeLogDirsHandler,
    // Security (authenticator and SCRAM credentials in ../security).
    saslHandshakeHandler,
    saslAuthenticateHandler,
    describeUserScramCredentialsHandler,
    alterUserScramCredentialsHandler,
  ];
}

export { ADVERTISED_VERSIONS, advertisedVersions, type VersionRange } from './advertised-versions.js';
export { Dispatcher, encodeResponseFrame, type DispatchOutcome } from './dispatcher.js';
export { defaultStruct, fillErrorCodes, mirrorErrorResponse } from './error-response.js';
export {
  CloseConnection,
  defineHandler,
  NO_RESPONSE,
  type AnyApiHandler,
  type ApiHandler,
  type ConnectionInfo,
  type NoResponse,
  type RequestContext,
} from './handler.js';
export { HandlerRegistry, type AdvertisedApi } from './registry.js';
export { apiVersionsHandler } from './api-versions.js';
export { produceHandler } from './produce.js';
export { fetchHandler } from './fetch.js';
export { listOffsetsHandler } from './list-offsets.js';
export { metadataHandler } from './metadata.js';
export { initProducerIdHandler } from './init-producer-id.js';
