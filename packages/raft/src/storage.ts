// Durable state as the core reads it (etcd's Storage), plus an in-memory implementation used by
// tests and the simulator. The core only reads storage; the shell writes it after each Ready
// (append entries, set the hard state, apply a received snapshot) and compacts it after taking
// a snapshot of its state machine. Reads are synchronous: a file-backed store keeps its index and
// recent entries in memory.
import { assert, logIndex, term as toTerm, type LogIndex, type NodeId, type Term } from "@replog/common";
import type { Entry, HardState, Snapshot } from "./messages.js";

/** Read side of durable state. Index 0 with term 0 is the empty log. */
export interface RaftStorage {
  initialState(): { hardState: HardState; voters: readonly NodeId[] };
  /** Entries [lo, hi). Asserts lo >= firstIndex() and hi <= lastIndex() + 1. */
  entries(lo: LogIndex, hi: LogIndex): Entry[];
  /** Term of entry i; for i == firstIndex() - 1 (the snapshot index) the snapshot term. Asserts i is in range. */
  term(i: LogIndex): Term;
  /** First index still in the log: the snapshot index + 1. */
  firstIndex(): LogIndex;
  lastIndex(): LogIndex;
  /** The latest snapshot (index 0 if none). */
  snapshot(): Snapshot;
}

const EMPTY_DATA = new Uint8Array(0);

export function emptySnapshot(voters: readonly NodeId[] = []): Snapshot {
  return { meta: { index: logIndex(0), term: toTerm(0), voters }, data: EMPTY_DATA };
}

/**
 * The log after a compaction point `offset` (an index whose term is kept as `offsetTerm`),
 * plus the latest snapshot, which may be newer than the compaction point until `compact`.
 * Invariants: ents[i].index === offset + 1 + i; offset <= snapshot index.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: toTerm(0), vote: null, commit: logIndex(0) };
  private snap: Snapshot;
  private offset: LogIndex = logIndex(0);
  private offsetTerm: Term = toTerm(0);
  private ents: Entry[] = [];

  constructor(voters: readonly NodeId[] = []) {
    this.snap = emptySnapshot(voters);
  }

  initialState(): { hardState: HardState; voters: readonly NodeId[] } {
    return { hardState: this.hardState, voters: this.snap.meta.voters };
  }

  firstIndex(): LogIndex {
    return logIndex(this.offset + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.offset + this.ents.length);
  }

  term(i: LogIndex): Term {
    assert(i >= this.offset && i <= this.lastIndex(), () => `term(${i}) outside [${this.offset}, ${this.lastIndex()}]`);
    if (i === this.offset) return this.offsetTerm;
    return this.ents[i - this.offset - 1]!.term;
  }

  entries(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(lo >= this.firstIndex(), () => `entries(${lo}) below first index ${this.firstIndex()}: compacted`);
    assert(hi <= this.lastIndex() + 1 && lo <= hi, () => `entries [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    return this.ents.slice(lo - this.offset - 1, hi - this.offset - 1);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  hardStateForTest(): HardState {
    return this.hardState;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  /** Appends entries, first dropping any suffix they replace (Raft §5.3: a conflict truncates). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first <= this.lastIndex() + 1, () => `append at ${first} leaves a gap after ${this.lastIndex()}`);
    // Entries at or below the compaction point are already covered by the snapshot.
    const skip = Math.max(0, this.offset + 1 - first);
    if (skip >= entries.length) return;
    const keep = first + skip - this.offset - 1;
    this.ents = this.ents.slice(0, keep).concat(entries.slice(skip));
  }

  /** Replaces the whole log with a received snapshot (Raft §7: discard the entire log). */
  applySnapshot(s: Snapshot): void {
    if (s.meta.index <= this.snap.meta.index) return;
    this.snap = s;
    this.offset = s.meta.index;
    this.offsetTerm = s.meta.term;
    this.ents = [];
  }

  /** Records a snapshot of the applied state at `index` without dropping entries; `compact` releases them. */
  createSnapshot(index: LogIndex, data: Uint8Array): Snapshot {
    assert(index > this.snap.meta.index, () => `snapshot at ${index} not newer than ${this.snap.meta.index}`);
    assert(index <= this.hardState.commit, () => `snapshot at ${index} above commit ${this.hardState.commit}`);
    assert(index <= this.lastIndex(), () => `snapshot at ${index} beyond last index ${this.lastIndex()}`);
    this.snap = { meta: { index, term: this.term(index), voters: this.snap.meta.voters }, data };
    return this.snap;
  }

  /** Drops entries up to and including `index`, which the latest snapshot must cover (Raft §7). */
  compact(index: LogIndex): void {
    if (index <= this.offset) return;
    assert(index <= this.snap.meta.index, () => `compact(${index}) beyond snapshot ${this.snap.meta.index}`);
    this.offsetTerm = this.term(index);
    this.ents = this.ents.slice(index - this.offset);
    this.offset = index;
  }
}
