// Unit tests of the leader half of the partition core. Each test is named after the Kafka rule it
// checks; the Kafka test it mirrors (PartitionTest, IsrExpirationTest, reference §8.1/§8.2) is
// given in brackets.

import { leaderEpoch, nodeId, offset, partitionEpoch } from "@replog/common";
import { describe, expect, it } from "vitest";
import type { AlterPartitionRequest } from "./alter-partition.js";
import { DelayedProduceQueue } from "./delayed-produce.js";
import type { FollowerFetchResult } from "./partition-leader.js";
import { NEVER_MS } from "./replica-state.js";
import { ids, LeaderFixture } from "./test-support/leader-fixture.js";

function expectRead(result: FollowerFetchResult): Extract<FollowerFetchResult, { kind: "read" }> {
  expect(result.kind).toBe("read");
  return result as Extract<FollowerFetchResult, { kind: "read" }>;
}

function expansionFrom(result: FollowerFetchResult): AlterPartitionRequest {
  const request = expectRead(result).alterPartition;
  expect(request).toBeDefined();
  return request!;
}

describe("caught-up clock (§1.4, Replica.updateFetchStateOrThrow)", () => {
  it("learns the follower LEO from its next fetch offset and marks it caught up at the leader LEO [testUpdateFollowerFetchState]", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.advance(5_000);
    f.fetch(2, 0);
    const afterFirst = f.leader.follower(nodeId(2))!;
    expect(afterFirst.logEndOffset).toBe(0);
    expect(afterFirst.lastFetchLeaderLogEndOffset).toBe(10);
    expect(afterFirst.lastFetchTimeMs).toBe(6_000);
    // Reset at becomeLeader (t=1000) because it is in the ISR; the fetch at 0 proves nothing newer.
    expect(afterFirst.lastCaughtUpTimeMs).toBe(1_000);
    f.advance(500);
    f.fetch(2, 10);
    expect(f.leader.follower(nodeId(2))!.lastCaughtUpTimeMs).toBe(6_500);
  });

  it("rule 2: reaching the leader LEO of the previous fetch makes the follower caught up as of that fetch", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.advance(5_000);
    f.fetch(2, 10); // caught up at 6000, leader LEO 10 recorded
    f.append(5);
    f.advance(3_000);
    f.fetch(2, 10); // 10 < 15 but >= 10: caught up as of 6000 (unchanged)
    f.append(5);
    f.advance(3_000);
    f.fetch(2, 15); // 15 < 20 but >= 15: caught up as of the previous fetch, 9000
    expect(f.leader.follower(nodeId(2))!.lastCaughtUpTimeMs).toBe(9_000);
  });

  it("a follower that falls behind the previous leader LEO keeps its old caught-up time", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.fetch(2, 10);
    f.append(10);
    f.advance(1_000);
    f.fetch(2, 12); // 12 < 20 but >= 10, the LEO at the previous fetch: caught up as of t=1000
    f.append(10);
    f.advance(1_000);
    f.fetch(2, 15); // 15 < 30 and < 20: no proof of anything newer, unchanged
    expect(f.leader.follower(nodeId(2))!.lastCaughtUpTimeMs).toBe(1_000);
  });
});

describe("ISR shrink (§2.2, Partition.maybeShrinkIsr)", () => {
  it("removes a stuck follower only once it is more than replica.lag.time.max.ms past its last catch-up [testMaybeShrinkIsr]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 10_000 });
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 10);
    f.append(10);
    f.fetch(3, 20);
    expect(f.leader.highWatermark).toBe(10);
    f.advance(10_000);
    f.fetch(3, 20);
    expect(f.leader.maybeShrinkIsr(f.log, f.nowMs)).toBeUndefined();
    f.advance(1);
    const shrink = f.leader.maybeShrinkIsr(f.log, f.nowMs)!;
    expect(shrink.newIsrWithEpochs.map((m) => m.brokerId)).toEqual(ids([1, 3]));
    expect(shrink.reason).toEqual({ kind: "shrink", outOfSync: [{ replicaId: 2, logEndOffset: 10, lastCaughtUpAgoMs: 10_001 }] });
    // A pending shrink does not reduce the maximal ISR: the HW keeps waiting for follower 2.
    expect(f.leader.state.maximalIsr).toEqual(ids([1, 2, 3]));
    f.append(5);
    f.fetch(3, 25);
    expect(f.leader.highWatermark).toBe(10);
    const outcome = f.acceptAlterPartition(shrink);
    expect(outcome).toEqual({ kind: "committed", isr: ids([1, 3]), highWatermarkChanged: true });
    expect(f.leader.highWatermark).toBe(25);
    expect(f.leader.state.partitionEpoch).toBe(11);
  });

  it("keeps a follower that keeps reaching the previous leader LEO past the lag time [testShouldNotShrinkIsrIfPreviousFetchIsCaughtUp]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 10_000 });
    let previousLeo = 0;
    for (let step = 0; step < 20; step++) {
      f.append(5);
      f.advance(3_000);
      // Always behind the live LEO, but at the LEO the leader had at the previous fetch.
      f.fetch(2, previousLeo);
      f.fetch(3, f.log.logEndOffset());
      previousLeo = f.log.logEndOffset();
      expect(f.leader.maybeShrinkIsr(f.log, f.nowMs)).toBeUndefined();
    }
  });

  it("never removes a follower at the leader LEO, however long it is idle [testShouldNotShrinkIsrIfFollowerCaughtUpToLogEnd]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 10_000 });
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 10);
    f.advance(1_000_000);
    expect(f.leader.maybeShrinkIsr(f.log, f.nowMs)).toBeUndefined();
  });

  it("removes a slow follower that fetches but never reaches the previous leader LEO, and a follower that never fetched [IsrExpirationTest]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 100 });
    f.append(10);
    f.fetch(2, 10);
    for (let step = 0; step < 5; step++) {
      f.append(10);
      f.advance(40);
      f.fetch(2, 5 + step); // always behind what the leader had at the previous fetch
    }
    const shrink = f.leader.maybeShrinkIsr(f.log, f.nowMs)!;
    expect(shrink.newIsrWithEpochs.map((m) => m.brokerId)).toEqual(ids([1]));
    expect(shrink.reason.kind === "shrink" && shrink.reason.outOfSync.map((r) => r.replicaId)).toEqual(ids([2, 3]));
  });

  it("retries a shrink on a retriable error and commits it on success [testRetryShrinkIsr]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 100 });
    f.append(10);
    f.advance(101);
    f.fetch(2, 10);
    const shrink = f.leader.maybeShrinkIsr(f.log, f.nowMs)!;
    const retry = f.failAlterPartition(shrink, "NOT_CONTROLLER");
    expect(retry).toEqual({ kind: "retry", request: shrink });
    expect(f.leader.state.isrState.kind).toBe("pending-shrink");
    expect(f.acceptAlterPartition(shrink).kind).toBe("committed");
    expect(f.leader.state.isr).toEqual(ids([1, 2]));
  });

  it("a failed shrink leaves the ISR and the HW as they were [testIsrNotShrunkIfUpdateFails]", () => {
    const f = new LeaderFixture({ lagTimeMaxMs: 100 });
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 4);
    expect(f.leader.highWatermark).toBe(4);
    f.append(10);
    f.advance(101);
    f.fetch(2, 20);
    const shrink = f.leader.maybeShrinkIsr(f.log, f.nowMs)!;
    expect(f.failAlterPartition(shrink, "INELIGIBLE_REPLICA")).toEqual({ kind: "reverted", error: "INELIGIBLE_REPLICA" });
    expect(f.leader.state.isrState).toEqual({ kind: "committed", isr: ids([1, 2, 3]) });
    expect(f.leader.highWatermark).toBe(4);
    // Back in the committed state, the next check proposes again.
    expect(f.leader.maybeShrinkIsr(f.log, f.nowMs)).toBeDefined();
  });
});

describe("ISR expand (§2.3, Partition.maybeExpandIsr)", () => {
  it("proposes a follower that reaches the HW, counts it in the maximal ISR, and commits it [testIsrExpansion]", () => {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    expect(f.leader.highWatermark).toBe(10);
    expect(expectRead(f.fetch(3, 5)).alterPartition).toBeUndefined();
    const expand = expansionFrom(f.fetch(3, 10));
    expect(expand.newIsrWithEpochs).toEqual([
      { brokerId: 1, brokerEpoch: f.brokers.epochOf(1) },
      { brokerId: 2, brokerEpoch: f.brokers.epochOf(2) },
      { brokerId: 3, brokerEpoch: f.brokers.epochOf(3) },
    ]);
    expect(f.leader.state.isr).toEqual(ids([1, 2]));
    expect(f.leader.state.maximalIsr).toEqual(ids([1, 2, 3]));
    expect(f.acceptAlterPartition(expand).kind).toBe("committed");
    expect(f.leader.state.isrState).toEqual({ kind: "committed", isr: ids([1, 2, 3]) });
  });

  it("a failed expansion keeps the committed ISR and is not retried on a non-retriable error [testIsrNotExpandedIfUpdateFails]", () => {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    const expand = expansionFrom(f.fetch(3, 10));
    expect(f.failAlterPartition(expand, "INVALID_REQUEST")).toEqual({ kind: "await-metadata", error: "INVALID_REQUEST" });
    expect(f.leader.state.isr).toEqual(ids([1, 2]));
    expect(f.leader.state.maximalIsr).toEqual(ids([1, 2, 3]));
    expect(f.leader.state.isrState.kind).toBe("pending-expand");
  });

  it("sends one AlterPartition at a time per partition [testSingleInFlightAlterIsr]", () => {
    const f = new LeaderFixture({ replicas: [1, 2, 3, 4], isr: [1, 2], lagTimeMaxMs: 100 });
    f.append(10);
    f.fetch(2, 10);
    expansionFrom(f.fetch(3, 10));
    expect(expectRead(f.fetch(4, 10)).alterPartition).toBeUndefined();
    f.advance(1_000);
    f.append(1);
    expect(f.leader.maybeShrinkIsr(f.log, f.nowMs)).toBeUndefined();
  });

  it("needs LEO >= HW and >= the leader-epoch start offset [testFollowerDoesNotJoinISRUntilCaughtUpToOffsetWithinCurrentLeaderEpoch]", () => {
    const f = new LeaderFixture({ isr: [1, 2], initialRecords: 10, highWatermark: 5 });
    expect(f.leader.state.leaderEpochStartOffset).toBe(10);
    expect(f.leader.highWatermark).toBe(5);
    expect(expectRead(f.fetch(3, 5)).alterPartition).toBeUndefined();
    expect(expectRead(f.fetch(3, 8)).alterPartition).toBeUndefined();
    expansionFrom(f.fetch(3, 10));
  });

  it("does not propose a fenced, shutting-down or re-registered follower [testIsrNotExpandedIfReplicaIsFencedOrShutdown]", () => {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    f.brokers.set(3, { fenced: true });
    expect(expectRead(f.fetch(3, 10, { brokerEpoch: -1n })).alterPartition).toBeUndefined();
    f.brokers.set(3, { fenced: false, inControlledShutdown: true });
    expect(expectRead(f.fetch(3, 10)).alterPartition).toBeUndefined();
    f.brokers.set(3, { inControlledShutdown: false, brokerEpoch: 500n as never });
    // The follower re-registered with epoch 600 but our metadata still says 500: not eligible.
    expect(expectRead(f.fetch(3, 10, { brokerEpoch: 600n })).alterPartition).toBeUndefined();
    // [testIsrCanExpandedIfBrokerEpochsMatchWithKraftMetadataCache]
    expansionFrom(f.fetch(3, 10, { brokerEpoch: 500n }));
  });

  it("fences a fetch carrying an older broker epoch than the registered one [testFenceFollowerFetchWithStaleBrokerEpoch]", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.fetch(2, 5);
    const stale = f.fetch(2, 10, { brokerEpoch: f.brokers.epochOf(2) - 1n });
    expect(stale).toEqual({ kind: "error", error: "NOT_LEADER_OR_FOLLOWER" });
    expect(f.leader.follower(nodeId(2))!.logEndOffset).toBe(5);
  });
});

describe("AlterPartition responses (§2.5)", () => {
  function pendingExpansion(): { f: LeaderFixture; expand: AlterPartitionRequest } {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    return { f, expand: expansionFrom(f.fetch(3, 10)) };
  }

  it("ignores a late response once metadata committed the partition state [testAlterIsrLeaderAndIsrRace]", () => {
    const { f, expand } = pendingExpansion();
    const applied = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2], partitionEpoch: 11 }), f.log, f.nowMs);
    expect(applied.applied).toBe(true);
    expect(f.leader.state.isrState).toEqual({ kind: "committed", isr: ids([1, 2]) });
    expect(f.acceptAlterPartition(expand).kind).toBe("ignored");
    expect(f.leader.state.isr).toEqual(ids([1, 2]));
  });

  it("keeps a pending expansion when the record it was built on arrives after its response (data-plane sim seed 5298)", () => {
    // The response to the first expansion commits partition epoch 11; the leader proposes the
    // next member on top of it; then the controller's record for epoch 11 arrives by metadata.
    const f = new LeaderFixture({ replicas: [1, 2, 3, 4], isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    const first = expansionFrom(f.fetch(3, 10));
    expect(f.acceptAlterPartition(first)).toMatchObject({ kind: "committed", isr: ids([1, 2, 3]) });
    const second = expansionFrom(f.fetch(4, 10));
    expect(second.partitionEpoch).toBe(11);
    const late = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2, 3], partitionEpoch: 11 }), f.log, f.nowMs);
    expect(late.applied).toBe(false);
    // Broker 4 still counts for the HW: the controller may already have it in the ISR.
    expect(f.leader.state.isrState.kind).toBe("pending-expand");
    expect(f.leader.state.maximalIsr).toEqual(ids([1, 2, 3, 4]));
    expect(f.acceptAlterPartition(second)).toMatchObject({ kind: "committed", isr: ids([1, 2, 3, 4]) });
    // With nothing pending, the same record is applied as before (it changes nothing).
    expect(f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2, 3, 4], partitionEpoch: 12 }), f.log, f.nowMs).applied).toBe(true);
  });

  it.each(["NEW_LEADER_ELECTED", "UNKNOWN_TOPIC_OR_PARTITION", "INVALID_UPDATE_VERSION", "FENCED_LEADER_EPOCH"])(
    "stays pending and waits for metadata on %s [testAlterIsrNewLeaderElected, testAlterIsrUnknownTopic, testAlterIsrInvalidVersion]",
    (error) => {
      const { f, expand } = pendingExpansion();
      expect(f.failAlterPartition(expand, error)).toEqual({ kind: "await-metadata", error });
      expect(f.leader.state.isrState.kind).toBe("pending-expand");
    },
  );

  it("resubmits the same request on an unexpected error [testAlterIsrUnexpectedError, testPartitionShouldRetryAlterPartitionRequest]", () => {
    const { f, expand } = pendingExpansion();
    expect(f.failAlterPartition(expand, "UNKNOWN_SERVER_ERROR")).toEqual({ kind: "retry", request: expand });
    expect(f.acceptAlterPartition(expand).kind).toBe("committed");
  });

  it("reverts to the last committed state on INELIGIBLE_REPLICA and OPERATION_NOT_ATTEMPTED", () => {
    for (const error of ["INELIGIBLE_REPLICA", "OPERATION_NOT_ATTEMPTED"]) {
      const { f, expand } = pendingExpansion();
      expect(f.failAlterPartition(expand, error)).toEqual({ kind: "reverted", error });
      expect(f.leader.state.isrState).toEqual({ kind: "committed", isr: ids([1, 2]) });
    }
  });

  it("ignores a success for another leader epoch or an older partition epoch, and commits an equal one", () => {
    const { f, expand } = pendingExpansion();
    const base = { error: "NONE" as const, leaderId: nodeId(1), isr: ids([1, 2, 3]) };
    const otherEpoch = { ...base, leaderEpoch: leaderEpoch(6), partitionEpoch: partitionEpoch(11) };
    expect(f.leader.onAlterPartitionResponse(expand, otherEpoch, f.log, f.nowMs).kind).toBe("ignored");
    const older = { ...base, leaderEpoch: f.epoch, partitionEpoch: partitionEpoch(9) };
    expect(f.leader.onAlterPartitionResponse(expand, older, f.log, f.nowMs).kind).toBe("ignored");
    expect(f.leader.state.isrState.kind).toBe("pending-expand");
    const same = { ...base, leaderEpoch: f.epoch, partitionEpoch: partitionEpoch(10) };
    expect(f.leader.onAlterPartitionResponse(expand, same, f.log, f.nowMs).kind).toBe("committed");
    expect(f.leader.state.partitionEpoch).toBe(10);
  });
});

describe("high watermark (§1.5, Partition.maybeIncrementLeaderHW)", () => {
  it("advances to the smallest LEO in the maximal ISR, learned from the next fetch", () => {
    const f = new LeaderFixture();
    f.append(10);
    expect(f.leader.highWatermark).toBe(0);
    expect(expectRead(f.fetch(2, 10)).highWatermarkChanged).toBe(false);
    const read = expectRead(f.fetch(3, 7));
    expect(read.highWatermarkChanged).toBe(true);
    // The response carries the HW captured before the update, as Kafka serves it.
    expect(read.highWatermark).toBe(0);
    expect(f.leader.highWatermark).toBe(7);
  });

  it("advances at once on append when the ISR is only the leader", () => {
    const f = new LeaderFixture({ isr: [1] });
    expect(f.append(4).highWatermarkChanged).toBe(true);
    expect(f.leader.highWatermark).toBe(4);
  });

  it("does not move under min ISR even if the maximal ISR is big enough [testHighWatermarkAdvanceShouldNotAdvanceWhenUnderMinISR]", () => {
    const f = new LeaderFixture({ isr: [1], minInsyncReplicas: 2 });
    f.append(10);
    expect(f.leader.highWatermark).toBe(0);
    const expand = expansionFrom(f.fetch(2, 10));
    expect(f.leader.state.maximalIsr).toEqual(ids([1, 2]));
    expect(f.leader.highWatermark).toBe(0);
    expect(f.acceptAlterPartition(expand)).toEqual({ kind: "committed", isr: ids([1, 2]), highWatermarkChanged: true });
    expect(f.leader.highWatermark).toBe(10);
  });

  it("stops waiting for a follower the controller fenced out of the ISR; an unfenced lagging one holds it [testHighWatermarkIncreasesWithFencedOrShutdownFollower]", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 0);
    expect(f.leader.highWatermark).toBe(0);
    f.brokers.set(3, { fenced: true });
    const change = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2], partitionEpoch: 11 }), f.log, f.nowMs);
    expect(change.highWatermarkChanged).toBe(true);
    expect(f.leader.highWatermark).toBe(10);
    f.brokers.set(3, { fenced: false });
    f.append(5);
    f.fetch(3, 0); // caught up within the lag time (reset at becomeLeader), eligible, not in the ISR
    f.fetch(2, 15);
    expect(f.leader.highWatermark).toBe(10);
  });

  it("counts a pending expansion but not a pending shrink (§2.4)", () => {
    const f = new LeaderFixture({ isr: [1, 2], lagTimeMaxMs: 100 });
    f.append(10);
    f.fetch(2, 10);
    expansionFrom(f.fetch(3, 10));
    f.append(10);
    f.fetch(2, 20);
    expect(f.leader.highWatermark).toBe(10); // waits for the joining follower 3
    f.fetch(3, 20);
    expect(f.leader.highWatermark).toBe(20);
  });
});

describe("fetch validation (§1.3, §4.4)", () => {
  it("answers FENCED_LEADER_EPOCH for an older and UNKNOWN_LEADER_EPOCH for a newer epoch [testLeaderEpochValidationOnLeader]", () => {
    const f = new LeaderFixture();
    f.append(3);
    expect(f.fetch(2, 0, { currentLeaderEpoch: 4 })).toEqual({ kind: "error", error: "FENCED_LEADER_EPOCH" });
    expect(f.fetch(2, 0, { currentLeaderEpoch: 6 })).toEqual({ kind: "error", error: "UNKNOWN_LEADER_EPOCH" });
    expect(f.fetch(2, 0, { currentLeaderEpoch: -1 }).kind).toBe("read");
  });

  it("answers an unknown follower with UNKNOWN_LEADER_EPOCH when it names our epoch [testFetchFromUnrecognizedFollower]", () => {
    const f = new LeaderFixture();
    f.brokers.statuses.set(nodeId(9), { brokerEpoch: 109n as never, fenced: false, inControlledShutdown: false });
    expect(f.fetch(9, 0)).toEqual({ kind: "error", error: "UNKNOWN_LEADER_EPOCH" });
    expect(f.fetch(9, 0, { currentLeaderEpoch: -1 })).toEqual({ kind: "error", error: "NOT_LEADER_OR_FOLLOWER" });
  });

  it("answers divergingEpoch without updating the follower, and OFFSET_OUT_OF_RANGE where Kafka does [testLastFetchedOffsetValidation]", () => {
    // Leader log: [0,5) epoch 2, [5,10) epoch 4, then leader for epoch 5 from offset 10, plus 3 records.
    const f = new LeaderFixture({
      prepareLog: (log) => {
        log.appendAsLeader(5, leaderEpoch(2));
        log.appendAsLeader(5, leaderEpoch(4));
      },
    });
    f.append(3);
    expect(f.fetch(2, 5, { lastFetchedEpoch: 2 }).kind).toBe("read");
    const before = f.leader.follower(nodeId(2))!.logEndOffset;
    expect(f.fetch(2, 6, { lastFetchedEpoch: 2 })).toMatchObject({ kind: "diverging", divergingEpoch: { epoch: 2, endOffset: 5 } });
    expect(f.fetch(2, 7, { lastFetchedEpoch: 3 })).toMatchObject({ kind: "diverging", divergingEpoch: { epoch: 2, endOffset: 5 } });
    expect(f.fetch(2, 14, { lastFetchedEpoch: 5 })).toMatchObject({ kind: "diverging", divergingEpoch: { epoch: 5, endOffset: 13 } });
    expect(f.leader.follower(nodeId(2))!.logEndOffset).toBe(before);
    expect(f.fetch(2, 13, { lastFetchedEpoch: 5 }).kind).toBe("read");
    expect(f.fetch(2, 13, { lastFetchedEpoch: 6 })).toEqual({ kind: "error", error: "OFFSET_OUT_OF_RANGE" });
    expect(f.fetch(2, 14)).toEqual({ kind: "error", error: "OFFSET_OUT_OF_RANGE" });
  });

  it("answers OFFSET_OUT_OF_RANGE below the log start even when the epoch would diverge (KAFKA-12443)", () => {
    const f = new LeaderFixture({ prepareLog: (log) => log.appendAsLeader(10, leaderEpoch(2)) });
    f.log.advanceLogStartOffset(offset(5));
    expect(f.fetch(2, 3, { lastFetchedEpoch: 1 })).toEqual({ kind: "error", error: "OFFSET_OUT_OF_RANGE" });
    expect(f.fetch(2, 3)).toEqual({ kind: "error", error: "OFFSET_OUT_OF_RANGE" });
  });
});

describe("OffsetsForLeaderEpoch on the leader (§4.3, Partition.lastOffsetForLeaderEpoch)", () => {
  it("validates the current epoch and answers the end of the requested epoch", () => {
    const f = new LeaderFixture({ prepareLog: (log) => log.appendAsLeader(4, leaderEpoch(3)) });
    f.append(2);
    expect(f.leader.handleOffsetForLeaderEpoch(leaderEpoch(4), leaderEpoch(3), f.log)).toEqual({ kind: "error", error: "FENCED_LEADER_EPOCH" });
    expect(f.leader.handleOffsetForLeaderEpoch(f.epoch, leaderEpoch(3), f.log)).toEqual({ kind: "ok", epochEndOffset: { epoch: 3, endOffset: 4 } });
    expect(f.leader.handleOffsetForLeaderEpoch(f.epoch, f.epoch, f.log)).toEqual({ kind: "ok", epochEndOffset: { epoch: 5, endOffset: 6 } });
    expect(f.leader.handleOffsetForLeaderEpoch(f.epoch, leaderEpoch(9), f.log)).toEqual({ kind: "ok", epochEndOffset: undefined });
  });
});

describe("consumer fetch on the leader (§1.1)", () => {
  it("reads below the HW only, while followers read up to the LEO [testFetchBeyondHighWatermark]", () => {
    const f = new LeaderFixture();
    f.append(10);
    f.fetch(2, 6);
    f.fetch(3, 8);
    expect(f.leader.highWatermark).toBe(6);
    const consumer = f.leader.handleConsumerFetch({ fetchOffset: offset(2), currentLeaderEpoch: f.epoch }, f.log);
    expect(consumer).toMatchObject({ kind: "read", readUpTo: 6 });
    expect(expectRead(f.fetch(2, 6)).readUpTo).toBe(10);
  });
});

describe("leadership changes (§1.8, Partition.makeLeader)", () => {
  it("returns the new epoch's start at the LEO for the epoch cache [testMakeLeaderUpdatesEpochCache]", () => {
    const f = new LeaderFixture({ initialRecords: 10, leaderEpoch: 5 });
    expect(f.becameLeader.assignEpochStartOffset).toEqual({ epoch: 5, startOffset: 10 });
    expect(f.log.endOffsetForEpoch(leaderEpoch(4))).toEqual({ epoch: 4, endOffset: 10 });
  });

  it("skips a state with an older partition epoch [testIgnoreLeaderPartitionStateChangeWithOlderPartitionEpoch]", () => {
    const f = new LeaderFixture({ isr: [1, 2, 3] });
    const result = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1], partitionEpoch: 9 }), f.log, f.nowMs);
    expect(result.applied).toBe(false);
    expect(f.leader.state.isr).toEqual(ids([1, 2, 3]));
  });

  it("keeps follower state and the epoch start when only the ISR changes [testDoNotResetReplicaStateIfLeaderEpochIsNotBumped]", () => {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.advance(100);
    f.fetch(2, 10);
    f.append(5);
    f.advance(100);
    const result = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2, 3], partitionEpoch: 11 }), f.log, f.nowMs);
    expect(result.assignEpochStartOffset).toBeUndefined();
    expect(f.leader.state.leaderEpochStartOffset).toBe(0);
    const follower = f.leader.follower(nodeId(2))!;
    expect(follower.logEndOffset).toBe(10);
    expect(follower.lastCaughtUpTimeMs).toBe(1_100);
  });

  it("on re-election with a new epoch keeps LEOs but restarts the clock from the epoch start", () => {
    const f = new LeaderFixture({ isr: [1, 2] });
    f.append(10);
    f.fetch(2, 10);
    f.fetch(3, 4);
    f.advance(100);
    const result = f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1, 2], leaderEpoch: 6, partitionEpoch: 11 }), f.log, f.nowMs);
    expect(result.assignEpochStartOffset).toEqual({ epoch: 6, startOffset: 10 });
    const inIsr = f.leader.follower(nodeId(2))!;
    expect([inIsr.logEndOffset, inIsr.lastCaughtUpTimeMs, inIsr.lastFetchTimeMs, inIsr.lastFetchLeaderLogEndOffset]).toEqual([10, 1_100, 1_100, 10]);
    const outside = f.leader.follower(nodeId(3))!;
    expect([outside.logEndOffset, outside.lastCaughtUpTimeMs, outside.lastFetchTimeMs]).toEqual([4, NEVER_MS, NEVER_MS]);
  });

  it("a new leader forgets follower LEOs, so the ISR holds the HW until they fetch", () => {
    const f = new LeaderFixture({ initialRecords: 10, highWatermark: 3 });
    expect(f.leader.follower(nodeId(2))!.logEndOffset).toBe(-1);
    expect(f.leader.highWatermark).toBe(3);
    f.fetch(2, 10);
    expect(f.leader.highWatermark).toBe(3);
    f.fetch(3, 10);
    expect(f.leader.highWatermark).toBe(10);
  });
});

describe("acks and min.insync.replicas (§3)", () => {
  it("refuses acks=all with NOT_ENOUGH_REPLICAS under min ISR, accepts acks=1, rejects other acks", () => {
    const f = new LeaderFixture({ isr: [1], minInsyncReplicas: 2 });
    expect(f.leader.checkProduce(-1)).toBe("NOT_ENOUGH_REPLICAS");
    expect(f.leader.checkProduce(1)).toBe("NONE");
    expect(f.leader.checkProduce(0)).toBe("NONE");
    expect(f.leader.checkProduce(2)).toBe("INVALID_REQUIRED_ACKS");
  });

  it("caps min.insync.replicas at the replication factor [testAtMinIsr, testIsUnderMinIsr]", () => {
    const f = new LeaderFixture({ replicas: [1, 2], isr: [1, 2], minInsyncReplicas: 3 });
    expect(f.leader.isUnderMinIsr()).toBe(false);
    f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr: [1], partitionEpoch: 11 }), f.log, f.nowMs);
    expect(f.leader.isUnderMinIsr()).toBe(true);
  });

  it("completes acks=all only when every maximal-ISR member has the data, not just min ISR of them", () => {
    const f = new LeaderFixture({ minInsyncReplicas: 2 });
    const purgatory = new DelayedProduceQueue<string>(8);
    expect(f.leader.checkProduce(-1)).toBe("NONE");
    const { requiredOffset } = f.append(10);
    purgatory.add({ key: "p1", requiredOffset, deadlineMs: f.nowMs + 30_000 });
    f.fetch(2, 10);
    expect(f.leader.completeDelayedProduces(purgatory)).toEqual([]);
    f.fetch(3, 10);
    expect(f.leader.completeDelayedProduces(purgatory)).toEqual([
      { key: "p1", requiredOffset: 10, error: "NONE" },
    ]);
  });

  it("answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the HW covers the data but the maximal ISR is below min ISR", () => {
    const f = new LeaderFixture({ isr: [1, 2], minInsyncReplicas: 2 });
    const { requiredOffset } = f.append(10);
    f.fetch(2, 10);
    expect(f.leader.highWatermark).toBe(10);
    f.leader.updateMinInsyncReplicas(3);
    expect(f.leader.checkEnoughReplicasReachOffset(requiredOffset)).toEqual({ done: true, error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" });
    expect(f.leader.checkEnoughReplicasReachOffset(offset(11))).toEqual({ done: false });
  });

  it("judges completion on the maximal ISR, so a pending expansion counts toward min ISR (Partition.checkEnoughReplicasReachOffset)", () => {
    const f = new LeaderFixture({ isr: [1, 2], minInsyncReplicas: 2, lagTimeMaxMs: 100 });
    const { requiredOffset } = f.append(10);
    f.fetch(2, 10);
    expect(f.leader.highWatermark).toBe(10);
    f.append(1);
    f.advance(101);
    expect(f.acceptAlterPartition(f.leader.maybeShrinkIsr(f.log, f.nowMs)!).kind).toBe("committed");
    expect(f.leader.checkEnoughReplicasReachOffset(requiredOffset)).toEqual({ done: true, error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" });
    expansionFrom(f.fetch(3, 10));
    expect(f.leader.state.isr).toEqual(ids([1]));
    expect(f.leader.checkEnoughReplicasReachOffset(requiredOffset)).toEqual({ done: true, error: "NONE" });
  });
});
