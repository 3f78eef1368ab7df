// The data-plane simulation (issue 4, build point 3): brokers running the real partition core
// (`@replog/broker/core`) over in-memory logs, a deterministic controller model, and a producer,
// all talking over the simulated network, in one loop driven by one seed, with the data-plane
// checker after every event. The same building blocks as the Raft simulation: `EventQueue`,
// `SimNetwork` with the partition shapes, the swarm's network draw, and `Trace`.
//
// A run has two phases. Chaos: produces with acks=all and acks=1, broker crashes and restarts,
// pauses (a paused leader is the zombie of §5.7), partitions among brokers and the controller,
// lossy, slow, duplicating and reordering links. Liveness: every broker is restarted or resumed,
// the network heals and stops losing messages, and within a bound every partition must have a
// leader, its full replica set in the ISR, identical logs with the HW at the LEO everywhere, and a
// fresh acks=all write acknowledged.
//
// The producer and the controller's state are read directly by the loop (the producer refreshes
// its leader map from the controller, at most `producerMetadataMaxAgeMs` stale); the producer's
// links are never cut, so that a zombie leader keeps receiving writes.
//
// Called by tests (`data-plane*.sim.test.ts`) and `pnpm vopr --data-plane`.

import { ManualClock, NO_LEADER, SeededRandom, assert, nodeId, offset, type NodeId, type Offset } from "@replog/common";
import { describePartitionFollower, describePartitionLeader } from "@replog/broker/core";
import { DataPlaneChecker, type BrokerView } from "./data-plane-checker.js";
import { SimController } from "./data-plane-controller.js";
import { SimBroker, highWatermarkOf, type DataPlaneMark, type DataPlanePlantedBug, type Replica } from "./data-plane-broker.js";
import { describeDataPlaneMessage, describeMetadataRecord, type DataPlaneMessage } from "./data-plane-messages.js";
import { applyDataPlaneWorld, describeDataPlaneSwarm, drawDataPlaneSwarm, type DataPlaneSwarm, type DataPlaneWorld } from "./data-plane-swarm.js";
import { EventQueue } from "./event-queue.js";
import { InvariantViolation, SimulationFailure } from "./invariant-violation.js";
import { bridge, isolate, oneWay, ring, split, type DirectedLink } from "./partition-shapes.js";
import { SimNetwork } from "./sim-network.js";
import { Trace, describeTimeMs } from "./trace.js";

export interface DataPlaneSimulationOptions {
  readonly seed: number;
  /** Run the broker shell with this deliberate bug, to show that the checker catches it. */
  readonly plantedBug?: DataPlanePlantedBug;
  readonly fullTrace?: boolean;
  readonly chaosDurationMs?: number;
  /**
   * Check every truncation against the committed log (`truncated-committed`). Default true; off,
   * only the end-to-end properties (a leader lacking committed or acknowledged records) remain.
   */
  readonly truncationChecks?: boolean;
  /** Pin parts of the drawn world to a preset made for hunting one class of bug. */
  readonly world?: DataPlaneWorld;
  /** Tests may pin parts of the drawn world (after any preset). */
  readonly adjustSwarm?: (swarm: DataPlaneSwarm) => DataPlaneSwarm;
}

export interface DataPlaneSimulationStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  produced: number;
  ackedAll: number;
  ackedOne: number;
  /** Produce answers by error name (NONE excluded). */
  errors: Record<string, number>;
  elections: number;
  uncleanElections: number;
  metadataRecords: number;
  crashes: number;
  partitions: number;
  pauses: number;
  plantedBugFired: number;
  excusedAcks: number;
  /** How often each rare path was taken. */
  marks: Record<DataPlaneMark, number>;
}

export interface DataPlaneSimulationResult {
  readonly seed: number;
  readonly swarm: DataPlaneSwarm;
  readonly endMs: number;
  readonly stats: DataPlaneSimulationStats;
  readonly trace: Trace;
}

type SimEvent =
  | { readonly kind: "tick"; readonly broker: NodeId; readonly life: number }
  | { readonly kind: "controller-tick" }
  | { readonly kind: "deliver"; readonly message: DataPlaneMessage; readonly held?: boolean }
  | { readonly kind: "produce" }
  | { readonly kind: "partition" }
  | { readonly kind: "heal" }
  | { readonly kind: "crash" }
  | { readonly kind: "restart"; readonly broker: NodeId }
  | { readonly kind: "pause" }
  | { readonly kind: "resume"; readonly broker: NodeId; readonly life: number }
  | { readonly kind: "liveness" }
  | { readonly kind: "liveness-check" };

interface BrokerNode {
  readonly broker: SimBroker;
  up: boolean;
  paused: boolean;
  inbox: DataPlaneMessage[];
}

export const DATA_PLANE_CONTROLLER_ID = nodeId(100);
export const DATA_PLANE_PRODUCER_ID = nodeId(200);
const CHAOS_DURATION_MS_DEFAULT = 5_000;
/** Time for elections, unfencing and ISR expansion once healed, before any catching up. */
const LIVENESS_BASE_MS = 20_000;
const EVENTS_MAX = 5_000_000;

export function runDataPlaneSimulation(options: DataPlaneSimulationOptions): DataPlaneSimulationResult {
  return new DataPlaneSimulation(options).run();
}

class DataPlaneSimulation {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly clock = new ManualClock(0);
  private readonly trace: Trace;
  private readonly swarm: DataPlaneSwarm;
  private readonly network: SimNetwork;
  private readonly faultRandom: SeededRandom;
  private readonly workloadRandom: SeededRandom;
  private readonly controller: SimController;
  private readonly checker: DataPlaneChecker;
  private readonly nodes: BrokerNode[] = [];
  /** The checker's live views of the brokers (built once; they read the nodes). */
  private readonly views: BrokerView[] = [];
  private eventNumber = 0;
  private metadataTraced = 0;
  private phase: "chaos" | "liveness" | "done" = "chaos";
  private livenessDeadlineMs = 0;
  /** The producer's view of the leaders, refreshed from the controller. */
  private producerLeaders: NodeId[] = [];
  private producerRefreshedMs = -Infinity;
  private nextProduceId = 1;
  /** Liveness markers: per partition, the produce id sent and whether it was acknowledged. */
  private markers: { produceId: number; sentMs: number; acked: boolean }[] = [];
  private readonly stats: DataPlaneSimulationStats = {
    events: 0, messagesSent: 0, messagesDropped: 0, produced: 0, ackedAll: 0, ackedOne: 0, errors: {}, elections: 0, uncleanElections: 0,
    metadataRecords: 0, crashes: 0, partitions: 0, pauses: 0, plantedBugFired: 0, excusedAcks: 0,
    marks: {
      truncation: 0, "diverging-epoch": 0, "out-of-range": 0, "isr-shrink-proposed": 0, "isr-expand-proposed": 0, "alter-partition-resent": 0,
      "fetch-error": 0, "fetch-parked": 0, "zombie-produce": 0, "leader-epoch-bumped-in-place": 0,
      "alter-committed": 0, "alter-reverted": 0, "alter-await-metadata": 0, "alter-ignored": 0, "alter-retry": 0,
    },
  };

  constructor(private readonly options: DataPlaneSimulationOptions) {
    const root = new SeededRandom(options.seed);
    const drawn = drawDataPlaneSwarm(root.fork(), options.chaosDurationMs ?? CHAOS_DURATION_MS_DEFAULT);
    const preset = options.world === undefined ? drawn : applyDataPlaneWorld(options.world, drawn);
    this.swarm = options.adjustSwarm?.(preset) ?? preset;
    this.trace = new Trace(options.fullTrace === true);
    this.network = new SimNetwork(root.fork(), this.swarm.network);
    this.faultRandom = root.fork();
    this.workloadRandom = root.fork();
    const s = this.swarm;
    const brokerIds = Array.from({ length: s.brokers }, (_, i) => nodeId(i + 1));
    // Round-robin placement, as Kafka's rack-unaware assignment: partition p starts at broker p.
    const assignments = Array.from({ length: s.partitions }, (_, p) =>
      Array.from({ length: s.replicationFactor }, (_, r) => brokerIds[(p + r) % s.brokers]!),
    );
    this.controller = new SimController(
      { brokers: brokerIds, assignments, sessionTimeoutMs: s.sessionTimeoutMs, uncleanLeaderElection: s.uncleanLeaderElection },
      (text) => this.line(text),
    );
    this.checker = new DataPlaneChecker(s.partitions);
    for (const id of brokerIds) this.nodes.push({ broker: this.createBroker(id), up: true, paused: false, inbox: [] });
    for (const n of this.nodes) {
      this.views.push({ id: n.broker.id, get up() { return n.up; }, replicas: n.broker.replicas });
    }
  }

  private createBroker(id: NodeId): SimBroker {
    const s = this.swarm;
    const settings = {
      id, controllerId: DATA_PLANE_CONTROLLER_ID, heartbeatIntervalMs: s.heartbeatIntervalMs, replicaLagTimeMaxMs: s.replicaLagTimeMaxMs,
      minInsyncReplicas: s.minInsyncReplicas, fetchMaxWaitMs: s.fetchMaxWaitMs, fetchBackoffMs: s.fetchBackoffMs, fetchMaxRecords: s.fetchMaxRecords,
      requestTimeoutMs: s.requestTimeoutMs, hwCheckpointIntervalMs: s.hwCheckpointIntervalMs, plantedBug: this.options.plantedBug,
    };
    const env = {
      send: (m: DataPlaneMessage) => this.send(m),
      trace: (text: string) => this.line(text),
      plantedBugFired: () => this.stats.plantedBugFired++,
      mark: (what: DataPlaneMark) => this.stats.marks[what]++,
      beforeTruncate: (broker: NodeId, replica: Replica, to: Offset) => {
        if (this.options.truncationChecks !== false) this.checker.checkTruncation(broker, replica, to);
      },
    };
    return new SimBroker(settings, env, this.controller.brokerEpochOf(id)!);
  }

  run(): DataPlaneSimulationResult {
    try {
      this.begin();
      while (this.phase !== "done") this.step();
    } catch (error) {
      if (error instanceof SimulationFailure) throw error;
      const e = error instanceof Error ? error : new Error(String(error));
      this.line(`FAILED: ${e.message}`);
      throw new SimulationFailure(this.options.seed, this.eventNumber, this.clock.nowMs(), e, this.trace);
    }
    this.finishStats();
    return { seed: this.options.seed, swarm: this.swarm, endMs: this.clock.nowMs(), stats: this.stats, trace: this.trace };
  }

  private finishStats(): void {
    this.stats.events = this.eventNumber;
    this.stats.elections = this.controller.elections.length;
    this.stats.uncleanElections = this.controller.elections.filter((e) => e.unclean).length;
    this.stats.metadataRecords = this.controller.log.length;
    this.stats.excusedAcks = this.checker.excusedAcks;
  }

  private begin(): void {
    const o = this.options;
    const world = o.world === undefined ? "" : ` in the ${o.world} world`;
    this.line(`data-plane seed ${o.seed}${o.plantedBug === undefined ? "" : ` with planted bug ${o.plantedBug}`}${world}${o.truncationChecks === false ? ", truncation checks off" : ""}`);
    for (const l of describeDataPlaneSwarm(this.swarm)) this.line(l);
    this.traceMetadata();
    for (const n of this.nodes) this.scheduleFirstTick(n);
    const s = this.swarm;
    this.after(s.tickMs, { kind: "controller-tick" });
    this.after(this.expMs(s.produceGapMeanMs), { kind: "produce" });
    if (s.partitionGapMeanMs > 0) this.after(this.expMs(s.partitionGapMeanMs), { kind: "partition" });
    if (s.crashGapMeanMs > 0) this.after(this.expMs(s.crashGapMeanMs), { kind: "crash" });
    if (s.pauseGapMeanMs > 0) this.after(this.expMs(s.pauseGapMeanMs), { kind: "pause" });
    this.queue.push(s.chaosDurationMs, { kind: "liveness" });
  }

  private scheduleFirstTick(n: BrokerNode): void {
    this.after(1 + this.faultRandom.int(this.swarm.tickMs), { kind: "tick", broker: n.broker.id, life: n.broker.life });
  }

  // ---- the loop ----

  private step(): void {
    const next = this.queue.pop();
    assert(next !== undefined, "the event queue never runs dry: brokers tick until the run ends");
    this.clock.set(next.atMs);
    this.eventNumber++;
    assert(this.eventNumber < EVENTS_MAX, `more than ${EVENTS_MAX} events`);
    this.dispatch(next.event);
    this.traceMetadata();
    this.checker.checkAfterEvent(this.controller, this.views);
  }

  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case "tick": return this.onTick(e.broker, e.life);
      case "controller-tick": return this.onControllerTick();
      case "deliver": return this.deliver(e.message, e.held === true);
      case "produce": return this.onProduce();
      case "partition": return this.onPartition();
      case "heal": return this.onHeal();
      case "crash": return this.onCrash();
      case "restart": return this.onRestart(e.broker);
      case "pause": return this.onPause();
      case "resume": return this.onResume(e.broker, e.life);
      case "liveness": return this.onLiveness();
      case "liveness-check": return this.onLivenessCheck();
    }
  }

  private onTick(id: NodeId, life: number): void {
    const n = this.node(id);
    if (!n.up || n.broker.life !== life) return;
    if (!n.paused) n.broker.tick(this.clock.nowMs());
    this.after(this.swarm.tickMs, { kind: "tick", broker: id, life });
  }

  private onControllerTick(): void {
    this.controller.expireSessions(this.clock.nowMs());
    this.after(this.swarm.tickMs, { kind: "controller-tick" });
  }

  /** New metadata records go into the trace as the controller writes them. */
  private traceMetadata(): void {
    const log = this.controller.log;
    for (; this.metadataTraced < log.length; this.metadataTraced++) this.line(`controller record ${this.metadataTraced}: ${describeMetadataRecord(log[this.metadataTraced]!)}`);
  }

  // ---- network ----

  private send(m: DataPlaneMessage): void {
    this.stats.messagesSent++;
    const outcome = this.network.send(m, this.clock.nowMs());
    if (outcome.kind === "dropped") {
      this.stats.messagesDropped++;
      this.line(`send ${describeDataPlaneMessage(m)} DROPPED (${outcome.reason})`);
      return;
    }
    for (const atMs of outcome.arrivalsMs) this.queue.push(atMs, { kind: "deliver", message: m });
    this.line(`send ${describeDataPlaneMessage(m)} arrives ${outcome.arrivalsMs.map((t) => `+${t - this.clock.nowMs()}`).join(",")} ms`);
  }

  private deliver(m: DataPlaneMessage, held: boolean): void {
    if (this.senderCrashed(m)) {
      this.stats.messagesDropped++;
      this.line(`lost ${describeDataPlaneMessage(m)} (its sender crashed: connection reset)`);
      return;
    }
    if (!this.network.isLinkUp(m.from, m.to)) {
      this.stats.messagesDropped++;
      this.line(`lost ${describeDataPlaneMessage(m)} (link cut in flight)`);
      return;
    }
    if (m.to === DATA_PLANE_CONTROLLER_ID) return this.deliverToController(m);
    if (m.to === DATA_PLANE_PRODUCER_ID) return this.deliverToProducer(m);
    const n = this.node(m.to);
    if (!n.up) {
      this.stats.messagesDropped++;
      this.line(`lost ${describeDataPlaneMessage(m)} (broker down)`);
      return;
    }
    if (n.paused) {
      n.inbox.push(m);
      return;
    }
    this.line(`recv ${describeDataPlaneMessage(m)}${held ? " (held while paused)" : ""}`);
    if (m.type === "Produce" && this.isZombieLeader(n, m.partition)) this.stats.marks["zombie-produce"]++;
    n.broker.receive(m, this.clock.nowMs());
  }

  /** The broker still leads an epoch the controller has moved past (§5.7's zombie). */
  private isZombieLeader(n: BrokerNode, partition: number): boolean {
    const role = n.broker.replicas.get(partition)?.role;
    return role?.kind === "leader" && role.core.state.leaderEpoch < this.controller.partition(partition).leaderEpoch;
  }

  /**
   * A request from a broker process that has crashed since sending it never arrives: the crash
   * reset its connections. (Without this, a registration delayed past a restart would register
   * the dead incarnation again.) Answers and produce acknowledgements already sent stay valid.
   */
  private senderCrashed(m: DataPlaneMessage): boolean {
    if (m.type !== "Heartbeat" && m.type !== "Fetch" && m.type !== "AlterPartition") return false;
    const sender = this.node(m.from);
    return !sender.up || sender.broker.life !== m.life;
  }

  private deliverToController(m: DataPlaneMessage): void {
    const now = this.clock.nowMs();
    this.line(`recv ${describeDataPlaneMessage(m)}`);
    if (m.type === "Heartbeat") {
      const reply = this.controller.handleHeartbeat(m, now);
      this.send({ type: "HeartbeatResponse", from: DATA_PLANE_CONTROLLER_ID, to: m.from, life: m.life, ...reply });
      return;
    }
    assert(m.type === "AlterPartition", () => `the controller got a ${m.type}`);
    const response = this.controller.handleAlterPartition(m.from, m.brokerEpoch, m.partition, m.request);
    this.send({ type: "AlterPartitionResponse", from: DATA_PLANE_CONTROLLER_ID, to: m.from, life: m.life, partition: m.partition, request: m.request, response });
  }

  // ---- the producer ----

  private onProduce(): void {
    if (this.phase !== "chaos") return;
    const s = this.swarm;
    this.after(this.expMs(s.produceGapMeanMs), { kind: "produce" });
    const partition = this.workloadRandom.int(s.partitions);
    const acks = this.workloadRandom.next() < s.acksAllProbability ? -1 : 1;
    this.sendProduce(partition, acks, 1 + this.workloadRandom.int(3));
  }

  private sendProduce(partition: number, acks: -1 | 1, count: number): number | undefined {
    const now = this.clock.nowMs();
    if (now - this.producerRefreshedMs > this.swarm.producerMetadataMaxAgeMs) this.refreshProducerMetadata();
    const leader = this.producerLeaders[partition]!;
    if (leader === NO_LEADER) return undefined;
    const produceId = this.nextProduceId++;
    this.stats.produced++;
    this.send({ type: "Produce", from: DATA_PLANE_PRODUCER_ID, to: leader, partition, produceId, acks, count, timeoutMs: this.swarm.produceTimeoutMs });
    return produceId;
  }

  private refreshProducerMetadata(): void {
    this.producerLeaders = Array.from({ length: this.swarm.partitions }, (_, p) => this.controller.partition(p).leader);
    this.producerRefreshedMs = this.clock.nowMs();
  }

  private deliverToProducer(m: DataPlaneMessage): void {
    assert(m.type === "ProduceResponse", () => `the producer got a ${m.type}`);
    this.line(`recv ${describeDataPlaneMessage(m)}`);
    if (m.error !== "NONE") {
      this.stats.errors[m.error] = (this.stats.errors[m.error] ?? 0) + 1;
      // Kafka producers refresh metadata on NOT_LEADER_OR_FOLLOWER and friends.
      this.producerRefreshedMs = -Infinity;
      return;
    }
    if (m.acks === 1) {
      this.stats.ackedOne += m.count;
      return;
    }
    this.stats.ackedAll += m.count;
    this.checker.onAcked(m.partition, m.baseOffset, m.count, m.epoch);
    const marker = this.markers[m.partition];
    if (marker !== undefined && marker.produceId === m.produceId) marker.acked = true;
  }

  // ---- faults ----

  private onPartition(): void {
    if (this.phase !== "chaos") return;
    const shapes = this.swarm.partitionShapes;
    const shape = shapes[this.faultRandom.int(shapes.length)]!;
    // The controller takes part in partitions like any node; the producer never does.
    const all = this.shuffled([...this.nodes.map((n) => n.broker.id), DATA_PLANE_CONTROLLER_ID]);
    const leader = this.aimAtLeader();
    if (leader !== undefined) {
      all.splice(all.indexOf(leader.broker.id), 1);
      all.unshift(leader.broker.id);
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
    const candidates = this.nodes.filter((n) => n.up);
    if (candidates.length === 0) return;
    const n = this.aimAtLeader() ?? candidates[this.faultRandom.int(candidates.length)]!;
    if (!n.up) return;
    this.stats.crashes++;
    n.up = false;
    n.paused = false;
    n.inbox = [];
    n.broker.crash();
    this.line(`b${n.broker.id} crash: logs kept, HW back to its checkpoints, everything else lost`);
    this.after(this.expMs(this.swarm.crashDowntimeMeanMs), { kind: "restart", broker: n.broker.id });
  }

  private onRestart(id: NodeId): void {
    const n = this.node(id);
    if (n.up || this.phase !== "chaos") return;
    this.startBroker(n);
  }

  private startBroker(n: BrokerNode): void {
    n.up = true;
    n.broker.restart(this.clock.nowMs());
    this.line(`b${n.broker.id} restart (life ${n.broker.life})`);
    this.scheduleFirstTick(n);
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
    this.line(`b${n.broker.id} pause`);
    this.after(this.expMs(this.swarm.pauseDurationMeanMs), { kind: "resume", broker: n.broker.id, life: n.broker.life });
  }

  private onResume(id: NodeId, life: number): void {
    const n = this.node(id);
    if (!n.up || n.broker.life !== life || !n.paused || this.phase !== "chaos") return;
    this.resume(n);
  }

  private resume(n: BrokerNode): void {
    n.paused = false;
    const held = n.inbox.splice(0);
    this.line(`b${n.broker.id} resume with ${held.length} held messages`);
    for (const m of held) this.after(0, { kind: "deliver", message: m, held: true });
  }

  /** With the swarm's probability, the (up) leader of a random partition. */
  private aimAtLeader(): BrokerNode | undefined {
    if (this.faultRandom.next() >= this.swarm.leaderTargetProbability) return undefined;
    const leader = this.controller.partition(this.faultRandom.int(this.swarm.partitions)).leader;
    const n = leader === NO_LEADER ? undefined : this.node(leader);
    return n?.up === true ? n : undefined;
  }

  // ---- liveness ----

  private onLiveness(): void {
    this.phase = "liveness";
    this.network.healAll();
    const f = this.network.faults;
    this.network.setFaults({
      ...f, dropProbability: 0, duplicateProbability: 0, reorderProbability: 0,
      delayMeanMs: Math.min(f.delayMeanMs, 10), delayMaxMs: Math.max(f.delayMinMs, Math.min(f.delayMaxMs, 50)),
    });
    for (const n of this.nodes) {
      if (!n.up) this.startBroker(n);
      else if (n.paused) this.resume(n);
    }
    const boundMs = this.livenessBoundMs();
    this.livenessDeadlineMs = this.clock.nowMs() + boundMs;
    this.line(`liveness: every broker up, links healed, no loss, duplication or reordering, delays <= 50 ms; bound ${boundMs} ms`);
    this.after(this.swarm.tickMs, { kind: "liveness-check" });
  }

  /**
   * The base time, plus a worst-case round trip (two 50 ms delays and a tick) for every fetch a
   * replica that starts from nothing needs to copy the longest log at `fetchMaxRecords` per fetch.
   */
  private livenessBoundMs(): number {
    let longest = 0;
    for (const n of this.nodes) for (const replica of n.broker.replicas.values()) longest = Math.max(longest, replica.log.logEndOffset());
    const fetches = Math.ceil(longest / this.swarm.fetchMaxRecords);
    return LIVENESS_BASE_MS + fetches * (2 * 50 + this.swarm.tickMs);
  }

  private onLivenessCheck(): void {
    const now = this.clock.nowMs();
    for (let p = 0; p < this.swarm.partitions; p++) {
      const marker = this.markers[p];
      if (marker?.acked === true || (marker !== undefined && now - marker.sentMs < this.swarm.produceTimeoutMs)) continue;
      const produceId = this.sendProduce(p, -1, 1);
      if (produceId !== undefined) this.markers[p] = { produceId, sentMs: now, acked: false };
    }
    const unsettled = this.unsettledPartitions();
    if (unsettled.length === 0) {
      this.phase = "done";
      this.line("liveness: every partition led, ISR full, logs identical, HW at the LEO, a fresh acks=all write acknowledged");
      return;
    }
    if (now >= this.livenessDeadlineMs) {
      for (const line of this.describeReplicas()) this.line(line);
      throw new InvariantViolation("liveness", `not settled by ${this.livenessDeadlineMs} ms: ${unsettled.join("; ")}`);
    }
    this.after(this.swarm.tickMs, { kind: "liveness-check" });
  }

  /** Why each unsettled partition is not settled yet (empty when all are). */
  private unsettledPartitions(): string[] {
    const out: string[] = [];
    for (let p = 0; p < this.swarm.partitions; p++) {
      const r = this.controller.partition(p);
      const why = this.unsettledReason(p);
      if (why !== undefined) out.push(`p${p} (leader ${r.leader}, ISR [${r.isr.join(",")}]): ${why}`);
    }
    return out;
  }

  private unsettledReason(p: number): string | undefined {
    const r = this.controller.partition(p);
    if (r.leader === NO_LEADER) return "no leader";
    if (r.isr.length !== r.replicas.length) return "ISR not full";
    if (this.markers[p]?.acked !== true) return "marker not acknowledged";
    const leader = this.node(r.leader).broker.replicas.get(p);
    if (leader?.role.kind !== "leader" || leader.role.core.state.leaderEpoch !== r.leaderEpoch) return "leader has not taken over";
    const end = leader.log.logEndOffset();
    for (const id of r.replicas) {
      const replica = this.node(id).broker.replicas.get(p);
      if (replica === undefined || replica.log.logEndOffset() !== end || highWatermarkOf(replica) !== end) return `b${id} not at LEO/HW ${end}`;
      for (let o = replica.log.logStartOffset(); o < end; o++) {
        if (replica.log.epochAt(offset(o)) !== leader.log.epochAt(offset(o))) return `b${id} differs from the leader at ${o}`;
      }
    }
    return undefined;
  }

  /** Every replica's core state, for the trace of a liveness failure. */
  private describeReplicas(): string[] {
    const out: string[] = [];
    for (const n of this.nodes) {
      for (const replica of n.broker.replicas.values()) {
        const role = replica.role;
        const head = `b${n.broker.id} p${replica.partition} (epoch ${n.broker.brokerEpoch ?? "none"})`;
        if (role.kind === "leader") out.push(`${head} ${describePartitionLeader(role.core, replica.log).replaceAll("\n", " | ")}`);
        else if (role.kind === "follower") out.push(`${head} ${describePartitionFollower(role.core, replica.log)}`);
        else out.push(`${head} no role, LEO ${replica.log.logEndOffset()}, HW ${role.highWatermark}`);
      }
    }
    return out;
  }

  // ---- helpers ----

  private node(id: NodeId): BrokerNode {
    return this.nodes[id - 1]!;
  }

  private after(delayMs: number, e: SimEvent): void {
    this.queue.push(this.clock.nowMs() + delayMs, e);
  }

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
