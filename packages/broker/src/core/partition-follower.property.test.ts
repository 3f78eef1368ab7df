// Follower truncation by leader epoch (reference §4.4, KIP-101/KIP-279) against random divergent
// histories: after a common prefix, epochs alternate between the two replicas (each epoch led by
// one of them, possibly without writing a record: the eager epoch entry of KIP-279), then the
// first one leads a new epoch. Clean elections are assumed, so the follower's HW lies inside the
// common prefix. Checked with the real PartitionLeader and PartitionFollower:
// - no truncation cuts into the records both logs share, nor below the follower's HW;
// - the follower converges to the leader's log within (its distinct epochs + 1) truncation rounds.
// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.

import { leaderEpoch, nodeId, offset } from "@replog/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryPartitionLog } from "./memory-partition-log.js";
import { PartitionFollower } from "./partition-follower.js";
import { LeaderFixture } from "./test-support/leader-fixture.js";
import { fetchRound } from "./test-support/replication-pair.js";

interface EpochRun {
  readonly side: "leader" | "follower";
  readonly count: number;
}

const history = fc.record({
  common: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
  divergent: fc.array(fc.record({ side: fc.constantFrom("leader" as const, "follower" as const), count: fc.integer({ min: 0, max: 4 }) }), {
    maxLength: 8,
    size: "max",
  }),
  epochGaps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 12, maxLength: 12 }),
  hwFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  logStartFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  maxRecords: fc.integer({ min: 1, max: 20 }),
});

function appendRun(log: MemoryPartitionLog, epoch: number, count: number): void {
  if (count === 0) log.assignEpochStartOffset(leaderEpoch(epoch), log.logEndOffset());
  else log.appendAsLeader(count, leaderEpoch(epoch));
}

function epochsOf(log: MemoryPartitionLog): number[] {
  return log.read(log.logStartOffset(), Number.MAX_SAFE_INTEGER).map((record) => record.epoch);
}

function commonPrefix(a: MemoryPartitionLog, b: MemoryPartitionLog): number {
  let at = Math.max(a.logStartOffset(), b.logStartOffset());
  while (at < a.logEndOffset() && at < b.logEndOffset() && a.epochAt(offset(at)) === b.epochAt(offset(at))) at++;
  return at;
}

describe("follower truncation by leader epoch", () => {
  it("never cuts shared records or below the HW, and converges in bounded rounds", () => {
    fc.assert(
      fc.property(history, (h) => {
        // Epoch numbers: strictly increasing over the common runs, then the divergent ones.
        let epoch = 0;
        const nextEpoch = (i: number) => (epoch += h.epochGaps[i % h.epochGaps.length]!);
        const commonEpochs = h.common.map((_, i) => nextEpoch(i));
        const divergentEpochs = h.divergent.map((_, i) => nextEpoch(i + 4));
        const build = (log: MemoryPartitionLog, side: EpochRun["side"]) => {
          h.common.forEach((count, i) => appendRun(log, commonEpochs[i]!, count));
          h.divergent.forEach((run, i) => run.side === side && appendRun(log, divergentEpochs[i]!, run.count));
        };
        const leader = new LeaderFixture({ replicas: [1, 2], leaderEpoch: epoch + 1, prepareLog: (log) => build(log, "leader") });
        const followerLog = new MemoryPartitionLog();
        build(followerLog, "follower");
        const shared = commonPrefix(followerLog, leader.log);
        const followerHw = Math.floor(h.hwFraction * shared);
        followerLog.advanceLogStartOffset(offset(Math.floor(h.logStartFraction * followerHw)));

        const { follower, truncateTo } = PartitionFollower.becomeFollower({
          localBrokerId: nodeId(2),
          leaderId: nodeId(1),
          leaderEpoch: leaderEpoch(epoch + 1),
          log: followerLog,
          highWatermark: offset(followerHw),
        });
        // A log with records always has epochs here, so nothing is truncated to the HW up front.
        expect(truncateTo).toBeUndefined();

        const distinctEpochs = new Set(epochsOf(followerLog)).size + (followerLog.latestEpoch() !== undefined ? 1 : 0);
        const copyRounds = Math.ceil(leader.log.logEndOffset() / h.maxRecords) + 1;
        let truncationRounds = 0;
        for (let round = 0; round < distinctEpochs + 1 + copyRounds; round++) {
          const sharedBefore = commonPrefix(followerLog, leader.log);
          const hwBefore = follower.highWatermark;
          const report = fetchRound(leader, 2, follower, followerLog, h.maxRecords);
          if (report.truncatedTo.length > 0) truncationRounds++;
          for (const to of report.truncatedTo) {
            expect(to).toBeGreaterThanOrEqual(sharedBefore);
            expect(to).toBeGreaterThanOrEqual(hwBefore);
          }
        }
        expect(truncationRounds).toBeLessThanOrEqual(distinctEpochs + 1);
        expect(epochsOf(followerLog)).toEqual(epochsOf(leader.log).slice(followerLog.logStartOffset() - leader.log.logStartOffset()));
        expect(followerLog.logEndOffset()).toBe(leader.log.logEndOffset());
      }),
      { numRuns: 600 },
    );
  });
});
