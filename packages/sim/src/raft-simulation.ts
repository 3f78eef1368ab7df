// The Raft simulation: a whole cluster of real `RawNode`s in one deterministic loop, driven by a
// single seed (TigerBeetle's VOPR, Kafka's RaftEventSimulationTest). The seed draws the world (a
// swarm of fault kinds and intensities, see `swarm.ts`), then every tick, delivery, proposal and
// fault is an event popped from one queue in virtual time. After every event the checker runs.
//
// A run has two phases. Chaos: faults come and go at random. Liveness: a random majority of
// voters (the core) is restarted, resumed and healed, the network stops losing messages, nodes
// outside the core stay as they are (crashed or paused for good), and within a bound the core
// must elect a leader, commit a fresh entry and converge on one commit index.
//
// Called by tests (`*.sim.test.ts`) and the `vopr` CLI. Throws `SimulationFailure` on violation.

import { ManualClock, SeededRandom, assert, nodeId, type NodeId } from "@replog/common";
import type { Message } from "@replog/raft";
import { EventQueue } from "./event-queue.js";
import { InvariantViolation, SimulationFailure } from "./invariant-violation.js";
import { bridge, isolate, oneWay, ring, split, type DirectedLink } from "./partition-shapes.js";
import { RaftChecker, type NodeView } from "./raft-checker.js";
import { SimNetwork } from "./sim-network.js";
import { SimNode, type CoverageMark } from "./sim-node.js";
import { applyWorldPreset, describeSwarm, drawSwarm, type RaftSwarm, type WorldPreset } from "./swarm.js";
import { Trace, describeTimeMs } from "./trace.js";
import { describeMessage } from "./describe-message.js";
import { traceLogger } from "./trace-logger.js";

export type PlantedBug = "countVotesFromOlderTerms" | "commitPreviousTermByCounting";
export const plantedBugs: readonly PlantedBug[] = ["countVotesFromOlderTerms", "commitPreviousTermByCounting"];

export interface RaftSimulationOptions {
  readonly seed: number;
  /** Run a core with this deliberate bug, to show that the checker catches it. */
  readonly plantedBug?: PlantedBug;
  /** Keep every trace line (replay); otherwise only the tail, for failure reports. */
  readonly fullTrace?: boolean;
  /** Length of the chaos phase in virtual ms. */
  readonly chaosDurationMs?: number;
  /**
   * Check the two rules that say how an outcome was reached (election-quorum, leader-commit-rule)
   * besides the end-to-end properties. Default true.
   */
  readonly ruleChecks?: boolean;
  /** Pin parts of the drawn world to a preset made for hunting one class of bug. */
  readonly world?: WorldPreset;
  /** Tests may pin parts of the drawn world (after any preset). */
  readonly adjustSwarm?: (swarm: RaftSwarm) => RaftSwarm;
}

export interface RaftSimulationStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  proposals: number;
  highestCommitted: number;
  highestTerm: number;
  crashes: number;
  partitions: number;
  pauses: number;
  /** How often each rare path was taken. */
  marks: Record<CoverageMark, number>;
}

export interface RaftSimulationResult {
  readonly seed: number;
  readonly swarm: RaftSwarm;
  readonly endMs: number;
  readonly stats: RaftSimulationStats;
  readonly trace: Trace;
}

type SimEvent =
  | { readonly kind: "tick"; readonly node: NodeId; readonly life: number }
  /** `held`: the message waited in a paused node's socket buffer. */
  | { readonly kind: "deliver"; readonly message: Message; readonly held?: boolean }
  | { readonly kind: "propose" }
  | { readonly kind: "partition" }
  | { readonly kind: "heal" }
  | { readonly kind: "crash" }
  | { readonly kind: "crash-deadline"; readonly node: NodeId; readonly life: number }
  | { readonly kind: "restart"; readonly node: NodeId }
  | { readonly kind: "pause" }
  | { readonly kind: "resume"; readonly node: NodeId; readonly life: number }
  | { readonly kind: "liveness" }
  | { readonly kind: "liveness-check" };

const CHAOS_DURATION_MS_DEFAULT = 10_000;
/** Bound on events per run: a run past it is stuck in a loop of its own making. */
const EVENTS_MAX = 5_000_000;

export function runRaftSimulation(options: RaftSimulationOptions): RaftSimulationResult {
  return new RaftSimulation(options).run();
}

class RaftSimulation {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly clock = new ManualClock(0);
  private readonly trace: Trace;
  private readonly swarm: RaftSwarm;
  private readonly network: SimNetwork;
  private readonly checker: RaftChecker;
  private readonly nodes: SimNode[] = [];
  private readonly voterIds: NodeId[];
  private readonly faultRandom: SeededRandom;
  private readonly workloadRandom: SeededRandom;
  private eventNumber = 0;
  private phase: "chaos" | "liveness" | "done" = "chaos";
  private core: NodeId[] = [];
  private livenessDeadlineMs = 0;
  private marker: { index: number; term: number; data: Uint8Array } | null = null;
  private readonly stats: RaftSimulationStats = {
    events: 0, messagesSent: 0, messagesDropped: 0, proposals: 0, highestCommitted: 0, highestTerm: 0, crashes: 0, partitions: 0, pauses: 0,
    marks: { "own-snapshot": 0, "snapshot-received": 0, "crash-mid-write": 0, "torn-write": 0, truncation: 0, restart: 0 },
  };

  constructor(private readonly options: RaftSimulationOptions) {
    const root = new SeededRandom(options.seed);
    const drawn = drawSwarm(root.fork(), options.chaosDurationMs ?? CHAOS_DURATION_MS_DEFAULT);
    const preset = options.world === undefined ? drawn : applyWorldPreset(options.world, drawn);
    this.swarm = options.adjustSwarm?.(preset) ?? preset;
    this.trace = new Trace(options.fullTrace === true);
    this.network = new SimNetwork(root.fork(), this.swarm.network);
    this.faultRandom = root.fork();
    this.workloadRandom = root.fork();
    const diskRandom = root.fork();
    this.voterIds = Array.from({ length: this.swarm.voters }, (_, i) => nodeId(i + 1));
    this.checker = new RaftChecker(this.voterIds, options.ruleChecks ?? true);
    const total = this.swarm.voters + this.swarm.observers;
    for (let i = 0; i < total; i++) this.nodes.push(this.createNode(nodeId(i + 1), i >= this.swarm.voters, root.fork(), diskRandom));
  }

  run(): RaftSimulationResult {
    try {
      this.begin();
      while (this.phase !== "done") this.step();
    } catch (error) {
      if (error instanceof SimulationFailure) throw error;
      const e = error instanceof Error ? error : new Error(String(error));
      this.line(`FAILED: ${e.message}`);
      throw new SimulationFailure(this.options.seed, this.eventNumber, this.clock.nowMs(), e, this.trace);
    }
    this.stats.events = this.eventNumber;
    this.stats.highestCommitted = this.checker.highestCommitted;
    return { seed: this.options.seed, swarm: this.swarm, endMs: this.clock.nowMs(), stats: this.stats, trace: this.trace };
  }

  // ---- setup ----

  private createNode(id: NodeId, observer: boolean, random: SeededRandom, diskRandom: SeededRandom): SimNode {
    const s = this.swarm;
    const bug = this.options.plantedBug;
    const raft = {
      electionTick: s.electionTick, heartbeatTick: s.heartbeatTick, preVote: s.preVote, checkQuorum: s.checkQuorum,
      maxEntriesPerMsg: s.maxEntriesPerMsg, maxInflightMsgs: s.maxInflightMsgs,
      ...(bug === undefined ? {} : { plantedBugs: { [bug]: true } }),
      logger: traceLogger((text) => this.line(`n${id} core ${text}`)),
    };
    const settings = {
      id, voters: this.voterIds, observer, raft,
      snapshotEveryEntries: s.snapshotEveryEntries, compactionRetainEntries: s.compactionRetainEntries, tornWriteProbability: s.tornWriteProbability,
    };
    return new SimNode(settings, random, {
      checker: this.checker,
      random: diskRandom,
      trace: (node, text) => this.line(`n${node} ${text}`),
      send: (m) => this.send(m),
      onDown: (node) => this.onNodeDown(node),
      mark: (what) => this.stats.marks[what]++,
    });
  }

  private begin(): void {
    const o = this.options;
    const bug = o.plantedBug === undefined ? "" : ` with planted bug ${o.plantedBug}`;
    const world = o.world === undefined ? "" : ` in the ${o.world} world`;
    this.line(`seed ${o.seed}${bug}${world}${o.ruleChecks === false ? ", rule checks off" : ""}`);
    for (const l of describeSwarm(this.swarm)) this.line(l);
    for (const n of this.nodes) this.startNode(n);
    this.afterEvent();
    const s = this.swarm;
    this.at(this.expMs(s.proposalGapMeanMs), { kind: "propose" });
    if (s.partitionGapMeanMs > 0) this.at(this.expMs(s.partitionGapMeanMs), { kind: "partition" });
    if (s.crashGapMeanMs > 0) this.at(this.expMs(s.crashGapMeanMs), { kind: "crash" });
    if (s.pauseGapMeanMs > 0) this.at(this.expMs(s.pauseGapMeanMs), { kind: "pause" });
    this.queue.push(s.chaosDurationMs, { kind: "liveness" });
  }

  private startNode(n: SimNode): void {
    n.start();
    // The first tick lands at a random point of the first interval, so nodes do not tick in step.
    this.after(1 + this.faultRandom.int(this.tickIntervalMs(n.id)), { kind: "tick", node: n.id, life: n.lifeNumber });
  }

  // ---- the loop ----

  private step(): void {
    const next = this.queue.pop();
    assert(next !== undefined, "the event queue never runs dry: nodes tick until the run ends");
    this.clock.set(next.atMs);
    this.eventNumber++;
    assert(this.eventNumber < EVENTS_MAX, `more than ${EVENTS_MAX} events`);
    this.dispatch(next.event);
    this.afterEvent();
  }

  private afterEvent(): void {
    const views: NodeView[] = this.nodes.map((n) => {
      if (!n.up) return { id: n.id, voter: n.voter, disk: n.disk };
      const s = n.status();
      if (s.term > this.stats.highestTerm) this.stats.highestTerm = s.term;
      return { id: n.id, voter: n.voter, disk: n.disk, status: { role: s.role, term: s.term, leader: s.leader, commit: s.commit, lastIndex: s.lastIndex } };
    });
    this.checker.checkAfterEvent(views);
  }

  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case "tick": return this.onTick(e.node, e.life);
      case "deliver": return this.deliver(e.message, e.held === true);
      case "propose": return this.onPropose();
      case "partition": return this.onPartition();
      case "heal": return this.onHeal();
      case "crash": return this.onCrash();
      case "crash-deadline": return this.onCrashDeadline(e.node, e.life);
      case "restart": return this.onRestart(e.node);
      case "pause": return this.onPause();
      case "resume": return this.onResume(e.node, e.life);
      case "liveness": return this.onLiveness();
      case "liveness-check": return this.onLivenessCheck();
    }
  }

  private onTick(id: NodeId, life: number): void {
    const n = this.node(id);
    if (!n.up || n.lifeNumber !== life) return;
    // A paused process does not run its timers; the chain of ticks goes on so it resumes on time.
    if (!n.paused) n.tick();
    if (n.up && n.lifeNumber === life) this.after(this.tickIntervalMs(id), { kind: "tick", node: id, life });
  }

  private send(m: Message): void {
    this.stats.messagesSent++;
    const outcome = this.network.send(m, this.clock.nowMs());
    if (outcome.kind === "dropped") {
      this.stats.messagesDropped++;
      this.line(`n${m.from} send ${describeMessage(m)} DROPPED (${outcome.reason})`);
      return;
    }
    const frozen = Object.freeze(m);
    for (const atMs of outcome.arrivalsMs) this.queue.push(atMs, { kind: "deliver", message: frozen });
    const arrivals = outcome.arrivalsMs.map((t) => `+${t - this.clock.nowMs()}`).join(",");
    this.line(`n${m.from} send ${describeMessage(m)} arrives ${arrivals} ms`);
  }

  private deliver(m: Message, fromInbox: boolean): void {
    const n = this.node(m.to);
    const why = !n.up ? "node down" : !this.network.isLinkUp(m.from, m.to) ? "link cut in flight" : null;
    if (why !== null) {
      this.stats.messagesDropped++;
      this.line(`n${m.to} lost ${describeMessage(m)} (${why})`);
      return;
    }
    if (n.paused) {
      n.pausedInbox.push(m);
      return;
    }
    this.line(`n${m.to} recv ${describeMessage(m)}${fromInbox ? " (held while paused)" : ""}`);
    n.step(m);
  }

  // ---- workload ----

  private onPropose(): void {
    if (this.phase !== "chaos") return;
    this.after(this.expMs(this.swarm.proposalGapMeanMs), { kind: "propose" });
    const leaders = this.nodes.filter((n) => n.up && !n.paused && n.role === "leader");
    // Now and then propose to a random node, so the not-leader path runs too.
    const pool = leaders.length > 0 && this.workloadRandom.next() < 0.9 ? leaders : this.nodes.filter((n) => n.up && !n.paused);
    if (pool.length === 0) return;
    const target = pool[this.workloadRandom.int(pool.length)]!;
    this.stats.proposals++;
    const data = new TextEncoder().encode(`v${this.stats.proposals}`);
    const result = target.propose(data);
    this.line(`n${target.id} propose v${this.stats.proposals}: ${result.ok ? `ok at ${result.index}/t${result.term}` : `refused (${result.reason}, leader ${result.leader ?? "-"})`}`);
  }

  // ---- faults ----

  private onPartition(): void {
    if (this.phase !== "chaos") return;
    const shapes = this.swarm.partitionShapes;
    const shape = shapes[this.faultRandom.int(shapes.length)]!;
    // The first node of the order is the one isolated, the bridge, the one-way sender, or on the
    // first side of a split; aiming at the leader puts it there.
    const all = this.shuffled(this.nodes.map((n) => n.id));
    const leader = this.aimAtLeader();
    if (leader !== undefined) {
      all.splice(all.indexOf(leader.id), 1);
      all.unshift(leader.id);
    }
    let links: DirectedLink[];
    switch (shape) {
      case "isolate": links = isolate(all[0]!, all); break;
      case "split": links = split(all.slice(0, 1 + this.faultRandom.int(all.length - 1)), all); break;
      case "bridge": links = bridge(all[0]!, all); break;
      case "ring": links = ring(all); break;
      case "one-way": links = all.slice(1, 2 + this.faultRandom.int(all.length - 1)).flatMap((to) => oneWay(all[0]!, to)); break;
    }
    for (const l of links) this.network.cut(l.from, l.to);
    this.stats.partitions++;
    this.line(`partition ${shape}: cut ${this.network.describeCuts()}`);
    this.after(this.expMs(this.swarm.partitionDurationMeanMs), { kind: "heal" });
  }

  private onHeal(): void {
    if (this.phase !== "chaos") return;
    this.network.healAll();
    this.line("heal: every link up");
    this.after(this.expMs(this.swarm.partitionGapMeanMs), { kind: "partition" });
  }

  private onCrash(): void {
    if (this.phase !== "chaos") return;
    this.after(this.expMs(this.swarm.crashGapMeanMs), { kind: "crash" });
    const candidates = this.nodes.filter((n) => n.up && !n.crashArmed);
    if (candidates.length === 0) return;
    const n = this.aimAtLeader() ?? candidates[this.faultRandom.int(candidates.length)]!;
    if (n.crashArmed) return;
    this.stats.crashes++;
    if (this.faultRandom.next() < this.swarm.crashMidWriteProbability) {
      // The crash strikes during the node's next fsync; if it writes nothing for a while, plainly.
      n.crashArmed = true;
      this.line(`n${n.id} crash armed: the next fsync will not complete`);
      this.after(this.swarm.electionTick * this.swarm.tickMs, { kind: "crash-deadline", node: n.id, life: n.lifeNumber });
      return;
    }
    n.crash();
  }

  private onCrashDeadline(id: NodeId, life: number): void {
    const n = this.node(id);
    if (n.up && n.lifeNumber === life && n.crashArmed) n.crash();
  }

  private onNodeDown(id: NodeId): void {
    if (this.phase === "chaos") this.after(this.expMs(this.swarm.crashDowntimeMeanMs), { kind: "restart", node: id });
  }

  private onRestart(id: NodeId): void {
    const n = this.node(id);
    // In the liveness phase, failures outside the core are permanent (TigerBeetle's VOPR).
    if (n.up || this.phase !== "chaos") return;
    this.startNode(n);
  }

  private onPause(): void {
    if (this.phase !== "chaos") return;
    this.after(this.expMs(this.swarm.pauseGapMeanMs), { kind: "pause" });
    const candidates = this.nodes.filter((n) => n.up && !n.paused);
    if (candidates.length === 0) return;
    const leader = this.aimAtLeader();
    const n = leader !== undefined && !leader.paused ? leader : candidates[this.faultRandom.int(candidates.length)]!;
    n.paused = true;
    this.stats.pauses++;
    this.line(`n${n.id} pause`);
    this.after(this.expMs(this.swarm.pauseDurationMeanMs), { kind: "resume", node: n.id, life: n.lifeNumber });
  }

  private onResume(id: NodeId, life: number): void {
    const n = this.node(id);
    if (!n.up || n.lifeNumber !== life || !n.paused || this.phase !== "chaos") return;
    this.resume(n);
  }

  private resume(n: SimNode): void {
    n.paused = false;
    const held = n.pausedInbox.splice(0);
    this.line(`n${n.id} resume with ${held.length} held messages`);
    // Each held message is its own event (in arrival order), so the checks run after each step:
    // a node that votes in one term and moves to the next while draining must be seen doing both.
    for (const m of held) this.after(0, { kind: "deliver", message: m, held: true });
  }

  /** With the swarm's probability, the current leader (if any) as a fault's target. */
  private aimAtLeader(): SimNode | undefined {
    if (this.faultRandom.next() >= this.swarm.leaderTargetProbability) return undefined;
    return this.nodes.find((n) => n.up && n.role === "leader");
  }

  // ---- liveness ----

  private onLiveness(): void {
    this.phase = "liveness";
    this.core = this.shuffled(this.voterIds).slice(0, Math.floor(this.voterIds.length / 2) + 1).sort((a, b) => a - b);
    this.network.healAll();
    const f = this.network.faults;
    this.network.setFaults({
      ...f, dropProbability: 0, duplicateProbability: 0, reorderProbability: 0,
      delayMeanMs: Math.min(f.delayMeanMs, 10), delayMaxMs: Math.max(f.delayMinMs, Math.min(f.delayMaxMs, 50)),
    });
    for (const n of this.nodes) {
      n.crashArmed = false;
      if (!this.core.includes(n.id)) continue;
      if (!n.up) this.startNode(n);
      else if (n.paused) this.resume(n);
    }
    const boundMs = this.livenessBoundMs();
    this.livenessDeadlineMs = this.clock.nowMs() + boundMs;
    this.line(`liveness: core ${this.core.join(",")}; links healed, no loss, duplication or reordering, delays <= 50 ms; failures outside the core are permanent; bound ${boundMs} ms`);
    this.after(this.swarm.tickMs, { kind: "liveness-check" });
  }

  /**
   * How long the core may take: 20 of the longest election timeouts (2 * electionTick ticks of the
   * slowest node), plus two worst-case round trips for every window of entries the most lagging
   * node may have to fetch (one window is maxEntriesPerMsg * maxInflightMsgs entries, or
   * maxEntriesPerMsg when observers fetch), at the liveness phase's delays.
   */
  private livenessBoundMs(): number {
    const s = this.swarm;
    const electionMs = 2 * s.electionTick * Math.max(...this.nodes.map((n) => this.tickIntervalMs(n.id)));
    const lastMax = Math.max(...this.nodes.map((n) => n.disk.lastIndex()));
    const commitMin = Math.min(...this.nodes.map((n) => (n.up ? n.status().commit : 0)));
    // Observers fetch one message's worth per round trip, so that is the window when they exist.
    const window = s.maxEntriesPerMsg * (s.observers > 0 ? 1 : s.maxInflightMsgs);
    const windows = Math.ceil((lastMax - commitMin) / window);
    return 20 * electionMs + windows * 4 * s.network.delayMaxMs;
  }

  private onLivenessCheck(): void {
    const core = this.core.map((id) => this.node(id));
    // The leader may be outside the core: a node outside it may be healthy, just not guaranteed.
    const leaders = this.nodes.filter((n) => n.up && !n.paused && n.role === "leader");
    const leader = leaders.sort((a, b) => b.status().term - a.status().term)[0];
    if (leader !== undefined) this.maybeProposeMarker(leader);
    if (this.converged(core)) {
      this.phase = "done";
      this.line(`liveness: converged at commit ${core[0]!.status().commit} with leader n${leader?.id ?? "-"}`);
      return;
    }
    if (this.clock.nowMs() >= this.livenessDeadlineMs) {
      const states = this.nodes.map((n) => {
        const where = this.core.includes(n.id) ? "core" : n.voter ? "outside" : "observer";
        if (!n.up) return `n${n.id} (${where}) down`;
        const s = n.status();
        return `n${n.id} (${where}) ${n.paused ? "paused " : ""}${n.role} t${s.term} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`;
      });
      throw new InvariantViolation("liveness", `core did not elect, commit and converge by ${this.livenessDeadlineMs} ms: ${states.join("; ")}; marker ${this.marker === null ? "not proposed" : `${this.marker.index}/t${this.marker.term}`}`);
    }
    this.after(this.swarm.tickMs, { kind: "liveness-check" });
  }

  private maybeProposeMarker(leader: SimNode): void {
    const st = leader.status();
    if (this.marker !== null && (this.markerCommitted() || this.marker.term === st.term)) return;
    const data = new TextEncoder().encode(`liveness-${this.options.seed}`);
    const result = leader.propose(data);
    if (result.ok) this.marker = { index: result.index, term: result.term, data };
    this.line(`n${leader.id} propose liveness marker: ${result.ok ? `ok at ${result.index}/t${result.term}` : `refused (${result.reason})`}`);
  }

  private markerCommitted(): boolean {
    const m = this.marker;
    if (m === null) return false;
    const e = this.checker.committedEntry(m.index);
    return e !== undefined && e.term === m.term;
  }

  /**
   * The core is up, the marker is committed, and every running node (the core, plus any node
   * outside it that happens to be up and not paused, observers included) has committed and
   * applied the same index, at or past the marker.
   */
  private converged(core: readonly SimNode[]): boolean {
    if (!this.markerCommitted() || core.some((n) => !n.up)) return false;
    const running = this.nodes.filter((n) => n.up && !n.paused);
    const commits = running.map((n) => n.status().commit);
    const applied = running.map((n) => n.status().applied);
    const c = commits[0]!;
    return c >= this.marker!.index && commits.every((x) => x === c) && applied.every((x) => x === c);
  }

  // ---- helpers ----

  private node(id: NodeId): SimNode {
    return this.nodes[id - 1]!;
  }

  private tickIntervalMs(id: NodeId): number {
    return Math.max(1, Math.round(this.swarm.tickMs * (1 + this.swarm.tickSkew[id - 1]!)));
  }

  private at(atMs: number, e: SimEvent): void {
    this.queue.push(atMs, e);
  }

  private after(delayMs: number, e: SimEvent): void {
    this.queue.push(this.clock.nowMs() + delayMs, e);
  }

  /** An exponentially distributed delay with this mean, at least 1 ms. */
  private expMs(meanMs: number): number {
    return Math.max(1, Math.round(-Math.log(1 - this.faultRandom.next()) * meanMs));
  }

  private shuffled<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.faultRandom.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  private line(text: string): void {
    this.trace.add(`${describeTimeMs(this.clock.nowMs())} #${String(this.eventNumber).padStart(6, "0")} ${text}`);
  }
}
