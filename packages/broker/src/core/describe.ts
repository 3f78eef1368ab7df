// Stable text renderings of the partition core's state, for log lines, traces and test
// transcripts (STYLE: `describeX`). Keys are fixed and ordered; times print as given on the
// caller's clock, and "never" for a time that never happened.

import type { AlterPartitionReason, AlterPartitionRequest } from "./alter-partition.js";
import type { PartitionFollower } from "./partition-follower.js";
import type { PartitionLeader } from "./partition-leader.js";
import type { PartitionLogView } from "./partition-log.js";
import type { IsrState } from "./partition-state.js";
import type { ReplicaState } from "./replica-state.js";

export function describeIsrState(state: IsrState): string {
  const isr = ids(state.isr);
  switch (state.kind) {
    case "committed":
      return `committed isr=${isr}`;
    case "pending-expand":
      return `pending-expand isr=${isr} adding=${state.newReplica} proposal=${state.request.proposalId}`;
    case "pending-shrink":
      return `pending-shrink isr=${isr} removing=${ids(state.outOfSync)} proposal=${state.request.proposalId}`;
  }
}

export function describeReplicaState(replica: ReplicaState): string {
  return [
    `replica ${replica.brokerId}:`,
    `leo=${replica.logEndOffset}`,
    `log-start=${replica.logStartOffset}`,
    `last-caught-up=${time(replica.lastCaughtUpTimeMs)}`,
    `last-fetch=${time(replica.lastFetchTimeMs)}`,
    `last-fetch-leader-leo=${replica.lastFetchLeaderLogEndOffset}`,
    `broker-epoch=${replica.brokerEpoch === undefined ? "none" : replica.brokerEpoch.toString()}`,
  ].join(" ");
}

/** Several lines: the partition line, then one line per follower in broker-id order. */
export function describePartitionLeader(leader: PartitionLeader, log: PartitionLogView): string {
  const state = leader.state;
  const head = [
    `leader ${leader.config.localBrokerId}:`,
    `leader-epoch=${state.leaderEpoch}`,
    `partition-epoch=${state.partitionEpoch}`,
    `replicas=${ids(state.replicas)}`,
    describeIsrState(state.isrState),
    `maximal-isr=${ids(state.maximalIsr)}`,
    `min-isr=${leader.minIsr}${leader.isUnderMinIsr() ? " (under-min-isr)" : ""}`,
    `log-start=${log.logStartOffset()}`,
    `hw=${state.highWatermark}`,
    `leo=${log.logEndOffset()}`,
    `epoch-start=${state.leaderEpochStartOffset}`,
  ].join(" ");
  return [head, ...leader.followerStates().map((replica) => `  ${describeReplicaState(replica)}`)].join("\n");
}

export function describePartitionFollower(follower: PartitionFollower, log: PartitionLogView): string {
  return [
    `follower ${follower.localBrokerId}:`,
    `leader=${follower.leaderId}`,
    `leader-epoch=${follower.leaderEpoch}`,
    `state=${follower.fetchState}`,
    `fetch-offset=${follower.fetchOffset}`,
    `log-start=${log.logStartOffset()}`,
    `hw=${follower.highWatermark}`,
    `leo=${log.logEndOffset()}`,
    `last-epoch=${log.latestEpoch() ?? "none"}`,
  ].join(" ");
}

/** One line per proposal, with its reason: what the shell logs when it sends AlterPartition. */
export function describeAlterPartition(request: AlterPartitionRequest): string {
  const isr = `[${request.newIsrWithEpochs.map((member) => `${member.brokerId}@${member.brokerEpoch}`).join(",")}]`;
  return `alter-partition proposal=${request.proposalId} leader-epoch=${request.leaderEpoch} partition-epoch=${request.partitionEpoch} new-isr=${isr} ${describeReason(request.reason)}`;
}

function describeReason(reason: AlterPartitionReason): string {
  if (reason.kind === "expand") {
    return `reason=expand replica=${reason.replicaId} leo=${reason.logEndOffset} hw=${reason.highWatermark}`;
  }
  const parts = reason.outOfSync.map(
    (replica) => `${replica.replicaId}(leo=${replica.logEndOffset} last-caught-up=${agoMs(replica.lastCaughtUpAgoMs)})`,
  );
  return `reason=shrink out-of-sync=${parts.join(",")}`;
}

function ids(list: readonly number[]): string {
  return `[${list.join(",")}]`;
}

function time(ms: number): string {
  return Number.isFinite(ms) ? `${ms}` : "never";
}

function agoMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms}ms-ago` : "never";
}
