// Runs one follower fetch round between a real PartitionLeader (in a LeaderFixture) and a real
// PartitionFollower over MemoryPartitionLogs: build the fetch, let the leader answer, carry the
// answer across, and do what the follower decides, exactly as a fetcher shell would.

import { brokerEpoch, nodeId, offset, type Offset } from "@replog/common";
import type { MemoryPartitionLog } from "../memory-partition-log.js";
import type { FollowerFetch, FollowerFetchOutcome, LeaderFetchResponse, PartitionFollower } from "../partition-follower.js";
import type { LeaderFixture } from "./leader-fixture.js";

export interface RoundReport {
  readonly outcome: FollowerFetchOutcome | undefined;
  /** Truncation offsets the follower applied in this round. */
  readonly truncatedTo: Offset[];
  readonly appended: number;
}

export function fetchRound(
  leader: LeaderFixture,
  followerId: number,
  follower: PartitionFollower,
  followerLog: MemoryPartitionLog,
  maxRecords = Number.MAX_SAFE_INTEGER,
): RoundReport {
  const request = follower.buildFetch(followerLog);
  if (request === undefined) return { outcome: undefined, truncatedTo: [], appended: 0 };
  const { response, records } = leaderAnswer(leader, followerId, request, maxRecords);
  const outcome = follower.handleFetchResponse(request, response, followerLog);
  const report = { outcome, truncatedTo: [] as Offset[], appended: 0 };
  carryOut(outcome, follower, followerLog, response, records, report, leader);
  return report;
}

function leaderAnswer(
  leader: LeaderFixture,
  followerId: number,
  request: FollowerFetch,
  maxRecords: number,
): { response: LeaderFetchResponse; records: ReturnType<MemoryPartitionLog["read"]> } {
  const result = leader.leader.handleFollowerFetch(
    { replicaId: nodeId(followerId), ...request, brokerEpoch: brokerEpoch(-1n) },
    leader.log,
    leader.nowMs,
  );
  const base = { highWatermark: leader.leader.highWatermark, logStartOffset: leader.log.logStartOffset(), divergingEpoch: undefined };
  switch (result.kind) {
    case "error":
      return { response: { ...base, error: result.error }, records: [] };
    case "diverging":
      return { response: { ...base, error: "NONE", highWatermark: result.highWatermark, divergingEpoch: result.divergingEpoch }, records: [] };
    case "read": {
      const count = Math.min(maxRecords, result.readUpTo - result.fetchOffset);
      const records = leader.log.read(result.fetchOffset, count);
      return { response: { ...base, error: "NONE", highWatermark: result.highWatermark, logStartOffset: result.logStartOffset }, records };
    }
  }
}

function carryOut(
  outcome: FollowerFetchOutcome,
  follower: PartitionFollower,
  log: MemoryPartitionLog,
  response: LeaderFetchResponse,
  records: ReturnType<MemoryPartitionLog["read"]>,
  report: { truncatedTo: Offset[]; appended: number },
  leader: LeaderFixture,
): void {
  switch (outcome.kind) {
    case "append": {
      log.appendAsFollower(records);
      report.appended = records.length;
      const { raiseLogStartOffsetTo } = follower.onAppended(response, log);
      if (raiseLogStartOffsetTo !== undefined) {
        log.advanceLogStartOffset(raiseLogStartOffsetTo);
        follower.onLogStartOffsetRaised(log);
      }
      return;
    }
    case "truncate":
      report.truncatedTo.push(outcome.truncateTo);
      log.truncateTo(outcome.truncateTo);
      follower.onTruncated(log);
      return;
    case "truncate-fully":
      report.truncatedTo.push(offset(-1));
      log.truncateFullyAndStartAt(outcome.startAt);
      follower.onTruncated(log);
      return;
    case "resolve-out-of-range": {
      const next = follower.handleOutOfRange(leader.log.logEndOffset(), leader.log.logStartOffset(), log);
      carryOut(next, follower, log, response, [], report, leader);
      return;
    }
    default:
      return;
  }
}
