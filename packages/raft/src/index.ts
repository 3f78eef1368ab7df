// @replog/raft: a pure Raft core (etcd-io/raft's shape). tick/step/propose -> ready/advance.
// No timers, clock, randomness or I/O: time is tick(), randomness is an injected Random.
export { RawNode, type Ready, type Status, type ProgressStatus, type ProposeResult } from "./raw-node.js";
export type { RaftConfig } from "./config.js";
export { MemoryStorage, emptySnapshot, type RaftStorage } from "./storage.js";
export {
  validateMessage,
  MESSAGE_TYPES,
  type Entry,
  type EntryType,
  type HardState,
  type Snapshot,
  type SnapshotMeta,
  type Role,
  type SoftState,
  type Message,
  type MessageType,
  type VoteRequest,
  type VoteResponse,
  type AppendRequest,
  type AppendResponse,
  type Heartbeat,
  type HeartbeatResponse,
  type SnapshotMessage,
  type TimeoutNow,
  type FetchRequest,
  type FetchResponse,
} from "./messages.js";
export {
  describeEntry,
  describeEntries,
  describeHardState,
  describeMessage,
  describeReady,
  describeSnapshot,
  describeSoftState,
  describeStatus,
} from "./describe.js";
export { committedIndex, voteResult, majority, type VoteResult } from "./quorum/index.js";
