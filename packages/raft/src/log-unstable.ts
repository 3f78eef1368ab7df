// Entries and a snapshot that the core has accepted but the shell has not yet persisted
// (etcd's log_unstable.go). `ready()` hands them out and marks them in progress; `advance()`
// tells us they are durable and we drop them here, because storage now answers for them.
import { assert, logIndex, type LogIndex, type Term } from "@replog/common";
import type { Entry, Snapshot } from "./messages.js";

export class Unstable {
  /** A received snapshot not yet persisted. */
  snapshot: Snapshot | undefined = undefined;
  /** Entries not yet persisted; entries[i].index === offset + i. */
  entries: Entry[] = [];
  offset: LogIndex;
  /**
   * Entries below this index were handed to the shell in a Ready and are being persisted.
   * Invariant: offset <= offsetInProgress <= offset + entries.length.
   */
  offsetInProgress: LogIndex;
  snapshotInProgress = false;

  constructor(offset: LogIndex) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot ? logIndex(this.snapshot.meta.index + 1) : undefined;
  }

  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return logIndex(this.offset + this.entries.length - 1);
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: LogIndex): Term | undefined {
    if (i < this.offset) {
      return this.snapshot && this.snapshot.meta.index === i ? this.snapshot.meta.term : undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  /** Entries not yet handed to the shell. */
  nextEntries(): Entry[] {
    const start = this.offsetInProgress - this.offset;
    return start >= this.entries.length ? [] : this.entries.slice(start);
  }

  nextSnapshot(): Snapshot | undefined {
    return this.snapshot && !this.snapshotInProgress ? this.snapshot : undefined;
  }

  acceptInProgress(): void {
    if (this.entries.length > 0) this.offsetInProgress = logIndex(this.offset + this.entries.length);
    if (this.snapshot) this.snapshotInProgress = true;
  }

  /** The shell persisted entries up to (i, t): storage answers for them now. */
  stableTo(i: LogIndex, t: Term): void {
    // A later append may have replaced the entry the shell persisted; then nothing is stable yet.
    if (i < this.offset || this.maybeTerm(i) !== t) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = logIndex(i + 1);
    this.offsetInProgress = logIndex(Math.max(this.offsetInProgress, this.offset));
  }

  stableSnapTo(i: LogIndex): void {
    if (this.snapshot && this.snapshot.meta.index === i) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  restore(s: Snapshot): void {
    this.offset = logIndex(s.meta.index + 1);
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = s;
    this.snapshotInProgress = false;
  }

  /** Appends, replacing any unstable suffix that the new entries conflict with (Raft §5.3). */
  truncateAndAppend(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const after = ents[0]!.index - 1;
    if (after === this.offset + this.entries.length - 1) {
      this.entries = this.entries.concat(ents);
    } else if (after < this.offset) {
      // The new entries replace everything unstable, and storage's suffix after `after` too.
      this.offset = logIndex(after + 1);
      this.offsetInProgress = this.offset;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after + 1 - this.offset).concat(ents);
      this.offsetInProgress = logIndex(Math.min(this.offsetInProgress, after + 1));
    }
    assert(this.offset <= this.offsetInProgress, "Invariant: offset <= offsetInProgress");
  }

  /** Entries [lo, hi) that are all unstable. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi, () => `unstable slice [${lo}, ${hi}) outside [${this.offset}, ${this.offset + this.entries.length})`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
