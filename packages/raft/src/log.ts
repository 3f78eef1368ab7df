// The Raft log as the core sees it: durable entries in storage, followed by unstable entries not
// yet persisted, with commit and apply bookkeeping (etcd's log.go). All of Raft §5.3's log
// operations live here: the consistency check, conflict truncation and fast backtracking.
import { assert, logIndex, term as toTerm, type LogIndex, type Term } from "@replog/common";
import { Unstable } from "./log-unstable.js";
import type { Entry, Snapshot } from "./messages.js";
import type { RaftStorage } from "./storage.js";

export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: Unstable;
  /** Highest index known to be committed. Invariant: committed <= lastIndex(). */
  committed: LogIndex;
  /** Highest index handed to the shell to apply. Invariant: applied <= applying <= committed. */
  applying: LogIndex;
  /** Highest index the shell has applied. */
  applied: LogIndex;
  /** Set when the stored commit index was beyond the stored log and had to be lowered (for a log line). */
  readonly clampedCommit: LogIndex | undefined;

  constructor(storage: RaftStorage, committed: LogIndex, applied?: LogIndex) {
    this.storage = storage;
    const first = storage.firstIndex();
    this.unstable = new Unstable(logIndex(storage.lastIndex() + 1));
    // A crash in the middle of one Ready's write can keep the new commit index but lose the
    // entries it covers. Neither was acknowledged to anyone, so committing less is safe: the
    // leader will tell us again. (etcd panics here; we would rather recover.)
    this.committed = logIndex(Math.min(Math.max(committed, first - 1), storage.lastIndex()));
    this.clampedCommit = committed > this.committed ? committed : undefined;
    // After a restart the state machine is rebuilt from the snapshot, so entries after it are applied again.
    this.applied = applied ?? logIndex(first - 1);
    assert(this.applied >= first - 1 && this.applied <= this.committed, () => `applied ${this.applied} outside [${first - 1}, ${this.committed}]`);
    this.applying = this.applied;
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index the shell has persisted (entries after it are unstable or in progress). */
  lastStableIndex(): LogIndex {
    return this.unstable.entries.length > 0 ? logIndex(this.unstable.offset - 1) : this.lastIndex();
  }

  lastTerm(): Term {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, "the last entry always has a known term");
    return t;
  }

  /** The term of entry i, or undefined when i is compacted away or beyond the log. */
  term(i: LogIndex): Term | undefined {
    const fromUnstable = this.unstable.maybeTerm(i);
    if (fromUnstable !== undefined) return fromUnstable;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    if (i < this.storage.firstIndex() - 1 || i > this.storage.lastIndex()) return undefined;
    return this.storage.term(i);
  }

  matchTerm(i: LogIndex, t: Term): boolean {
    return this.term(i) === t;
  }

  /**
   * Raft §5.4.1 election restriction: a log is more up to date if its last term is later, or the
   * terms are equal and it is at least as long.
   */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Raft §5.3 AppendEntries receiver: if the entry at prevIndex has prevTerm, append the new
   * entries (truncating at the first conflict), commit up to min(commit, last new index) and
   * return the last new index; otherwise return undefined (the consistency check failed).
   * Returns "conflicts-with-commit" for an append that would rewrite a committed entry, which a
   * correct leader never sends (Leader Completeness, §5.4).
   */
  maybeAppend(prevIndex: LogIndex, prevTerm: Term, commit: LogIndex, ents: readonly Entry[]): LogIndex | undefined | "conflicts-with-commit" {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = logIndex(prevIndex + ents.length);
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      if (conflict <= this.committed) return "conflicts-with-commit";
      this.append(ents.slice(conflict - prevIndex - 1));
    }
    this.commitTo(logIndex(Math.min(commit, lastNew)));
    return lastNew;
  }

  /** Index of the first entry that is new or conflicts with ours, or 0 if we have them all. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking (Raft §5.3, final paragraphs; etcd findConflictByTerm): the largest index
   * <= `index` whose term is <= `t`, with that term. Every entry above it either has a larger term
   * or is missing, so it is the highest index where the two logs can still agree. Stops at the
   * compaction point, where the term is unknown below.
   */
  findConflictByTerm(index: LogIndex, t: Term): { index: LogIndex; term: Term } {
    let i = logIndex(Math.min(index, this.lastIndex()));
    for (;;) {
      const ti = this.term(i);
      if (ti === undefined) return { index: i, term: toTerm(0) };
      if (ti <= t || i === 0) return { index: i, term: ti };
      i = logIndex(i - 1);
    }
  }

  /** Appends entries after truncating any conflicting suffix; returns the new last index. */
  append(ents: readonly Entry[]): LogIndex {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, () => `append after ${after} would rewrite committed ${this.committed}`);
    assert(after <= this.lastIndex(), () => `append after ${after} leaves a gap after ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(toCommit: LogIndex): void {
    if (toCommit <= this.committed) return;
    assert(toCommit <= this.lastIndex(), () => `Invariant: commit ${toCommit} <= lastIndex ${this.lastIndex()}`);
    this.committed = toCommit;
  }

  /**
   * Raft §5.4.2: a leader commits by counting replicas only an entry of its current term; the
   * entries before it are then committed indirectly by the Log Matching Property.
   */
  maybeCommit(maxIndex: LogIndex, currentTerm: Term, countPreviousTerms = false): boolean {
    if (maxIndex <= this.committed) return false;
    if (!countPreviousTerms && this.term(maxIndex) !== currentTerm) return false;
    this.commitTo(maxIndex);
    return true;
  }

  /** Entries [lo, hi), read from storage and the unstable tail; undefined if lo is compacted. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    assert(hi <= this.lastIndex() + 1, () => `slice [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    const unstableFrom = this.unstable.offset;
    const out: Entry[] = [];
    if (lo < unstableFrom) {
      out.push(...this.storage.entries(lo, logIndex(Math.min(hi, unstableFrom))));
    }
    if (hi > unstableFrom) {
      out.push(...this.unstable.slice(logIndex(Math.max(lo, unstableFrom)), hi));
    }
    return out;
  }

  /** Up to `max` entries from index `lo`; undefined if lo is compacted (send a snapshot instead). */
  entriesFrom(lo: LogIndex, max: number): Entry[] | undefined {
    const hi = logIndex(Math.min(this.lastIndex() + 1, lo + max));
    return this.slice(lo, hi);
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet handed to the shell; none while a received snapshot is pending. */
  nextCommittedEntries(max: number): Entry[] {
    if (this.hasPendingSnapshot() || this.applying >= this.committed) return [];
    const lo = logIndex(Math.max(this.applying + 1, this.firstIndex()));
    const hi = logIndex(Math.min(this.committed + 1, lo + max));
    return this.slice(lo, hi) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasPendingSnapshot() && this.applying < this.committed;
  }

  acceptApplying(i: LogIndex): void {
    assert(i <= this.committed, () => `Invariant: applying ${i} <= committed ${this.committed}`);
    if (i > this.applying) this.applying = i;
  }

  appliedTo(i: LogIndex): void {
    if (i <= this.applied) return;
    assert(i <= this.committed, () => `Invariant: applied ${i} <= committed ${this.committed}`);
    this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  /** Raft §7: a snapshot replaces the whole log; its index becomes committed. */
  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  stableTo(i: LogIndex, t: Term): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: LogIndex): void {
    this.unstable.stableSnapTo(i);
  }
}
