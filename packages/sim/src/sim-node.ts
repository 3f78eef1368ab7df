// One simulated Raft node: the real `RawNode`, its simulated disk and its state machine, driven
// by the shell loop that RAFT-API.md fixes: persist (snapshot, entries, hard state; fsync when
// the Ready says so) -> send -> apply -> advance. The simulation loop calls `tick`, `step` and
// `propose`; each drains every Ready before returning, so the cluster is quiescent between events.
//
// A crash can be *armed*: the next Ready that needs an fsync then writes its data and dies before
// the fsync returns, so only part of what it wrote may survive and none of its messages are sent.

import { assert, type NodeId, type Random, type SeededRandom } from "@replog/common";
import { RawNode, type Message, type ProposeResult, type RaftConfig, type Ready, type Role, type Status } from "@replog/raft";
import type { RaftChecker } from "./raft-checker.js";
import { SimDisk, type CrashReport } from "./sim-disk.js";
import { SimStateMachine } from "./sim-state-machine.js";
import { describeEntryRange } from "./describe-message.js";

/** What a node needs from the world around it. */
export interface NodeWorld {
  readonly checker: RaftChecker;
  /** Adds a trace line about this node. */
  trace(id: NodeId, text: string): void;
  /** Hands a message to the network. */
  send(message: Message): void;
  /** Decides what a crash keeps (the disk's discretion). */
  readonly random: Random;
  /** The node just went down (so the world can schedule its restart). */
  onDown(id: NodeId): void;
  /** Counts a rare path taken, so tests can show that a seed range reached it (TigerBeetle's marks). */
  mark(what: CoverageMark): void;
}

export type CoverageMark = "own-snapshot" | "snapshot-received" | "crash-mid-write" | "torn-write" | "truncation" | "restart";

export interface NodeSettings {
  readonly id: NodeId;
  readonly voters: readonly NodeId[];
  readonly observer: boolean;
  /** Everything of RaftConfig but identity, voters, role and randomness. */
  readonly raft: Omit<RaftConfig, "id" | "voters" | "role" | "random">;
  readonly snapshotEveryEntries: number;
  readonly compactionRetainEntries: number;
  readonly tornWriteProbability: number;
}

/** Bound on Ready rounds drained after one input: more means the core never goes quiet. */
const READY_ROUNDS_MAX = 1_000;

export class SimNode {
  readonly disk: SimDisk;
  private raw: RawNode | null = null;
  private machine = SimStateMachine.empty();
  private roleNow: Role | "down" = "down";
  /** The node's current term, kept from the Ready stream (every term change comes as a hard state). */
  private termNow = 0;
  /** Incremented on every start, so events scheduled for an earlier life can be ignored. */
  lifeNumber = 0;
  paused = false;
  crashArmed = false;
  /** Messages that arrived while paused, delivered in order on resume (the socket buffer). */
  readonly pausedInbox: Message[] = [];

  constructor(
    private readonly settings: NodeSettings,
    private readonly randomSource: SeededRandom,
    private readonly world: NodeWorld,
  ) {
    this.disk = new SimDisk(settings.voters);
  }

  get id(): NodeId {
    return this.settings.id;
  }

  get voter(): boolean {
    return !this.settings.observer;
  }

  get up(): boolean {
    return this.raw !== null;
  }

  get role(): Role | "down" {
    return this.roleNow;
  }

  status(): Status {
    assert(this.raw !== null, () => `node ${this.id} is down`);
    return this.raw.status();
  }

  /** Boot (or reboot) from whatever the disk holds. */
  start(): void {
    assert(this.raw === null, () => `node ${this.id} is already up`);
    const s = this.settings;
    const config: RaftConfig = { ...s.raft, id: s.id, voters: s.voters, role: s.observer ? "observer" : "voter", random: this.randomSource.fork() };
    this.raw = new RawNode(config, this.disk);
    this.lifeNumber++;
    this.paused = false;
    this.crashArmed = false;
    this.pausedInbox.length = 0;
    this.machine = SimStateMachine.fromSnapshot(this.disk.snapshot());
    this.world.checker.onSnapshotRestored(this.id, this.disk.snapshot());
    const st = this.raw.status();
    this.roleNow = st.role;
    this.termNow = st.term;
    this.world.checker.onStart(this.id, st.commit, st.term);
    const hs = this.disk.volatileState.hardState;
    if (this.lifeNumber > 1) this.world.mark("restart");
    this.world.trace(this.id, `start life=${this.lifeNumber} t${hs.term} vote=${hs.vote ?? "-"} commit=${hs.commit} log=${this.disk.firstIndex()}..${this.disk.lastIndex()} snapshot=${this.disk.snapshot().meta.index} applied=${this.machine.appliedIndex}`);
    this.drain();
  }

  /** Power loss now: unsynced writes may partly survive, never torn (no write is in progress). */
  crash(): CrashReport {
    assert(this.raw !== null, () => `node ${this.id} is already down`);
    const report = this.disk.crash(this.world.random.int(this.disk.unsyncedWrites + 1), -1);
    this.down(report, "crash");
    return report;
  }

  tick(): void {
    this.raw!.tick();
    this.drain();
  }

  step(message: Message): void {
    this.raw!.step(message);
    this.drain();
  }

  propose(data: Uint8Array): ProposeResult {
    const result = this.raw!.propose(data);
    this.drain();
    return result;
  }

  private down(report: CrashReport, how: string): void {
    this.raw = null;
    this.roleNow = "down";
    this.crashArmed = false;
    this.pausedInbox.length = 0;
    const torn = report.tornEntriesKept >= 0 ? `, torn append kept ${report.tornEntriesKept} entries` : "";
    this.world.trace(this.id, `${how}: kept ${report.keptWrites} of ${report.unsyncedWrites} unsynced writes${torn}; durable log ${this.disk.firstIndex()}..${this.disk.lastIndex()} t${this.disk.volatileState.hardState.term}`);
    this.world.onDown(this.id);
  }

  private drain(): void {
    for (let round = 0; this.raw !== null && this.raw.hasReady(); round++) {
      assert(round < READY_ROUNDS_MAX, () => `node ${this.id}: more than ${READY_ROUNDS_MAX} Ready rounds after one input`);
      this.handleReady(this.raw, this.raw.ready());
    }
  }

  private handleReady(raw: RawNode, ready: Ready): void {
    if (ready.hardState !== undefined) this.termNow = ready.hardState.term;
    if (ready.softState !== undefined && ready.softState.role !== this.roleNow) {
      this.world.trace(this.id, `role ${this.roleNow}->${ready.softState.role} t${this.termNow} leader=${ready.softState.leader ?? "-"}`);
      this.roleNow = ready.softState.role;
    }
    if (!this.persist(ready)) return;
    for (const m of ready.messages) this.world.send(m);
    if (ready.snapshot !== undefined) {
      this.machine = SimStateMachine.fromSnapshot(ready.snapshot);
      this.world.checker.onSnapshotRestored(this.id, ready.snapshot);
      this.world.mark("snapshot-received");
    }
    this.apply(ready);
    raw.advance(ready);
    this.maybeSnapshot();
  }

  /** Writes the Ready's durable part; false when an armed crash struck before the fsync. */
  private persist(ready: Ready): boolean {
    const parts: string[] = [];
    if (ready.snapshot !== undefined) {
      this.disk.write({ kind: "snapshot", snapshot: ready.snapshot });
      parts.push(`snapshot=${ready.snapshot.meta.term}/${ready.snapshot.meta.index}`);
    }
    if (ready.entries.length > 0) {
      const truncated = this.disk.write({ kind: "append", entries: ready.entries });
      this.world.checker.onAppend(this.id, this.disk.volatileState, ready.entries, truncated, this.roleNow);
      parts.push(describeEntryRange(ready.entries) + (truncated > 0 ? ` truncating ${truncated}` : ""));
      if (truncated > 0) this.world.mark("truncation");
    }
    if (ready.hardState !== undefined) {
      const hs = ready.hardState;
      this.disk.write({ kind: "hard-state", hardState: hs });
      parts.push(`hs=t${hs.term}/vote=${hs.vote ?? "-"}/commit=${hs.commit}`);
    }
    if (ready.mustSync && this.crashArmed) {
      const kept = this.world.random.int(this.disk.unsyncedWrites + 1);
      const torn = this.world.random.next() < this.settings.tornWriteProbability ? this.world.random.int(8) : -1;
      this.world.trace(this.id, `persist ${parts.join(" ")} (crash before fsync)`);
      const report = this.disk.crash(kept, torn);
      this.world.mark("crash-mid-write");
      if (report.tornEntriesKept >= 0) this.world.mark("torn-write");
      this.down(report, "crash mid-write");
      return false;
    }
    if (ready.mustSync) this.disk.sync();
    if (parts.length > 0) this.world.trace(this.id, `persist ${parts.join(" ")}${ready.mustSync ? " fsync" : ""}`);
    return true;
  }

  private apply(ready: Ready): void {
    const entries = ready.committedEntries;
    if (entries.length === 0) return;
    const termNow = this.termNow;
    for (const e of entries) {
      // After a snapshot the core may hand back entries the snapshot already covers.
      if (e.index <= this.machine.appliedIndex) continue;
      this.machine.apply(e);
      this.world.checker.onApply(this.id, e, termNow);
    }
    this.world.trace(this.id, `apply ${entries[0]!.index}..${entries[entries.length - 1]!.index} state=${this.machine.chain.toString(16).padStart(8, "0")}`);
  }

  /** Periodic snapshot of the state machine, then compaction of the log behind it. */
  private maybeSnapshot(): void {
    const every = this.settings.snapshotEveryEntries;
    const applied = this.machine.appliedIndex;
    if (every === 0 || applied - this.disk.snapshot().meta.index < every) return;
    const meta = { index: applied, term: this.disk.term(applied), voters: this.settings.voters };
    this.disk.write({ kind: "own-snapshot", snapshot: { meta, data: this.machine.snapshotData() } });
    const compactTo = Math.max(this.disk.volatileState.baseIndex, applied - this.settings.compactionRetainEntries);
    this.disk.write({ kind: "compact", index: compactTo as typeof applied });
    // A snapshot file is written to a temporary name, fsynced and renamed: durable at once.
    this.disk.sync();
    this.world.mark("own-snapshot");
    this.world.trace(this.id, `snapshot at ${meta.term}/${applied}, log now ${this.disk.firstIndex()}..${this.disk.lastIndex()}`);
  }
}
