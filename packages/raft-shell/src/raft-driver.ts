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
  /** Optional: report peers whose stream to us closed (shut down, crashed or cut off). */
  watchPeerLoss?(listener: (peer: NodeId) => void): void;
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

/**
 * Maps Kafka's millisecond timeouts onto ticks (the core counts ticks, the shell owns time).
 *
 * Fine ticks: every timer of the core fires on a tick, so a coarse tick delays each step of a
 * failover (noticing the leader is gone, retrying a pre-vote) by up to one tick, and it draws the
 * randomized election timeout from only `electionTick` distinct values, so two followers more
 * often time out in the same tick and split the vote. About 50 ticks per election timeout, but
 * no tick shorter than 5 ms (a timer per node) or longer than 20 ms.
 */
export function ticksFor(electionTimeoutMs: number): { tickMs: number; electionTick: number; heartbeatTick: number } {
  const tickMs = Math.max(5, Math.min(20, Math.floor(electionTimeoutMs / 50)));
  const electionTick = Math.max(2, Math.round(electionTimeoutMs / tickMs));
  // Raft §5.2 wants the broadcast time well below the election timeout: heartbeat at a fifth.
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
    o.outbox.watchPeerLoss?.((peer) => this.onPeerLost(peer));
  }

  /**
   * Our leader's stream to us closed: it is going away, or it crashed (its OS resets its sockets at
   * once). Rather than wait out a whole election timeout, we forget the leader, so that
   * we grant the other followers' pre-votes at once, and start a pre-vote ourselves after a short
   * random delay (survivors draw different delays, and the core's pre-candidate tie-break settles
   * requests that cross). Pre-vote and check-quorum keep this safe: if the leader is in fact alive,
   * voters that still hear it ignore our pre-vote (their lease), and its next heartbeat makes us
   * follow it again. A silent failure (no reset) still takes the election timeout.
   */
  private onPeerLost(peer: NodeId): void {
    const s = this.node.status();
    if (this.stopped || s.role !== "follower" || s.leader !== peer) return;
    this.node.forgetLeader();
    this.process();
    const delayMs = this.o.tickMs + this.o.random.int(this.o.heartbeatTick * this.o.tickMs);
    setTimeout(() => {
      const now = this.node.status();
      if (this.stopped || now.role !== "follower" || now.leader !== null) return;
      this.o.logger.info({ lost: peer, delayMs }, "the leader's connection was reset: starting a pre-vote early");
      this.node.campaign();
      this.process();
    }, delayMs).unref();
  }

  /** Restores the state machine from the latest snapshot, then starts ticking. */
  start(): void {
    const snapshot = this.o.log.snapshot();
    if (snapshot.meta.index > 0) this.o.stateMachine.restoreSnapshot(snapshot);
    this.nextTickAtMs = performance.now() + this.o.tickMs;
    this.timer = setInterval(() => this.onTimer(), this.o.tickMs);
    this.process();
  }

  private nextTickAtMs = 0;

  /**
   * Ticks by the clock, not by timer callbacks: a busy event loop runs a timer late and Node then
   * skips the callbacks it missed, which would stretch every timeout of the core (a follower that
   * lost ticks to a busy loop ignores a pre-vote it should grant, being still "in lease" by its
   * own count). So each callback runs the ticks that fell due since the last one. At most one
   * election timeout's worth at once: after a longer stall (SIGSTOP) the rest is dropped.
   */
  private onTimer(): void {
    const now = performance.now();
    let due = 0;
    while (this.nextTickAtMs <= now && due < this.o.electionTick) {
      due++;
      this.nextTickAtMs += this.o.tickMs;
    }
    if (this.nextTickAtMs <= now) this.nextTickAtMs = now + this.o.tickMs;
    for (let i = 0; i < due && !this.stopped; i++) this.node.tick();
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
