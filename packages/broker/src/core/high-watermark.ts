// The leader's high-watermark rule (Kafka: Partition.maybeIncrementLeaderHW, reference §1.5),
// as pure functions of a snapshot so that the property tests can compare them with a naive
// restatement of the rule.

import type { NodeId, Offset } from "@replog/common";
import type { ReplicaState } from "./replica-state.js";

export interface HighWatermarkInputs {
  readonly leaderLogEndOffset: Offset;
  readonly remoteReplicas: Iterable<ReplicaState>;
  readonly maximalIsr: readonly NodeId[];
  readonly nowMs: number;
  readonly lagTimeMaxMs: number;
  /** KRaft `isReplicaIsrEligible` for a follower that is not in the ISR yet. */
  readonly isIsrEligible: (replica: ReplicaState) => boolean;
}

/**
 * The HW candidate: start at the leader's LEO and lower it to the LEO of every follower that is
 * in the maximal ISR, or caught up and ISR-eligible though not yet in the ISR. Waiting for a
 * follower that is about to join lets it reach `LEO >= HW` and really join; without that, a lone
 * leader under load would keep the HW at its LEO and the follower would never catch it (§1.5).
 * A follower whose LEO is unknown (-1) pins the candidate at -1, which never moves the HW.
 */
export function highWatermarkCandidate(inputs: HighWatermarkInputs): Offset {
  let candidate = inputs.leaderLogEndOffset;
  for (const replica of inputs.remoteReplicas) {
    if (replica.logEndOffset >= candidate) continue;
    const waitFor =
      inputs.maximalIsr.includes(replica.brokerId) ||
      (replica.isCaughtUp(inputs.leaderLogEndOffset, inputs.nowMs, inputs.lagTimeMaxMs) && inputs.isIsrEligible(replica));
    if (waitFor) candidate = replica.logEndOffset;
  }
  return candidate;
}

/**
 * Kafka `Partition.effectiveMinIsr`: a `min.insync.replicas` above the replication factor is
 * silently capped to it (§3.4).
 */
export function effectiveMinIsr(minInsyncReplicas: number, replicationFactor: number): number {
  return Math.min(minInsyncReplicas, replicationFactor);
}

/**
 * Strict min ISR (KAFKA-15583, §1.5 rule 1): while the committed ISR is below the effective min
 * ISR the HW does not move at all, so acks=1 writes become invisible to consumers until the ISR
 * recovers.
 */
export function isUnderMinIsr(committedIsrSize: number, minInsyncReplicas: number, replicationFactor: number): boolean {
  return committedIsrSize < effectiveMinIsr(minInsyncReplicas, replicationFactor);
}
