// The output contract of the core (etcd's Ready) and the Status snapshot, in their own file so
// that both RawNode and the describers can name them without depending on each other.
import type { LogIndex, NodeId, Term } from "@replog/common";
import type { Entry, HardState, Message, Role, Snapshot, SoftState } from "./messages.js";
import type { ProgressState } from "./tracker/index.js";

export interface Ready {
  /** Set when changed since the last Ready. */
  readonly softState?: SoftState;
  /** Set when changed: persist it BEFORE sending messages (one vote per term must survive restarts). */
  readonly hardState?: HardState;
  /** New entries to persist (appending, truncating any conflicting suffix) BEFORE sending messages. */
  readonly entries: readonly Entry[];
  /** A received snapshot to persist and load into the state machine. */
  readonly snapshot?: Snapshot;
  /** Send AFTER persisting hardState, entries and snapshot. */
  readonly messages: readonly Message[];
  /** Apply to the state machine, in order (after loading `snapshot`, if any). */
  readonly committedEntries: readonly Entry[];
  /** An fsync is required: the term or vote changed, or entries or a snapshot must be written. */
  readonly mustSync: boolean;
}

export interface ProgressStatus {
  match: LogIndex;
  next: LogIndex;
  state: ProgressState;
  recentActive: boolean;
}

export interface Status {
  id: NodeId;
  role: Role;
  term: Term;
  leader: NodeId | null;
  vote: NodeId | null;
  commit: LogIndex;
  applied: LogIndex;
  lastIndex: LogIndex;
  /** Leader only: every voter's replication progress. */
  progress?: ReadonlyMap<NodeId, ProgressStatus>;
  /** Leader only: the last fetch position of observers that fetched from it. */
  observers?: ReadonlyMap<NodeId, LogIndex>;
}

