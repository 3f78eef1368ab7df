// The controller role of a `replog server` process: one voter of the Raft quorum that owns the
// cluster metadata (KRaft). Wires the pure Raft core to disk (DurableRaftLog), network
// (GrpcRaftTransport) and time (RaftDriver), replays committed records into the metadata image,
// and, while it is the active controller, writes a no-op record every
// `metadata.max.idle.interval.ms` so that followers and observers see the log advance.
//
// Active controller (Kafka §6.13): the Raft leader becomes active only after it has applied every
// entry up to the start of its own term (the leader's noop), so it never acts on a partial view.

import * as grpc from "@grpc/grpc-js";
import type { Registry } from "prom-client";
import { Counter, Gauge, Histogram } from "prom-client";
import { staticTopicDefaults, type Logger, type NodeId, type ResolvedServerConfig } from "@replog/common";
import { systemClock, systemRandom } from "@replog/common/node";
import { CHANNEL_OPTIONS, addHealthService, controllerServiceDefinition, kafkaError, type DescribeQuorumResponseWire, type ReplicaStateWire } from "@replog/protocol";
import { DurableRaftLog, GrpcRaftTransport, MetadataStateMachine, RaftDriver, ticksFor, type Message, type SoftState } from "@replog/raft-shell";
import { controllerApiHandlers } from "./controller-api.js";
import { QuorumController } from "./quorum-controller.js";
import { QuorumTracker } from "./quorum-tracker.js";

/** Lets in-flight calls finish for a moment, then cuts the long-lived peer streams. */
export function shutdownServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface ControllerContext {
  readonly resolved: ResolvedServerConfig;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface RoleHealth {
  readonly role: "controller";
  readonly ready: boolean;
  readonly status: string;
  readonly details?: Record<string, unknown>;
}

export class ControllerRole {
  readonly log: DurableRaftLog;
  readonly metadata: MetadataStateMachine;
  readonly driver: RaftDriver;
  readonly controller: QuorumController;
  private readonly transport: GrpcRaftTransport;
  private readonly tracker = new QuorumTracker();
  private readonly server = new grpc.Server(CHANNEL_OPTIONS);
  private readonly logger: Logger;
  private readonly timers: NodeJS.Timeout[] = [];
  private epochStartIndex = Number.POSITIVE_INFINITY;
  /** When this node last saw the quorum without a leader (for the election-latency histogram). */
  private leaderlessSinceMs: number | undefined;
  private electionSeconds: Histogram | undefined;
  private wasActive = false;

  private constructor(private readonly ctx: ControllerContext) {
    const { config, voters } = ctx.resolved;
    this.logger = ctx.logger.child({ component: "controller" });
    const componentLogger = (component: string) => ctx.logger.child({ component });
    const voterIds = voters.map((v) => v.id);
    this.log = DurableRaftLog.open(config.metadataLogDir || config.logDirs[0]!, voterIds, componentLogger("metadata-log"));
    this.metadata = new MetadataStateMachine(componentLogger("metadata"));
    this.metadata.addListener({ onSoftState: (s) => this.onSoftState(s) });
    this.transport = new GrpcRaftTransport({
      selfId: config.nodeId as NodeId,
      clusterId: ctx.clusterId,
      peers: voters,
      logger: componentLogger("raft-transport"),
      onMessage: (m) => this.onMessage(m),
    });
    const ticks = ticksFor(config.controllerQuorumElectionTimeoutMs);
    this.driver = new RaftDriver({
      nodeId: config.nodeId as NodeId,
      voters: voterIds,
      role: "voter",
      log: this.log,
      outbox: this.transport,
      stateMachine: this.metadata,
      random: systemRandom,
      logger: componentLogger("raft-driver"),
      coreLogger: ctx.logger,
      ...ticks,
    });
    this.controller = new QuorumController(
      {
        clusterId: ctx.clusterId,
        brokerSessionTimeoutMs: config.brokerSessionTimeoutMs,
        defaultReplicationFactor: config.defaultReplicationFactor,
        defaultNumPartitions: config.numPartitions,
        staticTopicDefaults: staticTopicDefaults(config),
        random: systemRandom,
      },
      this.driver,
      this.metadata,
      () => this.isActive(),
      () => systemClock.nowMs(),
      componentLogger("quorum-controller"),
    );
  }

  static async start(ctx: ControllerContext): Promise<ControllerRole> {
    const role = new ControllerRole(ctx);
    await role.listen();
    role.driver.start();
    role.schedule();
    role.registerMetrics();
    role.logger.info({ voters: ctx.resolved.voters.map((v) => v.id), lastIndex: role.log.lastIndex() }, "controller started");
    return role;
  }

  /** Active controller: Raft leader that has applied everything up to its own term's start. */
  isActive(): boolean {
    const s = this.driver.status();
    return s.role === "leader" && this.metadata.appliedIndex >= this.epochStartIndex;
  }

  health(): RoleHealth {
    const s = this.driver.status();
    const ready = s.leader !== null;
    const status = ready ? (s.leader === s.id ? `active controller (term ${s.term})` : `following leader ${s.leader} (term ${s.term})`) : `no quorum leader yet (term ${s.term})`;
    return { role: "controller", ready, status, details: { leader: s.leader, term: s.term, commit: s.commit, applied: this.metadata.appliedIndex } };
  }

  describeQuorum(): DescribeQuorumResponseWire {
    const s = this.driver.status();
    const base = { clusterId: this.ctx.clusterId, currentVoters: [], currentObservers: [], leaderId: -1, leaderEpoch: 0, highWatermark: 0, errorMessage: "", leaderEndpoint: "" };
    if (s.role !== "leader") {
      const e = kafkaError("NOT_CONTROLLER", `node ${s.id} is not the active controller`);
      const leader = this.ctx.resolved.voters.find((v) => v.id === s.leader);
      return { ...base, errorCode: e.code, errorMessage: e.message, leaderHint: s.leader ?? -1, leaderEndpoint: leader ? `${leader.host}:${leader.port}` : "" };
    }
    const now = systemClock.wallMs();
    const replica = (id: NodeId, leo: number): ReplicaStateWire => {
      const t = id === s.id ? { lastFetchMs: now, lastCaughtUpMs: now } : this.tracker.timesOf(id);
      return { nodeId: id, logEndOffset: leo, lastFetchTimestamp: t.lastFetchMs, lastCaughtUpTimestamp: t.lastCaughtUpMs };
    };
    const voters = this.ctx.resolved.voters.map((v) => replica(v.id, v.id === s.id ? s.lastIndex : (s.progress?.get(v.id)?.match ?? 0)));
    const observers = [...(s.observers ?? new Map()).entries()].map(([id, idx]) => replica(id, idx));
    return { ...base, errorCode: 0, leaderHint: s.id, leaderId: s.id, leaderEpoch: s.term, highWatermark: s.commit, currentVoters: voters, currentObservers: observers };
  }

  async stop(reason: string): Promise<void> {
    this.logger.info({ reason }, "controller stopping");
    for (const t of this.timers) clearInterval(t);
    await this.handOverLeadership();
    this.driver.stop();
    this.transport.close();
    await shutdownServer(this.server, 500);
    this.log.close();
  }

  // --- internals ------------------------------------------------------------------------------
  private async listen(): Promise<void> {
    const { listeners, config } = this.ctx.resolved;
    const names = config.controllerListenerNames.map((n) => n.toUpperCase());
    const endpoint = listeners.find((l) => names.includes(l.listener))!;
    this.transport.addToServer(this.server);
    addHealthService(this.server, (service) =>
      service === "" || service === "replog.controller.v1.Controller" ? (this.health().ready ? "SERVING" : "NOT_SERVING") : "SERVICE_UNKNOWN",
    );
    this.server.addService(controllerServiceDefinition().service, {
      DescribeQuorum: (_call: unknown, cb: grpc.sendUnaryData<DescribeQuorumResponseWire>) => cb(null, this.describeQuorum()),
      ...controllerApiHandlers(this.controller, {
        leaderEndpoint: (id) => this.controllerEndpoint(id),
        nowMs: () => systemClock.nowMs(),
        nextWriteIndex: () => this.driver.status().lastIndex + 1,
      }),
    });
    const address = `${endpoint.host === "" ? "0.0.0.0" : endpoint.host}:${endpoint.port}`;
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve())),
    );
  }

  private controllerEndpoint(id: number | null): string {
    const v = this.ctx.resolved.voters.find((x) => x.id === id);
    return v ? `${v.host}:${v.port}` : "";
  }

  private onMessage(m: Message): void {
    this.driver.step(m);
    this.tracker.noteInbound(m, this.driver.status(), systemClock.wallMs());
    this.maybeNoteActivation();
  }

  private onSoftState(s: SoftState): void {
    const now = systemClock.nowMs();
    if (s.leader === null) this.leaderlessSinceMs ??= now;
    else if (this.leaderlessSinceMs !== undefined) {
      this.electionSeconds?.observe((now - this.leaderlessSinceMs) / 1000);
      this.leaderlessSinceMs = undefined;
    }
    if (s.role === "leader") {
      // The leader's noop for this term is its last entry right after it won.
      this.epochStartIndex = this.driver.status().lastIndex;
    } else {
      this.epochStartIndex = Number.POSITIVE_INFINITY;
    }
    this.maybeNoteActivation();
  }

  private maybeNoteActivation(): void {
    const active = this.isActive();
    if (active === this.wasActive) return;
    this.wasActive = active;
    const s = this.driver.status();
    this.logger.info({ term: s.term, appliedIndex: this.metadata.appliedIndex }, active ? "became the active controller" : "no longer the active controller");
    if (active) this.controller.activate();
    else this.controller.renounce();
  }

  private schedule(): void {
    const { config } = this.ctx.resolved;
    this.timers.push(
      setInterval(() => {
        this.maybeNoteActivation();
        if (this.isActive()) this.controller.write("NoOp", (core) => core.noOp()).catch(() => {});
      }, Math.max(10, config.metadataMaxIdleIntervalMs)),
    );
    // Kafka's periodic leader tasks: move leadership back to preferred replicas
    // (auto.leader.rebalance.enable), and elect leaderless partitions of topics that allow unclean
    // election, so that enabling it dynamically takes effect (unclean.leader.election.interval.ms).
    if (config.autoLeaderRebalanceEnable) {
      this.timers.push(setInterval(() => void this.balanceLeaders(), config.leaderImbalanceCheckIntervalSeconds * 1000));
    }
    this.timers.push(
      setInterval(() => {
        if (!this.isActive()) return;
        this.controller
          .write("UncleanElections", (core) => core.replication.maybeElectUncleanLeaders())
          .then((n) => n > 0 && this.logger.warn({ partitions: n }, `unclean leader election for ${n} partition(s): out-of-sync replicas now lead, acknowledged records may be lost`))
          .catch(() => undefined);
      }, config.uncleanLeaderElectionIntervalMs),
    );
    // Kafka fences a broker whose session expired (broker.session.timeout.ms), one per event.
    this.timers.push(setInterval(() => void this.fenceStaleBrokers(), Math.max(50, Math.floor(config.brokerSessionTimeoutMs / 10))));
    this.timers.push(setInterval(() => this.maybeSnapshot(), 1_000));
  }

  private async balanceLeaders(): Promise<void> {
    for (let round = 0; round < 100 && this.isActive(); round++) {
      const r = await this.controller.write("BalanceLeaders", (core) => core.replication.maybeBalancePartitionLeaders()).catch(() => undefined);
      if (!r) return;
      if (r.elections > 0) this.logger.info({ elections: r.elections }, `preferred leader election moved ${r.elections} partition(s) back to their preferred replica`);
      if (!r.more) return;
    }
  }

  private async fenceStaleBrokers(): Promise<void> {
    if (!this.isActive()) return;
    for (let i = 0; i < 100; i++) {
      const fenced = await this.controller.write("FenceStaleBroker", (core) => core.maybeFenceOneStaleBroker(systemClock.nowMs())).catch(() => undefined);
      if (fenced === undefined) return;
      this.logger.info({ brokerId: fenced, sessionTimeoutMs: this.ctx.resolved.config.brokerSessionTimeoutMs }, `broker ${fenced} fenced: no heartbeat within broker.session.timeout.ms`);
    }
  }

  private maybeSnapshot(): void {
    const { config } = this.ctx.resolved;
    if (this.metadata.bytesSinceSnapshot < config.metadataLogMaxRecordBytesBetweenSnapshots) return;
    const applied = this.metadata.appliedIndex;
    if (applied <= this.log.snapshot().meta.index) return;
    this.log.snapshotAndCompact(applied, this.metadata.snapshotData());
    this.metadata.bytesSinceSnapshot = 0;
    this.logger.info({ index: applied, firstIndex: this.log.firstIndex() }, "wrote a metadata snapshot and compacted the log");
  }

  /** Clean shutdown of the leader: hand leadership to the most caught-up voter first (Raft thesis §3.10). */
  private async handOverLeadership(): Promise<void> {
    const s = this.driver.status();
    if (s.role !== "leader" || !s.progress) return;
    const best = [...s.progress.entries()].filter(([id]) => id !== s.id).sort((a, b) => b[1].match - a[1].match)[0];
    if (!best) return;
    this.driver.transferLeadership(best[0]);
    const deadline = Date.now() + this.ctx.resolved.config.controllerQuorumElectionTimeoutMs;
    while (Date.now() < deadline && this.driver.status().role === "leader") await new Promise((r) => setTimeout(r, 20));
    this.logger.info({ to: best[0], moved: this.driver.status().role !== "leader" }, "handed over quorum leadership");
  }

  private registerMetrics(): void {
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers: [this.ctx.registry], collect() { this.set(value()); } });
    const active = () => (this.isActive() ? 1 : 0);
    gauge("kafka_controller_kafkacontroller_activecontrollercount", "1 on the active controller, 0 elsewhere (Kafka's ActiveControllerCount).", active);
    gauge("replog_controller_active", "1 if this node is the active controller.", active);
    gauge("replog_raft_term", "Current Raft term of the metadata quorum on this node.", () => this.driver.status().term);
    gauge("replog_raft_commit_index", "Highest committed index of the metadata log known here.", () => this.driver.status().commit);
    gauge("replog_raft_last_index", "Last index of the local metadata log.", () => this.driver.status().lastIndex);
    gauge("replog_metadata_applied_index", "Last metadata log index applied to the image.", () => this.metadata.appliedIndex);
    const image = () => this.metadata.image;
    const partitions = () => image().topics.topicNames().flatMap((n) => [...image().topics.topicByName(n)!.partitions.values()]);
    // Reported by the active controller only, as Kafka does, so sums across the quorum are right.
    const ifActive = (f: () => number) => () => (this.isActive() ? f() : 0);
    gauge("kafka_controller_kafkacontroller_offlinepartitionscount", "Partitions without a leader.", ifActive(() => partitions().filter((p) => p.leader < 0).length));
    gauge("kafka_controller_kafkacontroller_globalpartitioncount", "Partitions in the cluster.", ifActive(() => partitions().length));
    gauge("kafka_controller_kafkacontroller_globaltopiccount", "Topics in the cluster.", ifActive(() => image().topics.topicNames().length));
    gauge("kafka_controller_kafkacontroller_fencedbrokercount", "Registered brokers that are fenced.", ifActive(() => [...image().cluster.brokers.values()].filter((b) => b.fenced).length));
    gauge("kafka_controller_kafkacontroller_activebrokercount", "Registered brokers that are not fenced.", ifActive(() => [...image().cluster.brokers.values()].filter((b) => !b.fenced).length));
    this.electionSeconds = new Histogram({ name: "replog_raft_election_latency_seconds", help: "From this node losing the quorum leader to knowing the next one.", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.ctx.registry] });
    const unclean = new Counter({ name: "kafka_controller_controllerstats_uncleanleaderelections_total", help: "Unclean leader elections committed while this node was the active controller.", registers: [this.ctx.registry] });
    const elections = new Counter({ name: "replog_leader_elections_total", help: "Partition leader changes committed while this node was the active controller.", labelNames: ["kind"], registers: [this.ctx.registry] });
    const applied = new Counter({ name: "replog_metadata_records_applied_total", help: "Metadata records replayed into this node's image.", registers: [this.ctx.registry] });
    this.metadata.addListener({
      onCommitted: (records) => {
        applied.inc(records.length);
        if (!this.isActive()) return;
        for (const r of records) {
          if (r.type !== "PartitionChangeRecord" || r.leader === undefined) continue;
          const kind = r.uncleanElection ? "unclean" : "clean";
          elections.inc({ kind });
          if (kind === "unclean") unclean.inc();
        }
      },
    });
  }
}
