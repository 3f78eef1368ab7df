// @replog/raft-shell: Raft on real disks and sockets. The pure core (@replog/raft) decides; this
// package runs it: the shell loop (RaftDriver), the durable metadata log and quorum-state, the gRPC
// transport for voters and observers, and the metadata follower that turns committed entries into
// the metadata image. Used by controllers (voters) and brokers (observers).
export { RaftDriver, ticksFor, type StateMachine, type Outbox, type RaftDriverOptions } from "./raft-driver.js";
export { DurableRaftLog, METADATA_PARTITION_DIR, encodeEntry, logFileName, snapshotFileName } from "./durable-raft-log.js";
export { QuorumStateStore, VOTE_UNKNOWN, QUORUM_STATE_FILE, fsyncDirectory, type QuorumState } from "./quorum-state-store.js";
export { GrpcRaftTransport, RaftFetchClient, raftServiceDefinition, type RaftPeer, type RaftTransportOptions } from "./grpc-raft-transport.js";
export { messageFromWire, messageToWire, type WireMessage } from "./raft-wire.js";
export { MetadataStateMachine, type MetadataListener } from "./metadata-state-machine.js";
export type { Entry, Message, Snapshot, SoftState, Status } from "@replog/raft";
