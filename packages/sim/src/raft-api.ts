// TEMPORARY mirror of the types in RAFT-API.md, until @replog/raft exports them.
import type { NodeId, Term, LogIndex } from "@replog/common";

export type EntryType = "normal" | "noop";
export interface Entry { readonly term: Term; readonly index: LogIndex; readonly type: EntryType; readonly data: Uint8Array; }
export interface HardState { readonly term: Term; readonly vote: NodeId | null; readonly commit: LogIndex; }
export interface SnapshotMeta { readonly index: LogIndex; readonly term: Term; readonly voters: readonly NodeId[]; }
export interface Snapshot { readonly meta: SnapshotMeta; readonly data: Uint8Array; }
export interface RaftStorage {
  initialState(): { hardState: HardState; voters: readonly NodeId[] };
  entries(lo: LogIndex, hi: LogIndex): Entry[];
  term(i: LogIndex): Term;
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  snapshot(): Snapshot;
}
