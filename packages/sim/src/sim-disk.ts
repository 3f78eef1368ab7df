// A simulated disk holding one Raft node's durable state: hard state, log and latest snapshot.
//
// It keeps two copies. The *volatile* copy is what the node reads (the OS page cache): every
// write lands there at once. The *durable* copy is what survives a crash: writes reach it only on
// `sync()` (fsync). A crash keeps the durable copy plus, at the disk's discretion, a prefix of the
// writes issued since the last sync, the last of which may be torn (only part of an append made
// it; recovery truncates the rest by checksum, as the real log does). Hard-state and snapshot
// writes are atomic (write a temp file, fsync, rename) and never tear.
//
// The read side implements the core's `RaftStorage`; the write side mirrors `MemoryStorage`.
// Called by the simulated node shell (`sim-node.ts`) on the simulation loop.

import { assert, logIndex, term, type LogIndex, type NodeId, type Term } from "@replog/common";
import type { Entry, HardState, RaftStorage, Snapshot } from "@replog/raft";

export type WriteOp =
  | { readonly kind: "append"; readonly entries: readonly Entry[] }
  | { readonly kind: "hard-state"; readonly hardState: HardState }
  /** A snapshot received from the leader: replaces the whole log. */
  | { readonly kind: "snapshot"; readonly snapshot: Snapshot }
  /** A snapshot of the node's own state machine: the log stays until `compact`. */
  | { readonly kind: "own-snapshot"; readonly snapshot: Snapshot }
  | { readonly kind: "compact"; readonly index: LogIndex };

/** One copy of the node's state. Entries hold indexes baseIndex+1 .. baseIndex+entries.length. */
export class LogState {
  hardState: HardState;
  snapshot: Snapshot;
  /** The compaction point: entries up to here are gone; its term is kept for the log-matching check. */
  baseIndex: LogIndex;
  baseTerm: Term;
  entries: Entry[];

  constructor(voters: readonly NodeId[]) {
    this.hardState = { term: term(0), vote: null, commit: logIndex(0) };
    this.snapshot = { meta: { index: logIndex(0), term: term(0), voters }, data: new Uint8Array(0) };
    this.baseIndex = logIndex(0);
    this.baseTerm = term(0);
    this.entries = [];
  }

  clone(): LogState {
    const copy = new LogState(this.snapshot.meta.voters);
    copy.hardState = this.hardState;
    copy.snapshot = this.snapshot;
    copy.baseIndex = this.baseIndex;
    copy.baseTerm = this.baseTerm;
    copy.entries = this.entries.slice();
    return copy;
  }

  lastIndex(): LogIndex {
    return logIndex(this.baseIndex + this.entries.length);
  }

  /** The term at index i, or undefined when i is compacted away or beyond the end. */
  termAt(i: number): Term | undefined {
    if (i === this.baseIndex) return this.baseTerm;
    if (i < this.baseIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.baseIndex - 1]!.term;
  }

  entryAt(i: number): Entry | undefined {
    if (i <= this.baseIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.baseIndex - 1];
  }

  /** Applies one write; returns how many existing entries an append truncated. */
  apply(op: WriteOp): number {
    switch (op.kind) {
      case "append":
        return this.append(op.entries);
      case "hard-state":
        this.hardState = op.hardState;
        return 0;
      case "snapshot":
        this.installSnapshot(op.snapshot);
        return 0;
      case "own-snapshot":
        assert(op.snapshot.meta.index > this.snapshot.meta.index, "an own snapshot moves forward");
        assert(this.termAt(op.snapshot.meta.index) === op.snapshot.meta.term, "an own snapshot is of an entry in the log");
        this.snapshot = op.snapshot;
        return 0;
      case "compact":
        this.compact(op.index);
        return 0;
    }
  }

  private append(entries: readonly Entry[]): number {
    // Entries at or below the compaction point are committed and already covered by the snapshot.
    const fresh = entries.filter((e) => e.index > this.baseIndex);
    if (fresh.length === 0) return 0;
    const first = fresh[0]!.index;
    assert(first <= this.lastIndex() + 1, () => `append leaves a gap: first ${first}, last ${this.lastIndex()}`);
    for (let k = 1; k < fresh.length; k++) {
      assert(fresh[k]!.index === first + k, "appended entries must have consecutive indexes");
    }
    const keep = first - this.baseIndex - 1;
    const truncated = this.entries.length - keep;
    this.entries.length = keep;
    this.entries.push(...fresh);
    return truncated;
  }

  private installSnapshot(s: Snapshot): void {
    // A snapshot received from the leader replaces the whole log, as etcd's MemoryStorage does.
    this.snapshot = s;
    this.baseIndex = s.meta.index;
    this.baseTerm = s.meta.term;
    this.entries = [];
  }

  private compact(index: LogIndex): void {
    assert(index <= this.snapshot.meta.index, () => `compact to ${index} beyond the snapshot at ${this.snapshot.meta.index}`);
    if (index <= this.baseIndex) return;
    assert(index <= this.lastIndex(), () => `compact to ${index} beyond the last index ${this.lastIndex()}`);
    this.baseTerm = this.termAt(index)!;
    this.entries = this.entries.slice(index - this.baseIndex);
    this.baseIndex = index;
  }
}

/** What a crash did to the writes that were not yet synced, for the trace. */
export interface CrashReport {
  readonly unsyncedWrites: number;
  readonly keptWrites: number;
  /** Entries of a torn append that survived, or -1 when no write tore. */
  readonly tornEntriesKept: number;
}

export class SimDisk implements RaftStorage {
  private durable: LogState;
  private volatile: LogState;
  private pending: WriteOp[] = [];

  constructor(private readonly initialVoters: readonly NodeId[]) {
    this.durable = new LogState(initialVoters);
    this.volatile = new LogState(initialVoters);
  }

  // ---- read side (RaftStorage): the node reads what it wrote, synced or not ----

  initialState(): { hardState: HardState; voters: readonly NodeId[] } {
    const s = this.volatile.snapshot;
    return { hardState: this.volatile.hardState, voters: s.meta.index > 0 ? s.meta.voters : this.initialVoters };
  }

  entries(lo: LogIndex, hi: LogIndex): Entry[] {
    const v = this.volatile;
    assert(lo > v.baseIndex, () => `entries(${lo}, ${hi}): compacted up to ${v.baseIndex}`);
    assert(hi <= v.lastIndex() + 1, () => `entries(${lo}, ${hi}): last index is ${v.lastIndex()}`);
    assert(lo <= hi, () => `entries(${lo}, ${hi}): empty range reversed`);
    return v.entries.slice(lo - v.baseIndex - 1, hi - v.baseIndex - 1);
  }

  term(i: LogIndex): Term {
    const t = this.volatile.termAt(i);
    assert(t !== undefined, () => `term(${i}): outside [${this.volatile.baseIndex}, ${this.volatile.lastIndex()}]`);
    return t;
  }

  firstIndex(): LogIndex {
    return logIndex(this.volatile.baseIndex + 1);
  }

  lastIndex(): LogIndex {
    return this.volatile.lastIndex();
  }

  snapshot(): Snapshot {
    return this.volatile.snapshot;
  }

  // ---- write side (the node shell) ----

  /** Issue a write: visible to reads at once, durable only after `sync()`. Returns entries truncated. */
  write(op: WriteOp): number {
    this.pending.push(op);
    return this.volatile.apply(op);
  }

  /** fsync: every issued write becomes durable. */
  sync(): void {
    for (const op of this.pending) this.durable.apply(op);
    this.pending = [];
  }

  get unsyncedWrites(): number {
    return this.pending.length;
  }

  /** The state a crash right now would certainly keep (what the checker calls "persisted"). */
  get durableState(): Readonly<LogState> {
    return this.durable;
  }

  /** The state the node reads. */
  get volatileState(): Readonly<LogState> {
    return this.volatile;
  }

  /**
   * Power loss. The first `keptWrites` unsynced writes survive (the OS flushed them on its own);
   * if `tornEntriesKept >= 0` and the next write is an append, that many of its entries survive.
   */
  crash(keptWrites: number, tornEntriesKept: number): CrashReport {
    const unsyncedWrites = this.pending.length;
    assert(keptWrites >= 0 && keptWrites <= unsyncedWrites, "kept writes must be a prefix of the unsynced ones");
    for (const op of this.pending.slice(0, keptWrites)) this.durable.apply(op);
    const next = this.pending[keptWrites];
    let torn = -1;
    if (tornEntriesKept >= 0 && next?.kind === "append" && next.entries.length > 1) {
      torn = Math.min(tornEntriesKept, next.entries.length - 1);
      if (torn > 0) this.durable.apply({ kind: "append", entries: next.entries.slice(0, torn) });
    }
    this.pending = [];
    this.volatile = this.durable.clone();
    return { unsyncedWrites, keptWrites, tornEntriesKept: torn };
  }
}
