// Randomized schedules against a small in-test cluster (not the simulator, which lives in
// packages/sim): messages are delivered out of order, dropped and duplicated, nodes are
// partitioned, restarted from storage and compacted, and after every step we check Raft's safety
// properties (Figure 3): Election Safety, Log Matching on committed entries, State Machine
// Safety. At the end the faults stop and a leader must commit a new entry (liveness).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SeededRandom, nodeId, type NodeId } from "@replog/common";
import type { Message } from "./messages.js";
import { RawNode } from "./raw-node.js";
import { MemoryStorage } from "./storage.js";

interface SimNode {
  node: RawNode;
  storage: MemoryStorage;
}

type Action =
  | { kind: "tick"; node: number }
  | { kind: "tickAll"; times: number }
  | { kind: "deliver"; pick: number; duplicate: boolean }
  | { kind: "drop"; pick: number }
  | { kind: "deliverAll" }
  | { kind: "propose"; node: number }
  | { kind: "partition"; node: number }
  | { kind: "heal" }
  | { kind: "isolateLeader" }
  | { kind: "restart"; node: number }
  | { kind: "compact"; node: number };

const VOTERS = [1, 2, 3];
const OBSERVERS = [4];
const ALL = [...VOTERS, ...OBSERVERS];

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("tick" as const), node: fc.constantFrom(...ALL) }) },
  { weight: 25, arbitrary: fc.record({ kind: fc.constant("tickAll" as const), times: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 30, arbitrary: fc.record({ kind: fc.constant("deliver" as const), pick: fc.nat(), duplicate: fc.boolean() }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }) },
  { weight: 10, arbitrary: fc.constant({ kind: "deliverAll" as const }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("propose" as const), node: fc.constantFrom(...VOTERS) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("partition" as const), node: fc.constantFrom(...ALL) }) },
  { weight: 2, arbitrary: fc.constant({ kind: "heal" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "isolateLeader" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("restart" as const), node: fc.constantFrom(...ALL) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("compact" as const), node: fc.constantFrom(...ALL) }) },
);

class Cluster {
  readonly nodes = new Map<number, SimNode>();
  queue: Message[] = [];
  isolated: number | null = null;
  /** State Machine Safety: the entry first applied at each index, by any node. */
  readonly appliedAt = new Map<number, string>();
  /** Election Safety: the leader seen for each term. */
  readonly leaderOf = new Map<number, NodeId>();
  private readonly random: SeededRandom;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private proposals = 0;
  /** Coverage counters, to see that runs reach the interesting paths. */
  readonly seen = { leaders: 0, snapshots: 0, restarts: 0, maxCommit: 0 };

  constructor(
    seed: number,
    private readonly bugs: { countVotesFromOlderTerms?: boolean; commitPreviousTermByCounting?: boolean } = {},
  ) {
    this.random = new SeededRandom(seed);
    // Swarm testing: each seed also picks which election refinements are on.
    this.preVote = seed % 2 === 0;
    this.checkQuorum = seed % 3 !== 0;
    for (const id of ALL) {
      const storage = new MemoryStorage(VOTERS.map(nodeId));
      this.nodes.set(id, { node: this.start(id, storage), storage });
    }
  }

  private start(id: number, storage: MemoryStorage): RawNode {
    return new RawNode(
      { id: nodeId(id), voters: VOTERS.map(nodeId), role: OBSERVERS.includes(id) ? "observer" : "voter", electionTick: 10, heartbeatTick: 2, random: this.random.fork(), maxEntriesPerMsg: 3, maxInflightMsgs: 4, preVote: this.preVote, checkQuorum: this.checkQuorum, plantedBugs: this.bugs },
      storage,
    );
  }

  private linked(m: Message): boolean {
    return this.isolated === null || (m.from !== this.isolated && m.to !== this.isolated);
  }

  run(a: Action): void {
    switch (a.kind) {
      case "tick":
        this.nodes.get(a.node)!.node.tick();
        break;
      case "tickAll":
        for (let i = 0; i < a.times; i++) {
          for (const n of this.nodes.values()) n.node.tick();
          this.processAll();
        }
        break;
      case "deliver": {
        if (this.queue.length === 0) break;
        const i = a.pick % this.queue.length;
        const m = this.queue[i]!;
        if (!a.duplicate) this.queue.splice(i, 1);
        if (this.linked(m)) this.nodes.get(m.to)!.node.step(structuredClone(m));
        break;
      }
      case "deliverAll": {
        // Everything queued now, in order; what it triggers waits for later actions.
        const batch = this.queue;
        this.queue = [];
        for (const m of batch) if (this.linked(m)) this.nodes.get(m.to)!.node.step(m);
        break;
      }
      case "drop":
        if (this.queue.length > 0) this.queue.splice(a.pick % this.queue.length, 1);
        break;
      case "propose":
        this.nodes.get(a.node)!.node.propose(new TextEncoder().encode(`p${this.proposals++}`));
        break;
      case "partition":
        this.isolated = a.node;
        break;
      case "heal":
        this.isolated = null;
        break;
      case "isolateLeader": {
        const leader = [...this.nodes.entries()].find(([, n]) => n.node.status().role === "leader");
        if (leader) this.isolated = leader[0];
        break;
      }
      case "restart": {
        const n = this.nodes.get(a.node)!;
        n.node = this.start(a.node, n.storage);
        this.seen.restarts++;
        break;
      }
      case "compact": {
        const n = this.nodes.get(a.node)!;
        const applied = n.node.status().applied;
        if (applied > n.storage.snapshot().meta.index && applied <= n.storage.lastIndex()) {
          n.storage.createSnapshot(applied, new Uint8Array([applied]));
          n.storage.compact(applied);
        }
        break;
      }
    }
    this.processAll();
    this.check();
  }

  processAll(): void {
    for (const [id, n] of this.nodes) {
      while (n.node.hasReady()) {
        const rd = n.node.ready();
        if (rd.snapshot) {
          n.storage.applySnapshot(rd.snapshot);
          this.seen.snapshots++;
        }
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        this.queue.push(...rd.messages);
        for (const e of rd.committedEntries) this.recordApplied(id, e.index, `${e.term}:${new TextDecoder().decode(e.data)}`);
        n.node.advance(rd);
      }
    }
    // Bound the queue like a lossy network does.
    if (this.queue.length > 500) this.queue.splice(0, this.queue.length - 500);
  }

  private recordApplied(id: number, index: number, value: string): void {
    const seen = this.appliedAt.get(index);
    if (seen === undefined) this.appliedAt.set(index, value);
    else expect(value, `node ${id} applied a different entry at ${index}`).toBe(seen);
  }

  check(): void {
    for (const [id, n] of this.nodes) {
      const s = n.node.status();
      expect(s.commit).toBeLessThanOrEqual(s.lastIndex);
      this.seen.maxCommit = Math.max(this.seen.maxCommit, s.commit);
      if (s.role === "leader") {
        if (!this.leaderOf.has(s.term)) this.seen.leaders++;
        const prev = this.leaderOf.get(s.term);
        expect(prev === undefined || prev === s.id, `two leaders in term ${s.term}: ${prev} and ${id}`).toBe(true);
        this.leaderOf.set(s.term, s.id);
      }
      if (OBSERVERS.includes(id)) expect(s.role).toBe("observer");
    }
  }

  /** Faults off: deliver everything and tick until a leader commits one more proposal everywhere. */
  settle(): void {
    this.isolated = null;
    const target = `settle-${this.proposals}`;
    const done = () => [...this.appliedAt.values()].some((v) => v.endsWith(`:${target}`));
    // The term in which we last proposed; a new leader may have dropped that proposal, so propose again.
    let proposedIn: number | null = null;
    for (let round = 0; round < 400; round++) {
      for (const n of this.nodes.values()) n.node.tick();
      this.processAll();
      // Bounded: a cluster that keeps talking without settling is a liveness failure too.
      for (let budget = 5000; this.queue.length > 0; budget--) {
        if (budget === 0) throw new Error("messages never quiesce (livelock)");
        const m = this.queue.shift()!;
        this.nodes.get(m.to)!.node.step(m);
        this.processAll();
        this.check();
      }
      const leader = [...this.nodes.values()].map((n) => n.node.status()).find((s) => s.role === "leader");
      if (leader && !done() && leader.term !== proposedIn) {
        if (this.nodes.get(leader.id)!.node.propose(new TextEncoder().encode(target)).ok) proposedIn = leader.term;
      }
      const commits = [...this.nodes.values()].map((n) => n.node.status().commit);
      if (done() && commits.every((c) => c === commits[0])) return;
    }
    const states = [...this.nodes.values()].map((n) => {
      const s = n.node.status();
      return `${s.id}:${s.role} t${s.term} lead=${s.leader ?? "-"} commit=${s.commit} last=${s.lastIndex}`;
    });
    throw new Error(`no progress after faults stopped (liveness): ${states.join("; ")}`);
  }
}

describe("randomized schedules", () => {
  it("keep Election Safety and State Machine Safety, and make progress once faults stop", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(arbAction, { minLength: 100, maxLength: 600 }), (seed, actions) => {
        const cluster = new Cluster(seed);
        for (const a of actions) cluster.run(a);
        cluster.settle();
      }),
      { seed: 7_310_2026, numRuns: 60 },
    );
  });
});
