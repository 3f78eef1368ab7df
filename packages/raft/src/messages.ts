// The Raft wire vocabulary: entries, durable state, snapshots and the message union.
// Messages are plain serializable data, because the real shell carries them over gRPC and the
// simulator may drop, delay, duplicate or corrupt them. `validateMessage` is the single gate
// that every inbound message passes before the core looks at it: a malformed message is a
// value to reject with a reason, never an exception.
import type { LogIndex, NodeId, Term } from "@replog/common";

/** Leaders append a `noop` at the start of each term (Raft §5.4.2, §8; KRaft's LeaderChangeMessage). */
export type EntryType = "normal" | "noop";

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be on disk before the node sends anything that depends on it (Raft Figure 2). */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly commit: LogIndex;
}

export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  readonly voters: readonly NodeId[];
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export type Role = "follower" | "pre-candidate" | "candidate" | "leader" | "observer";

/** Volatile state the shell may want to show; not persisted. */
export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term; for PreVote the term the sender would campaign in (current + 1). */
  readonly term: Term;
}

/** Raft §5.2 RequestVote, and the pre-vote round of §9.6 (Ongaro's thesis) that changes nothing durable. */
export interface VoteRequest extends Envelope {
  readonly type: "PreVote" | "Vote";
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  /** Set by a leadership-transfer target: voters grant even while they still hear a leader. */
  readonly transfer?: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: "PreVoteResponse" | "VoteResponse";
  readonly reject: boolean;
}

/** Raft §5.3 AppendEntries. */
export interface AppendRequest extends Envelope {
  readonly type: "Append";
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

/**
 * Answer to Append and Snapshot. On success `index` is the last index known to match the leader.
 * On reject `index` is the rejected prevLogIndex, and (rejectHint, hintTerm) is the follower's
 * guess of where the logs may agree: the largest index <= min(prevLogIndex, lastIndex) whose term
 * is <= prevLogTerm (fast backtracking, Raft §5.3 "the follower can include the term of the
 * conflicting entry").
 */
export interface AppendResponse extends Envelope {
  readonly type: "AppendResponse";
  readonly index: LogIndex;
  readonly reject: boolean;
  readonly rejectHint: LogIndex;
  readonly hintTerm: Term;
}

/** Leader liveness and commit propagation; carries min(follower match, commit) so it never commits unknown entries. */
export interface Heartbeat extends Envelope {
  readonly type: "Heartbeat";
  readonly commit: LogIndex;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "HeartbeatResponse";
}

/** Raft §7 InstallSnapshot (whole snapshot in one message). Voters answer with AppendResponse; observers fetch again. */
export interface SnapshotMessage extends Envelope {
  readonly type: "Snapshot";
  readonly snapshot: Snapshot;
}

/** Leadership transfer (thesis §3.10): the target campaigns at once, skipping pre-vote. */
export interface TimeoutNow extends Envelope {
  readonly type: "TimeoutNow";
}

/**
 * An observer pulls the log (KRaft Fetch). `fetchIndex` is the last index the observer holds and
 * believes matches the leader; `lastFetchedTerm` is that entry's term. It wants entries after it.
 */
export interface FetchRequest extends Envelope {
  readonly type: "Fetch";
  readonly fetchIndex: LogIndex;
  readonly lastFetchedTerm: Term;
}

/**
 * The leader's answer to Fetch. Exactly one outcome:
 * - `entries`: entries after (fetchIndex, lastFetchedTerm), which matched; `commit` is the leader's commit.
 * - `diverging`: the logs differ at fetchIndex; the observer should fetch again from at most
 *   (rejectHint, hintTerm) — the largest leader index <= fetchIndex whose term is <= lastFetchedTerm.
 * - `not-leader`: the receiver is not the leader; `leaderHint` names the leader it knows, if any.
 * A fetch behind the leader's first index is answered with a Snapshot message instead.
 */
export interface FetchResponse extends Envelope {
  readonly type: "FetchResponse";
  readonly outcome: "entries" | "diverging" | "not-leader";
  readonly fetchIndex: LogIndex;
  readonly lastFetchedTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
  readonly rejectHint: LogIndex;
  readonly hintTerm: Term;
  readonly leaderHint: NodeId | null;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | SnapshotMessage
  | TimeoutNow
  | FetchRequest
  | FetchResponse;

export type MessageType = Message["type"];

export const MESSAGE_TYPES: readonly MessageType[] = [
  "PreVote",
  "PreVoteResponse",
  "Vote",
  "VoteResponse",
  "Append",
  "AppendResponse",
  "Heartbeat",
  "HeartbeatResponse",
  "Snapshot",
  "TimeoutNow",
  "Fetch",
  "FetchResponse",
];

const ENTRY_TYPES: readonly string[] = ["normal", "noop"];
const FETCH_OUTCOMES: readonly string[] = ["entries", "diverging", "not-leader"];

type Fields = Record<string, unknown>;

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function checkCounts(m: Fields, names: readonly string[]): string | null {
  for (const name of names) {
    if (!isCount(m[name])) return `field ${name} is not a non-negative integer: ${String(m[name])}`;
  }
  return null;
}

function checkBooleans(m: Fields, names: readonly string[]): string | null {
  for (const name of names) {
    if (typeof m[name] !== "boolean") return `field ${name} is not a boolean`;
  }
  return null;
}

/**
 * Entries must be well formed, contiguous from `after + 1`, with terms that never decrease, start
 * at or above `afterTerm` and never exceed the sender's term (Raft §5.3 Log Matching: a leader
 * creates at most one entry per index in its term, and terms along a log never decrease).
 */
function checkEntries(raw: unknown, after: number, afterTerm: number, maxTerm: number): string | null {
  if (!Array.isArray(raw)) return "entries is not an array";
  let prevTerm = afterTerm;
  for (let i = 0; i < raw.length; i++) {
    const e = raw[i] as Fields | null;
    if (typeof e !== "object" || e === null) return `entry ${i} is not an object`;
    const bad = checkCounts(e, ["term", "index"]);
    if (bad) return `entry ${i}: ${bad}`;
    if (!ENTRY_TYPES.includes(e.type as string)) return `entry ${i} has unknown type ${String(e.type)}`;
    if (!(e.data instanceof Uint8Array)) return `entry ${i} data is not bytes`;
    if (e.index !== after + 1 + i) return `entries not contiguous: entry ${i} has index ${String(e.index)}, expected ${after + 1 + i}`;
    const t = e.term as number;
    if (t < prevTerm || t > maxTerm || t === 0) return `entry ${i} has term ${t} outside [${Math.max(prevTerm, 1)}, ${maxTerm}]`;
    prevTerm = t;
  }
  return null;
}

function checkSnapshot(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return "snapshot is not an object";
  const s = raw as Fields;
  if (!(s.data instanceof Uint8Array)) return "snapshot data is not bytes";
  const meta = s.meta as Fields | null;
  if (typeof meta !== "object" || meta === null) return "snapshot meta is not an object";
  const bad = checkCounts(meta, ["index", "term"]);
  if (bad) return `snapshot meta: ${bad}`;
  if (meta.index === 0 || meta.term === 0) return "snapshot is empty (index or term 0)";
  if (!Array.isArray(meta.voters) || !meta.voters.every(isCount) || meta.voters.length === 0) return "snapshot voters malformed";
  return null;
}

function checkBody(m: Fields, type: MessageType): string | null {
  const term = m.term as number;
  switch (type) {
    case "PreVote":
    case "Vote": {
      const bad = checkCounts(m, ["lastLogIndex", "lastLogTerm"]);
      if (bad) return bad;
      if (m.transfer !== undefined && typeof m.transfer !== "boolean") return "field transfer is not a boolean";
      // A candidate's last entry is from an earlier term than the one it campaigns in (KRaft: lastOffsetEpoch < candidateEpoch).
      if ((m.lastLogTerm as number) >= term) return `lastLogTerm ${String(m.lastLogTerm)} not below campaign term ${term}`;
      return null;
    }
    case "PreVoteResponse":
    case "VoteResponse":
      return checkBooleans(m, ["reject"]);
    case "Append": {
      const bad = checkCounts(m, ["prevLogIndex", "prevLogTerm", "commit"]);
      if (bad) return bad;
      if ((m.prevLogTerm as number) > term) return `prevLogTerm ${String(m.prevLogTerm)} above message term ${term}`;
      return checkEntries(m.entries, m.prevLogIndex as number, m.prevLogTerm as number, term);
    }
    case "AppendResponse": {
      const bad = checkCounts(m, ["index", "rejectHint", "hintTerm"]) ?? checkBooleans(m, ["reject"]);
      if (bad) return bad;
      // The hint names an entry in the sender's log, whose terms never exceed its current term.
      return (m.hintTerm as number) > term ? `hintTerm ${String(m.hintTerm)} above message term ${term}` : null;
    }
    case "Heartbeat":
      return checkCounts(m, ["commit"]);
    case "HeartbeatResponse":
    case "TimeoutNow":
      return null;
    case "Snapshot":
      return checkSnapshot(m.snapshot);
    case "Fetch": {
      const bad = checkCounts(m, ["fetchIndex", "lastFetchedTerm"]);
      if (bad) return bad;
      // KRaft: a lastFetchedEpoch above the fetcher's epoch is an INVALID_REQUEST.
      return (m.lastFetchedTerm as number) > term ? `lastFetchedTerm ${String(m.lastFetchedTerm)} above message term ${term}` : null;
    }
    case "FetchResponse":
      return checkFetchResponse(m, term);
  }
}

function checkFetchResponse(m: Fields, term: number): string | null {
  const bad = checkCounts(m, ["fetchIndex", "lastFetchedTerm", "commit", "rejectHint", "hintTerm"]);
  if (bad) return bad;
  if (!FETCH_OUTCOMES.includes(m.outcome as string)) return `unknown fetch outcome ${String(m.outcome)}`;
  if (m.leaderHint !== null && !isCount(m.leaderHint)) return "leaderHint is neither null nor a node id";
  if ((m.hintTerm as number) > term) return `hintTerm ${String(m.hintTerm)} above message term ${term}`;
  return checkEntries(m.entries, m.fetchIndex as number, m.lastFetchedTerm as number, term);
}

/**
 * Returns null when `raw` is a well-formed message, else the reason it is not. Checks shape only
 * (types, ranges, contiguity); whether the message is timely or from a known node is the core's call.
 */
export function validateMessage(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return "message is not an object";
  const m = raw as Fields;
  if (!MESSAGE_TYPES.includes(m.type as MessageType)) return `unknown message type ${String(m.type)}`;
  const bad = checkCounts(m, ["from", "to", "term"]);
  if (bad) return bad;
  return checkBody(m, m.type as MessageType);
}
