// Runs one follower fetch round between a real PartitionLeader (with its log) and a real
// PartitionFollower over MemoryPartitionLogs: build the fetch, let the leader answer, carry the
// answer across, and do what the follower decides, exactly as a fetcher shell would.

import { brokerEpoch, nodeId, offset, type Offset } from "@replog/common";
import type { MemoryPartitionLog } from "../memory-partition-log.js";
import type { FollowerFetch, FollowerFetchOutcome, LeaderFetchResponse, PartitionFollower } from "../partition-follower.js";
import type { FollowerFetchResult, PartitionLeader } from "../partition-leader.js";

/** A leader, its log and the time: a LeaderFixture, or one broker of a simulated cluster. */
export interface LeaderSide {
  readonly leader: PartitionLeader;
  readonly log: MemoryPartitionLog;
  readonly nowMs: number;
}

export interface RoundReport {
  readonly outcome: FollowerFetchOutcome | undefined;
  /** What the leader answered, for its side effects (HW moved, ISR expansion proposed). */
  readonly leaderResult: FollowerFetchResult | undefined;
  /** Truncation offsets the follower applied in this round. */
  readonly truncatedTo: Offset[];
  readonly appended: number;
}

export function fetchRound(
  leader: LeaderSide,
  followerId: number,
  follower: PartitionFollower,
  followerLog: MemoryPartitionLog,
  maxRecords = Number.MAX_SAFE_INTEGER,
): RoundReport {
  const request = follower.buildFetch(followerLog);
  if (request === undefined) return { outcome: undefined, leaderResult: undefined, truncatedTo: [], appended: 0 };
  const { response, records, result } = leaderAnswer(leader, followerId, request, maxRecords);
  const outcome = follower.handleFetchResponse(request, response, followerLog);
  const report = { outcome, leaderResult: result, truncatedTo: [] as Offset[], appended: 0 };
  carryOut(outcome, follower, followerLog, response, records, report, leader);
  return report;
}

function leaderAnswer(
  leader: LeaderSide,
  followerId: number,
  request: FollowerFetch,
  maxRecords: number,
): { response: LeaderFetchResponse; records: ReturnType<MemoryPartitionLog["read"]>; result: FollowerFetchResult } {
  const result = leader.leader.handleFollowerFetch(
    { replicaId: nodeId(followerId), ...request, brokerEpoch: brokerEpoch(-1n) },
    leader.log,
    leader.nowMs,
  );
  const base = { highWatermark: leader.leader.highWatermark, logStartOffset: leader.log.logStartOffset(), divergingEpoch: undefined };
  switch (result.kind) {
    case "error":
      return { response: { ...base, error: result.error }, records: [], result };
    case "diverging":
      return { response: { ...base, error: "NONE", highWatermark: result.highWatermark, divergingEpoch: result.divergingEpoch }, records: [], result };
    case "read": {
      const count = Math.min(maxRecords, result.readUpTo - result.fetchOffset);
      const records = leader.log.read(result.fetchOffset, count);
      return { response: { ...base, error: "NONE", highWatermark: result.highWatermark, logStartOffset: result.logStartOffset }, records, result };
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
  leader: LeaderSide,
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
