// Optimized vs naive: the leader's HW candidate loop (Kafka's in-place lowering) against the rule
// of reference §1.5 written as a plain minimum over the replicas the HW waits for.
// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.

import { nodeId, offset, type NodeId } from "@replog/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { highWatermarkCandidate } from "./high-watermark.js";
import { NEVER_MS, ReplicaState } from "./replica-state.js";

interface FollowerShape {
  leo: number;
  lastCaughtUpTimeMs: number;
  inMaximalIsr: boolean;
  eligible: boolean;
}

const followerShape = (leaderLeo: number, nowMs: number): fc.Arbitrary<FollowerShape> =>
  fc.record({
    leo: fc.integer({ min: -1, max: leaderLeo }),
    lastCaughtUpTimeMs: fc.oneof(fc.constant(NEVER_MS), fc.integer({ min: 0, max: nowMs })),
    inMaximalIsr: fc.boolean(),
    eligible: fc.boolean(),
  });

const scenario = fc
  .record({ leaderLeo: fc.integer({ min: 0, max: 50 }), nowMs: fc.integer({ min: 0, max: 5_000 }), lagTimeMaxMs: fc.integer({ min: 0, max: 3_000 }) })
  .chain((base) => fc.record({ base: fc.constant(base), followers: fc.array(followerShape(base.leaderLeo, base.nowMs), { maxLength: 6 }) }));

describe("highWatermarkCandidate", () => {
  it("equals the minimum LEO over the maximal ISR and the caught-up eligible followers (naive §1.5)", () => {
    fc.assert(
      fc.property(scenario, ({ base, followers }) => {
        const replicas = followers.map((shape, index) => {
          const replica = new ReplicaState(nodeId(index + 2));
          replica.logEndOffset = offset(shape.leo);
          replica.lastCaughtUpTimeMs = shape.lastCaughtUpTimeMs;
          return replica;
        });
        const maximalIsr: NodeId[] = [nodeId(1), ...replicas.filter((_, i) => followers[i]!.inMaximalIsr).map((r) => r.brokerId)];
        const optimized = highWatermarkCandidate({
          leaderLogEndOffset: offset(base.leaderLeo),
          remoteReplicas: replicas,
          maximalIsr,
          nowMs: base.nowMs,
          lagTimeMaxMs: base.lagTimeMaxMs,
          isIsrEligible: (replica) => followers[replica.brokerId - 2]!.eligible,
        });
        const waitedFor = followers.filter(
          (shape) =>
            shape.inMaximalIsr ||
            (shape.eligible && (shape.leo === base.leaderLeo || base.nowMs - shape.lastCaughtUpTimeMs <= base.lagTimeMaxMs)),
        );
        const naive = Math.min(base.leaderLeo, ...waitedFor.map((shape) => shape.leo));
        expect(optimized).toBe(naive);
      }),
      { numRuns: 2_000 },
    );
  });
});
