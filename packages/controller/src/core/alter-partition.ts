// AlterPartition (KIP-497; broker epochs KIP-903): a partition leader asks the controller to change
// its ISR. This file holds the request/response shapes and the validation of one partition, in
// Kafka's order (ReplicationControlManager.validateAlterPartitionData; kafka-replication.md §2.5).
// The record itself comes from PartitionChangeBuilder in ReplicationControlManager.

import type { BrokerEpoch, BrokerId, LeaderEpoch, PartitionEpoch } from "@replog/common";
import type { BrokerRegistration, LeaderRecoveryState, PartitionRegistration, TopicId } from "@replog/metadata";
import { apiError, type ApiError } from "./controller-errors.js";

export interface BrokerIdAndEpoch {
  readonly brokerId: BrokerId;
  /** The epoch the leader saw in this member's fetches; -1 when unknown (skips the check). */
  readonly brokerEpoch: BrokerEpoch;
}

export interface AlterPartitionPartitionData {
  readonly partitionIndex: number;
  readonly leaderEpoch: LeaderEpoch;
  readonly partitionEpoch: PartitionEpoch;
  readonly newIsrWithEpochs: readonly BrokerIdAndEpoch[];
  readonly leaderRecoveryState: LeaderRecoveryState;
}

export interface AlterPartitionRequest {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
  readonly topics: readonly { readonly topicId: TopicId; readonly partitions: readonly AlterPartitionPartitionData[] }[];
}

/** The partition after the change (or unchanged, when nothing needed changing). */
export interface AlterPartitionPartitionState {
  readonly partitionIndex: number;
  readonly leaderId: BrokerId;
  readonly leaderEpoch: LeaderEpoch;
  readonly isr: readonly BrokerId[];
  readonly leaderRecoveryState: LeaderRecoveryState;
  readonly partitionEpoch: PartitionEpoch;
}

export type AlterPartitionPartitionResult = AlterPartitionPartitionState | { readonly partitionIndex: number; readonly error: ApiError };

export interface AlterPartitionResponse {
  /** A whole-request error (STALE_BROKER_EPOCH); then `topics` is empty. */
  readonly error?: ApiError;
  readonly topics: readonly { readonly topicId: TopicId; readonly partitions: readonly AlterPartitionPartitionResult[] }[];
}

/**
 * Steps 3–9 of §2.5 for one partition: undefined when the request may proceed. `registration`
 * looks up a broker's current registration.
 */
export function validateAlterPartitionData(
  senderId: BrokerId,
  partition: PartitionRegistration,
  data: AlterPartitionPartitionData,
  registration: (broker: BrokerId) => BrokerRegistration | undefined,
): ApiError | undefined {
  const where = `partition ${data.partitionIndex}`;
  // A higher epoch than ours means this controller is behind: the sender should find the new one.
  if (data.leaderEpoch > partition.leaderEpoch) return apiError("NOT_CONTROLLER", `${where}: leader epoch ${data.leaderEpoch} is ahead of the controller's ${partition.leaderEpoch}`);
  if (data.partitionEpoch > partition.partitionEpoch) return apiError("NOT_CONTROLLER", `${where}: partition epoch ${data.partitionEpoch} is ahead of the controller's ${partition.partitionEpoch}`);
  if (data.leaderEpoch < partition.leaderEpoch) return apiError("FENCED_LEADER_EPOCH", `${where}: leader epoch ${data.leaderEpoch} is older than ${partition.leaderEpoch}`);
  if (senderId !== partition.leader) return apiError("INVALID_REQUEST", `${where}: broker ${senderId} is not the leader (${partition.leader})`);
  if (data.partitionEpoch < partition.partitionEpoch) return apiError("INVALID_UPDATE_VERSION", `${where}: partition epoch ${data.partitionEpoch} is older than ${partition.partitionEpoch}`);
  const isr = data.newIsrWithEpochs.map((m) => m.brokerId);
  if (new Set(isr).size !== isr.length) return apiError("INVALID_REQUEST", `${where}: the new ISR [${isr.join(",")}] has duplicates`);
  const stranger = isr.find((b) => !partition.replicas.includes(b));
  if (stranger !== undefined) return apiError("INVALID_REQUEST", `${where}: broker ${stranger} in the new ISR is not a replica`);
  if (!isr.includes(partition.leader)) return apiError("INVALID_REQUEST", `${where}: the new ISR [${isr.join(",")}] does not contain the leader ${partition.leader}`);
  // KIP-704: a RECOVERING leader (after an unclean election) may not grow its ISR until it has recovered.
  if (data.leaderRecoveryState === "RECOVERING" && isr.length > 1) return apiError("INVALID_REQUEST", `${where}: a RECOVERING leader may not have an ISR larger than itself`);
  if (partition.leaderRecoveryState === "RECOVERED" && data.leaderRecoveryState === "RECOVERING") return apiError("INVALID_REQUEST", `${where}: RECOVERED cannot go back to RECOVERING`);
  return ineligibleReplica(where, data.newIsrWithEpochs, registration);
}

/** §2.5 step 9: every member must be registered, unfenced, not shutting down, at the epoch the leader saw. */
function ineligibleReplica(
  where: string,
  members: readonly BrokerIdAndEpoch[],
  registration: (broker: BrokerId) => BrokerRegistration | undefined,
): ApiError | undefined {
  for (const { brokerId, brokerEpoch } of members) {
    const broker = registration(brokerId);
    const reason =
      broker === undefined ? "is not registered"
      : broker.fenced ? "is fenced"
      : broker.inControlledShutdown ? "is in controlled shutdown"
      : brokerEpoch !== -1n && brokerEpoch !== broker.brokerEpoch ? `has epoch ${broker.brokerEpoch}, not ${brokerEpoch}`
      : undefined;
    if (reason !== undefined) return apiError("INELIGIBLE_REPLICA", `${where}: broker ${brokerId} ${reason}`);
  }
  return undefined;
}
