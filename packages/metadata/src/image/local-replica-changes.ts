// What one broker must do after a metadata delta (Kafka LocalReplicaChanges): the replica manager's
// to-do list (reference §1.8, §6.12).

import type { TopicId } from "../records.js";
import type { PartitionRegistration } from "./partition-registration.js";

export interface LocalPartitionChange {
  readonly topicName: string;
  readonly topicId: TopicId;
  readonly partitionId: number;
  /** The new state of the partition. */
  readonly registration: PartitionRegistration;
  /** The state before this delta; undefined for a new partition (or a new replica on this broker). */
  readonly previous: PartitionRegistration | undefined;
}

export interface LocalPartitionDelete {
  readonly topicName: string;
  readonly topicId: TopicId;
  readonly partitionId: number;
  /** True when the whole topic was deleted (the broker removes the log); false when only this replica moved away. */
  readonly topicDeleted: boolean;
}

export interface LocalReplicaChanges {
  /**
   * Partitions this broker leads whose partition epoch changed: newly elected (leader epoch
   * changed) or an ISR/replica change the leader must pick up. Kafka's `leaders`.
   */
  readonly becomeLeader: readonly LocalPartitionChange[];
  /** Partitions where this broker is a replica but not the leader, and the partition changed. */
  readonly becomeFollower: readonly LocalPartitionChange[];
  /** Replicas this broker must delete. */
  readonly deletes: readonly LocalPartitionDelete[];
}

/** True when `change` is a newly elected leadership rather than an ISR update under the same leader. */
export function isNewLeadership(change: LocalPartitionChange): boolean {
  const prev = change.previous;
  return prev === undefined || prev.leader !== change.registration.leader || prev.leaderEpoch !== change.registration.leaderEpoch;
}
