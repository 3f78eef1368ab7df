// The state of one partition as the metadata log defines it (Kafka PartitionRegistration).
// Built from a PartitionRecord, changed only by merging a PartitionChangeRecord.

import { leaderEpoch, partitionEpoch, type BrokerId, type LeaderEpoch, type PartitionEpoch } from "@replog/common";
import type { LeaderRecoveryState, PartitionChangeRecord, PartitionRecord, TopicId } from "../records.js";

export interface PartitionRegistration {
  /** Assignment order; replicas[0] is the preferred leader. */
  readonly replicas: readonly BrokerId[];
  /** Invariant: every ISR member is a replica (the controller never writes otherwise). */
  readonly isr: readonly BrokerId[];
  /** NO_LEADER (-1) when offline; otherwise a member of the ISR, or an unclean choice. */
  readonly leader: BrokerId;
  readonly leaderRecoveryState: LeaderRecoveryState;
  /** Bumped on every leader change (and forced bumps); fences stale leaders and followers. */
  readonly leaderEpoch: LeaderEpoch;
  /** Bumped on every change of this partition; orders AlterPartition results. */
  readonly partitionEpoch: PartitionEpoch;
}

export function partitionFromRecord(r: PartitionRecord): PartitionRegistration {
  return Object.freeze({
    replicas: Object.freeze([...r.replicas]),
    isr: Object.freeze([...r.isr]),
    leader: r.leader,
    leaderRecoveryState: r.leaderRecoveryState,
    leaderEpoch: r.leaderEpoch,
    partitionEpoch: r.partitionEpoch,
  });
}

export function partitionToRecord(id: TopicId, partitionId: number, p: PartitionRegistration): PartitionRecord {
  return {
    type: "PartitionRecord",
    topicId: id,
    partitionId,
    replicas: [...p.replicas],
    isr: [...p.isr],
    leader: p.leader,
    leaderRecoveryState: p.leaderRecoveryState,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
  };
}

/**
 * Kafka PartitionRegistration.merge: every change bumps the partition epoch; a change that sets
 * the leader (even to the same broker) bumps the leader epoch (reference §2.6).
 */
export function mergePartitionChange(p: PartitionRegistration, c: PartitionChangeRecord): PartitionRegistration {
  const leaderChanged = c.leader !== undefined;
  return Object.freeze({
    replicas: c.replicas === undefined ? p.replicas : Object.freeze([...c.replicas]),
    isr: c.isr === undefined ? p.isr : Object.freeze([...c.isr]),
    leader: c.leader ?? p.leader,
    leaderRecoveryState: c.leaderRecoveryState ?? p.leaderRecoveryState,
    leaderEpoch: leaderChanged ? leaderEpoch(p.leaderEpoch + 1) : p.leaderEpoch,
    partitionEpoch: partitionEpoch(p.partitionEpoch + 1),
  });
}

export function isReplica(p: PartitionRegistration, broker: BrokerId): boolean {
  return p.replicas.includes(broker);
}

export function describePartition(p: PartitionRegistration): string {
  return (
    `replicas=[${p.replicas.join(",")}] isr=[${p.isr.join(",")}] leader=${p.leader} ` +
    `leaderEpoch=${p.leaderEpoch} partitionEpoch=${p.partitionEpoch}` +
    (p.leaderRecoveryState === "RECOVERING" ? " RECOVERING" : "")
  );
}
