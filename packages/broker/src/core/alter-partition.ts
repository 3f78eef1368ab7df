// AlterPartition as the partition leader sees it (KIP-497, reference §2.5): the request the core
// proposes, the controller's answer, and what each error means for the pending ISR state.
// The shell batches requests per broker, sends them to the active controller and feeds every
// answer back through `PartitionLeader.onAlterPartitionResponse`. A request never times out.

import type { BrokerEpoch, LeaderEpoch, NodeId, Offset, PartitionEpoch } from "@replog/common";
import type { AlterPartitionError } from "./partition-error.js";

/** Why the leader proposes an ISR change; logged by the shell in one line (DESIGN §8). */
export type AlterPartitionReason =
  | { readonly kind: "expand"; readonly replicaId: NodeId; readonly logEndOffset: Offset; readonly highWatermark: Offset }
  | { readonly kind: "shrink"; readonly outOfSync: readonly OutOfSyncReplica[] };

export interface OutOfSyncReplica {
  readonly replicaId: NodeId;
  /** -1 when the leader never heard from it in this leadership. */
  readonly logEndOffset: Offset;
  /** How long ago it last caught up; Infinity when never. */
  readonly lastCaughtUpAgoMs: number;
}

export interface IsrMemberWithEpoch {
  readonly brokerId: NodeId;
  /** The broker epoch the leader saw in that member's fetch; -1 when unknown (KIP-903). */
  readonly brokerEpoch: BrokerEpoch;
}

export interface AlterPartitionRequest {
  /** Local identity of this proposal: a response is applied only to the proposal it answers. */
  readonly proposalId: number;
  readonly leaderId: NodeId;
  readonly leaderEpoch: LeaderEpoch;
  readonly partitionEpoch: PartitionEpoch;
  readonly newIsrWithEpochs: readonly IsrMemberWithEpoch[];
  /**
   * Always RECOVERED: a leader elected uncleanly treats RECOVERING as recovered at once (§1.8), and
   * its first AlterPartition tells the controller so (KIP-704).
   */
  readonly leaderRecoveryState: "RECOVERED";
  readonly reason: AlterPartitionReason;
}

export type AlterPartitionResponse =
  | {
      readonly error: "NONE";
      readonly leaderId: NodeId;
      readonly leaderEpoch: LeaderEpoch;
      readonly isr: readonly NodeId[];
      readonly partitionEpoch: PartitionEpoch;
    }
  | { readonly error: AlterPartitionError | (string & {}) };

/** What the leader does with a failed AlterPartition (Kafka: Partition.handleAlterPartitionError). */
export type AlterPartitionErrorAction = "revert" | "await-metadata" | "retry";

export function alterPartitionErrorAction(error: string): AlterPartitionErrorAction {
  switch (error) {
    // The controller says the request was not applied and the epoch is right, so going back to
    // the last committed state is safe.
    case "OPERATION_NOT_ATTEMPTED":
    case "INELIGIBLE_REPLICA":
      return "revert";
    // The request can never succeed as sent: stay pending until metadata replaces the state
    // (testInvalidAlterPartitionRequestsAreNotRetried).
    case "UNKNOWN_TOPIC_OR_PARTITION":
    case "UNKNOWN_TOPIC_ID":
    case "FENCED_LEADER_EPOCH":
    case "INVALID_UPDATE_VERSION":
    case "INVALID_REQUEST":
    case "NEW_LEADER_ELECTED":
      return "await-metadata";
    // Anything else (NOT_CONTROLLER, network, ...) is resubmitted
    // (testPartitionShouldRetryAlterPartitionRequest).
    default:
      return "retry";
  }
}
