// Configuration of one Raft node, with its defaults and the checks that reject a bad config at
// construction (a programmer error, so an assertion).
import { assert, nullLogger, type LogIndex, type Logger, type NodeId, type Random } from "@replog/common";

export interface RaftConfig {
  readonly id: NodeId;
  /** Voters when storage is empty (a fresh cluster). Otherwise from the latest snapshot/storage. */
  readonly voters: readonly NodeId[];
  /** "observer": never votes, never campaigns, not counted; pulls the log from the leader with Fetch. */
  readonly role?: "voter" | "observer";
  /** Ticks; the randomized election timeout is drawn in [electionTick, 2 * electionTick). */
  readonly electionTick: number;
  /** Ticks between leader heartbeats (and between observer fetches when caught up). */
  readonly heartbeatTick: number;
  readonly random: Random;
  /** Pre-vote round before a real election (Raft thesis §9.6; KIP-996). Default true. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a majority within an election timeout steps down (thesis §6.2). Default true. */
  readonly checkQuorum?: boolean;
  /** Bound on entries per Append and FetchResponse. Default 64. */
  readonly maxEntriesPerMsg?: number;
  /** Bound on unacknowledged Appends per follower (the inflights window). Default 256. */
  readonly maxInflightMsgs?: number;
  /** Bound on entries the leader holds uncommitted before refusing proposals. Default 4096. */
  readonly maxUncommittedEntries?: number;
  /** The index the shell's state machine has already applied at start. Default: the snapshot index. */
  readonly applied?: LogIndex;
  readonly logger?: Logger;
  /** Test-only planted bugs, to prove the simulator's checker can fail. Never set in production. */
  readonly plantedBugs?: {
    /** Count a granted vote even when the response carries an older term. */
    readonly countVotesFromOlderTerms?: boolean;
    /** Commit entries of an earlier term by counting replicas (violates Raft §5.4.2). */
    readonly commitPreviousTermByCounting?: boolean;
  };
}

export interface ResolvedConfig {
  readonly id: NodeId;
  readonly observer: boolean;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly random: Random;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxUncommittedEntries: number;
  readonly applied: LogIndex | undefined;
  readonly logger: Logger;
  readonly countVotesFromOlderTerms: boolean;
  readonly commitPreviousTermByCounting: boolean;
}

function positiveInt(name: string, v: number): number {
  assert(Number.isSafeInteger(v) && v > 0, () => `config ${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  positiveInt("heartbeatTick", c.heartbeatTick);
  positiveInt("electionTick", c.electionTick);
  assert(c.electionTick > c.heartbeatTick, () => `electionTick ${c.electionTick} must exceed heartbeatTick ${c.heartbeatTick}`);
  return {
    id: c.id,
    observer: c.role === "observer",
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    random: c.random,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    maxEntriesPerMsg: positiveInt("maxEntriesPerMsg", c.maxEntriesPerMsg ?? 64),
    maxInflightMsgs: positiveInt("maxInflightMsgs", c.maxInflightMsgs ?? 256),
    maxUncommittedEntries: positiveInt("maxUncommittedEntries", c.maxUncommittedEntries ?? 4096),
    applied: c.applied,
    logger: (c.logger ?? nullLogger).child({ component: "raft", nodeId: c.id }),
    countVotesFromOlderTerms: c.plantedBugs?.countVotesFromOlderTerms ?? false,
    commitPreviousTermByCounting: c.plantedBugs?.commitPreviousTermByCounting ?? false,
  };
}
