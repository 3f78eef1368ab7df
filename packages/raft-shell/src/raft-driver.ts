// The Raft shell: drives one pure RawNode with real time, disk and network. Written once, as the
// core's API prescribes (etcd's loop):
//
//   ready = node.ready()
//   1. persist: snapshot, entries and hard state (fsync when ready.mustSync) — before anything
//      that depends on them leaves the process (Raft §5.2/§5.3, "persist before responding")
//   2. send ready.messages
//   3. apply ready.committedEntries to the state machine, in order
//   4. node.advance(ready)
//
// Everything runs on Node's one event loop: ticks come from a timer, inbound messages from the
// transport; each is stepped into the core and the loop above runs to completion before the next
// event, so a step is never interleaved with another.

import type { Logger, NodeId, Random } from "@replog/common";
import { RawNode, type Entry, type Message, type ProposeResult, type Ready, type Snapshot, type SoftState, type Status } from "@replog/raft";
import type { DurableRaftLog } from "./durable-raft-log.js";

export interface StateMachine {
  /** Committed entries, in log order, each exactly once per process lifetime. */
  applyCommitted(entries: readonly Entry[]): void;
  /** A snapshot replaced the log prefix: rebuild state from it. */
  restoreSnapshot(snapshot: Snapshot): void;
  /** Leadership or role changed (for the active-controller switch and logs). */
  onSoftState?(state: SoftState): void;
}

export interface Outbox {
  send(message: Message): void;
}

export interface RaftDriverOptions {
  readonly nodeId: NodeId;
  readonly voters: readonly NodeId[];
  readonly role: "voter" | "observer";
  readonly log: DurableRaftLog;
  readonly outbox: Outbox;
  readonly stateMachine: StateMachine;
  readonly random: Random;
  readonly logger: Logger;
  /** Handed to the core, which adds its own component binding. */
  readonly coreLogger?: Logger;
  readonly tickMs: number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
}

/** Maps Kafka's millisecond timeouts onto ticks (the core counts ticks, the shell owns time). */
export function ticksFor(electionTimeoutMs: number): { tickMs: number; electionTick: number; heartbeatTick: number } {
  const tickMs = Math.max(5, Math.min(100, Math.floor(electionTimeoutMs / 10)));
  const electionTick = Math.max(2, Math.round(electionTimeoutMs / tickMs));
  const heartbeatTick = Math.max(1, Math.floor(electionTick / 5));
  return { tickMs, electionTick, heartbeatTick };
}

export class RaftDriver {
  readonly node: RawNode;
  private timer: NodeJS.Timeout | undefined;
  private processing = false;
  private stopped = false;
  private softState: SoftState | undefined;

  constructor(private readonly o: RaftDriverOptions) {
    this.node = new RawNode(
      {
        id: o.nodeId,
        voters: o.voters,
        role: o.role,
        electionTick: o.electionTick,
        heartbeatTick: o.heartbeatTick,
        random: o.random,
        preVote: true,
        checkQuorum: true,
        logger: o.coreLogger ?? o.logger,
      },
      o.log,
    );
  }

  /** Restores the state machine from the latest snapshot, then starts ticking. */
  start(): void {
    const snapshot = this.o.log.snapshot();
    if (snapshot.meta.index > 0) this.o.stateMachine.restoreSnapshot(snapshot);
    this.timer = setInterval(() => {
      this.node.tick();
      this.process();
    }, this.o.tickMs);
    this.process();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  step(message: Message): void {
    if (this.stopped) return;
    this.node.step(message);
    this.process();
  }

  /**
   * Proposes an entry. The shell loop runs on the next microtask, not inside this call, so the
   * caller can register interest in the returned index before the entry can commit (a one-voter
   * quorum commits in the very Ready that persists it).
   */
  propose(data: Uint8Array): ProposeResult {
    const result = this.node.propose(data);
    this.scheduleProcess();
    return result;
  }

  private processScheduled = false;
  private scheduleProcess(): void {
    if (this.processScheduled) return;
    this.processScheduled = true;
    queueMicrotask(() => {
      this.processScheduled = false;
      this.process();
    });
  }

  transferLeadership(to: NodeId): void {
    this.node.transferLeadership(to);
    this.process();
  }

  status(): Status {
    return this.node.status();
  }

  /** Runs the shell loop until the core has nothing more to hand out. Re-entrant calls return. */
  process(): void {
    if (this.processing || this.stopped) return;
    this.processing = true;
    try {
      while (this.node.hasReady()) {
        const ready = this.node.ready();
        this.persist(ready);
        for (const m of ready.messages) this.o.outbox.send(m);
        if (ready.committedEntries.length > 0) this.o.stateMachine.applyCommitted(ready.committedEntries);
        if (ready.softState) this.noteSoftState(ready.softState);
        this.node.advance(ready);
      }
    } finally {
      this.processing = false;
    }
  }

  private persist(ready: Ready): void {
    if (ready.snapshot) {
      this.o.log.applySnapshot(ready.snapshot);
      this.o.stateMachine.restoreSnapshot(ready.snapshot);
    }
    if (ready.entries.length > 0) this.o.log.append(ready.entries);
    if (ready.hardState) this.o.log.setHardState(ready.hardState);
    if (ready.mustSync) this.o.log.sync();
  }

  private noteSoftState(s: SoftState): void {
    const before = this.softState;
    this.softState = s;
    if (before?.leader !== s.leader || before?.role !== s.role) {
      this.o.logger.info({ leader: s.leader, role: s.role, term: this.node.status().term }, s.leader === null ? "no Raft leader known" : `Raft leader is ${s.leader}`);
    }
    this.o.stateMachine.onSoftState?.(s);
  }
}
