// @replog/controller: the KRaft-style controller. Pure managers live in src/core (the decisions);
// the shell in src/shell runs the Raft quorum and serves the controller API.
export { ControllerRole, type ControllerContext } from "./shell/controller-role.js";
export { newControllerClient, callUnary, controllerServiceDefinition, type ControllerClient, type DescribeQuorumResponseWire, type ReplicaStateWire } from "./shell/controller-service.js";
export { DurableRaftLog, METADATA_PARTITION_DIR } from "./shell/durable-raft-log.js";
export { QuorumStateStore, VOTE_UNKNOWN } from "./shell/quorum-state-store.js";
export { RaftFetchClient, GrpcRaftTransport, type RaftPeer } from "./shell/grpc-raft-transport.js";
export { encodeMetadataEntry, decodeMetadataEntry } from "./shell/metadata-entry.js";
export { raftServiceDefinition } from "./shell/grpc-raft-transport.js";
