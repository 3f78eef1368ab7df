// The replication state of a partition this broker leads: assignment, the ISR state machine of
// reference §2.4, the two epochs, the leader-epoch start offset and the high watermark. Owned and
// mutated only by `PartitionLeader`; read by `describe*` and by the tests.
//
//                 maybeExpandIsr                      response ok / metadata
//   Committed ───────────────────▶ PendingExpand ──────────────────────────▶ Committed
//       │  ▲                         │ INELIGIBLE_REPLICA / OPERATION_NOT_ATTEMPTED: revert
//       │  └─────────────────────────┘ (other errors: stay pending or resubmit)
//       │ maybeShrinkIsr                              response ok / metadata
//       └────────────────────────▶ PendingShrink ──────────────────────────▶ Committed
//
// Only a committed record (an AlterPartition success or the controller's PartitionChangeRecord)
// changes `isr`. At most one AlterPartition is in flight per partition.

import { assert, type LeaderEpoch, type NodeId, type Offset, type PartitionEpoch } from "@replog/common";
import type { AlterPartitionRequest } from "./alter-partition.js";

export type IsrState =
  | { readonly kind: "committed"; readonly isr: readonly NodeId[] }
  | {
      readonly kind: "pending-expand";
      /** The last committed ISR. */
      readonly isr: readonly NodeId[];
      readonly newReplica: NodeId;
      readonly request: AlterPartitionRequest;
    }
  | {
      readonly kind: "pending-shrink";
      /** The last committed ISR. */
      readonly isr: readonly NodeId[];
      readonly outOfSync: readonly NodeId[];
      readonly request: AlterPartitionRequest;
    };

/**
 * Kafka `PartitionState.maximalIsr`: the ISR the HW and acks=all wait for. A replica being added
 * counts at once (that only makes the HW stricter); a replica being removed still counts until
 * the controller confirms (dropping it early could let the HW pass data it lacks).
 */
export function maximalIsr(state: IsrState): readonly NodeId[] {
  return state.kind === "pending-expand" ? sortedIds([...state.isr, state.newReplica]) : state.isr;
}

export function isInflight(state: IsrState): boolean {
  return state.kind !== "committed";
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

export class PartitionState {
  constructor(
    readonly localBrokerId: NodeId,
    public replicas: readonly NodeId[],
    public isrState: IsrState,
    public leaderEpoch: LeaderEpoch,
    public partitionEpoch: PartitionEpoch,
    /** The leader's LEO when it became leader for `leaderEpoch` (§1.1, §2.3). */
    public leaderEpochStartOffset: Offset,
    /** Invariant: logStartOffset <= highWatermark <= LEO; never decreases while leader. */
    public highWatermark: Offset,
  ) {}

  /** The committed ISR: the only one min-ISR checks use. */
  get isr(): readonly NodeId[] {
    return this.isrState.isr;
  }

  get maximalIsr(): readonly NodeId[] {
    return maximalIsr(this.isrState);
  }

  get isInflight(): boolean {
    return isInflight(this.isrState);
  }

  checkInvariants(logStartOffset: Offset, logEndOffset: Offset): void {
    assert(this.highWatermark <= logEndOffset, () => `hw ${this.highWatermark} > leo ${logEndOffset}`);
    assert(this.highWatermark >= logStartOffset, () => `hw ${this.highWatermark} < log start ${logStartOffset}`);
    assert(this.isr.includes(this.localBrokerId), () => `leader ${this.localBrokerId} not in its ISR [${this.isr.join(",")}]`);
    for (const id of this.maximalIsr) assert(this.replicas.includes(id), () => `ISR member ${id} is not a replica`);
  }
}
