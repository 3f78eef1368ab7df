// Branded ids. Different things get different types so that a Raft `LogIndex` can never be
// passed where a partition `Offset` is expected, a `Term` where a `LeaderEpoch` is, and so on.
// The brand exists only at compile time; at run time every id is a plain number (or bigint
// for 64-bit producer ids), so there is no cost on the hot path.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A node id from `node.id`: brokers and controllers share one id space, as in KRaft. */
export type NodeId = Brand<number, "NodeId">;
/** A broker's node id. Same number space as NodeId; named for intent. */
export type BrokerId = NodeId;
/** Raft term (KRaft calls it the epoch of the quorum). */
export type Term = Brand<number, "Term">;
/** Position in the Raft log, 1-based; 0 means "before the first entry". */
export type LogIndex = Brand<number, "LogIndex">;
/** Offset in a partition log, 0-based. Safe as a JS number up to 2^53. */
export type Offset = Brand<number, "Offset">;
/** Partition leader epoch: bumped by the controller on every leader change. */
export type LeaderEpoch = Brand<number, "LeaderEpoch">;
/** Partition epoch: bumped on every change of the partition (ISR, replicas or leader). */
export type PartitionEpoch = Brand<number, "PartitionEpoch">;
/** Broker epoch: assigned at registration; a restarted broker gets a new one. */
export type BrokerEpoch = Brand<bigint, "BrokerEpoch">;
/** Idempotent producer id (64-bit in Kafka). */
export type ProducerId = Brand<bigint, "ProducerId">;

export const nodeId = (n: number): NodeId => n as NodeId;
export const term = (n: number): Term => n as Term;
export const logIndex = (n: number): LogIndex => n as LogIndex;
export const offset = (n: number): Offset => n as Offset;
export const leaderEpoch = (n: number): LeaderEpoch => n as LeaderEpoch;
export const partitionEpoch = (n: number): PartitionEpoch => n as PartitionEpoch;
export const brokerEpoch = (n: bigint): BrokerEpoch => n as BrokerEpoch;
export const producerId = (n: bigint): ProducerId => n as ProducerId;

/** Kafka's "no leader" and "no epoch" sentinels. */
export const NO_LEADER = -1 as NodeId;
export const NO_EPOCH = -1 as LeaderEpoch;
/** Kafka's UNDEFINED_EPOCH_OFFSET: the answer for an epoch the cache does not know. */
export const UNDEFINED_OFFSET = -1 as Offset;
