// Unit tests of the follower half of the partition core, named after the rule each checks, with
// the Kafka test mirrored in brackets (AbstractFetcherThreadTest, reference §8.2, and §4).

import { leaderEpoch, nodeId, offset, type LeaderEpoch } from "@replog/common";
import { describe, expect, it } from "vitest";
import { MemoryPartitionLog } from "./memory-partition-log.js";
import { PartitionFollower, type FollowerFetch, type LeaderFetchResponse } from "./partition-follower.js";
import type { PartitionLogView } from "./partition-log.js";
import { LeaderFixture } from "./test-support/leader-fixture.js";
import { fetchRound } from "./test-support/replication-pair.js";

/** A log from epoch runs: `[[1, 5], [3, 2]]` is five records of epoch 1 then two of epoch 3. */
function logOf(runs: readonly (readonly [number, number])[]): MemoryPartitionLog {
  const log = new MemoryPartitionLog();
  for (const [epoch, count] of runs) log.appendAsLeader(count, leaderEpoch(epoch));
  return log;
}

function epochsOf(log: MemoryPartitionLog): number[] {
  return log.read(log.logStartOffset(), Number.MAX_SAFE_INTEGER).map((record) => record.epoch);
}

function followerOf(log: PartitionLogView, leaderEpochValue: number, highWatermark = 0): PartitionFollower {
  const { follower, truncateTo } = PartitionFollower.becomeFollower({
    localBrokerId: nodeId(2),
    leaderId: nodeId(1),
    leaderEpoch: leaderEpoch(leaderEpochValue),
    log,
    highWatermark: offset(highWatermark),
  });
  expect(truncateTo).toBeUndefined();
  return follower;
}

const okResponse = (highWatermark: number, logStartOffset = 0): LeaderFetchResponse => ({
  error: "NONE",
  highWatermark: offset(highWatermark),
  logStartOffset: offset(logStartOffset),
  divergingEpoch: undefined,
});

describe("truncation by leader epoch (§4.4)", () => {
  it("truncates to the end of the last common epoch and then copies the leader's log [testDivergingEpochs]", () => {
    const leader = new LeaderFixture({ replicas: [1, 2], leaderEpoch: 4, prepareLog: (log) => logOfInto(log, [[1, 5], [3, 5]]) });
    const followerLog = logOf([[1, 5], [2, 5]]);
    const follower = followerOf(followerLog, 4);
    const first = fetchRound(leader, 2, follower, followerLog);
    expect(first.outcome).toEqual({ kind: "truncate", truncateTo: 5, complete: true });
    expect(fetchRound(leader, 2, follower, followerLog).appended).toBe(5);
    expect(epochsOf(followerLog)).toEqual(epochsOf(leader.log));
  });

  it("walks back over epochs the leader never had, in as many rounds as needed (KIP-279)", () => {
    const leader = new LeaderFixture({ replicas: [1, 2], leaderEpoch: 6, prepareLog: (log) => logOfInto(log, [[1, 2], [3, 2], [5, 2]]) });
    const followerLog = logOf([[1, 2], [2, 2], [4, 2]]);
    const follower = followerOf(followerLog, 6);
    expect(fetchRound(leader, 2, follower, followerLog).outcome).toEqual({ kind: "truncate", truncateTo: 4, complete: false });
    expect(followerLog.latestEpoch()).toBe(2);
    expect(fetchRound(leader, 2, follower, followerLog).outcome).toEqual({ kind: "truncate", truncateTo: 2, complete: true });
    fetchRound(leader, 2, follower, followerLog);
    expect(epochsOf(followerLog)).toEqual([1, 1, 3, 3, 5, 5]);
  });

  it("truncates a follower that was leader of an epoch with no records of it (the eager epoch entry)", () => {
    const leader = new LeaderFixture({ replicas: [1, 2], leaderEpoch: 6, prepareLog: (log) => logOfInto(log, [[3, 4]]) });
    const followerLog = logOf([[3, 4]]);
    followerLog.assignEpochStartOffset(leaderEpoch(5), offset(4));
    const follower = followerOf(followerLog, 6);
    expect(fetchRound(leader, 2, follower, followerLog).outcome).toEqual({ kind: "truncate", truncateTo: 4, complete: true });
    expect(followerLog.latestEpoch()).toBe(3);
  });

  it("truncates to the HW only when there is no epoch information [testTruncateToHighWatermarkIfLeaderEpochInfoNotAvailable]", () => {
    const oldFormatLog: PartitionLogView = {
      logStartOffset: () => offset(0),
      logEndOffset: () => offset(10),
      latestEpoch: () => undefined,
      endOffsetForEpoch: () => undefined,
    };
    const { follower, truncateTo } = PartitionFollower.becomeFollower({
      localBrokerId: nodeId(2),
      leaderId: nodeId(1),
      leaderEpoch: leaderEpoch(3),
      log: oldFormatLog,
      highWatermark: offset(6),
    });
    expect(truncateTo).toBe(6);
    expect(follower.fetchOffset).toBe(6);
    // With epochs, the fetch starts at the LEO and nothing is truncated up front.
    const withEpochs = logOf([[1, 10]]);
    expect(followerOf(withEpochs, 3, 6).fetchOffset).toBe(10);
  });
});

describe("fetch response handling (§1.3)", () => {
  const request = (fetchOffset: number, currentLeaderEpoch = 3): FollowerFetch => ({
    fetchOffset: offset(fetchOffset),
    logStartOffset: offset(0),
    lastFetchedEpoch: leaderEpoch(1),
    currentLeaderEpoch: leaderEpoch(currentLeaderEpoch),
  });

  it("sets the HW to min(leader HW, LEO) after an append", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    expect(follower.handleFetchResponse(request(10), okResponse(50), log)).toEqual({ kind: "append" });
    log.appendAsFollower([{ offset: offset(10), epoch: leaderEpoch(3) }]);
    follower.onAppended(okResponse(50), log);
    expect(follower.highWatermark).toBe(11);
    expect(follower.fetchOffset).toBe(11);
    follower.handleFetchResponse(request(11), okResponse(7), log);
    follower.onAppended(okResponse(7), log);
    expect(follower.highWatermark).toBe(7);
  });

  it("raises the log start offset to the leader's, never above its HW", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    follower.handleFetchResponse(request(10), okResponse(8, 4), log);
    expect(follower.onAppended(okResponse(8, 4), log)).toEqual({ raiseLogStartOffsetTo: 4 });
  });

  it("ignores a response to a fetch offset it no longer fetches from", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    expect(follower.handleFetchResponse(request(7), okResponse(5), log).kind).toBe("ignore");
    expect(follower.handleFetchResponse(request(10, 2), okResponse(5), log).kind).toBe("ignore");
  });

  it("stops on FENCED_LEADER_EPOCH until new metadata [testFencedFetch]", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    const response = { ...okResponse(5), error: "FENCED_LEADER_EPOCH" as const };
    expect(follower.handleFetchResponse(request(10), response, log)).toEqual({ kind: "await-metadata", error: "FENCED_LEADER_EPOCH" });
    expect(follower.fetchState).toBe("failed");
    expect(follower.buildFetch(log)).toBeUndefined();
  });

  it("backs off and retries on UNKNOWN_LEADER_EPOCH and NOT_LEADER_OR_FOLLOWER [testUnknownLeaderEpochWhileFetching]", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    for (const error of ["UNKNOWN_LEADER_EPOCH", "NOT_LEADER_OR_FOLLOWER"] as const) {
      expect(follower.handleFetchResponse(request(10), { ...okResponse(5), error }, log)).toEqual({ kind: "backoff", error });
    }
    expect(follower.fetchState).toBe("fetching");
  });
});

describe("OFFSET_OUT_OF_RANGE on a follower (§4.5)", () => {
  it("truncates to the leader's LEO when the leader is behind [testFollowerFetchOutOfRangeHigh]", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    expect(follower.handleOutOfRange(offset(6), offset(0), log)).toEqual({ kind: "truncate", truncateTo: 6, complete: true });
  });

  it("starts over at the leader's log start when it passed our LEO [testFollowerFetchOutOfRangeLow]", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    expect(follower.handleOutOfRange(offset(40), offset(20), log)).toEqual({ kind: "truncate-fully", startAt: 20 });
  });

  it("keeps its log and fetches again when its LEO is inside the leader's log", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3);
    expect(follower.handleOutOfRange(offset(40), offset(5), log).kind).toBe("ignore");
    expect(log.logEndOffset()).toBe(10);
  });

  it("a follower behind the leader's log start catches up from there end to end", () => {
    const leader = new LeaderFixture({ replicas: [1, 2], leaderEpoch: 4, prepareLog: (log) => logOfInto(log, [[1, 30]]) });
    leader.log.advanceLogStartOffset(offset(20));
    const followerLog = logOf([[1, 10]]);
    const follower = followerOf(followerLog, 4);
    expect(fetchRound(leader, 2, follower, followerLog).outcome?.kind).toBe("resolve-out-of-range");
    expect([followerLog.logStartOffset(), followerLog.logEndOffset()]).toEqual([20, 20]);
    fetchRound(leader, 2, follower, followerLog);
    expect(followerLog.logEndOffset()).toBe(30);
  });
});

function logOfInto(log: MemoryPartitionLog, runs: readonly (readonly [number, number])[]): void {
  for (const [epoch, count] of runs) log.appendAsLeader(count, leaderEpoch(epoch) as LeaderEpoch);
}

describe("consumer fetch from a follower (KIP-392)", () => {
  it("validates the leader epoch the consumer names and reads below the follower's HW only [testLeaderEpochValidationOnFollower]", () => {
    const log = logOf([[1, 10]]);
    const follower = followerOf(log, 3, 6);
    const fetch = (fetchOffset: number, epoch: number) =>
      follower.handleConsumerFetch({ fetchOffset: offset(fetchOffset), currentLeaderEpoch: leaderEpoch(epoch) }, log);
    expect(fetch(0, 2)).toEqual({ kind: "error", error: "FENCED_LEADER_EPOCH" });
    expect(fetch(0, 4)).toEqual({ kind: "error", error: "UNKNOWN_LEADER_EPOCH" });
    expect(fetch(2, 3)).toMatchObject({ kind: "read", readUpTo: 6, highWatermark: 6 });
    expect(fetch(8, 3)).toMatchObject({ kind: "read", fetchOffset: 8, readUpTo: 8 });
    expect(fetch(11, 3)).toEqual({ kind: "error", error: "OFFSET_OUT_OF_RANGE" });
  });
});
