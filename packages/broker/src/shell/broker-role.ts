// The broker role of a `replog server` process. Today: it follows the metadata log as a Raft
// observer, registers with the active controller and heartbeats (fenced until it has caught up with
// metadata), opens its broker listener, and on SIGTERM performs a controlled shutdown before it
// exits. Partition replicas, produce and fetch arrive with the replication work (see
// docs/status.md).

import { hostname } from "node:os";
import * as grpc from "@grpc/grpc-js";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { brokerEpoch, type Endpoint, type Logger, type NodeId, type ResolvedServerConfig } from "@replog/common";
import { systemClock } from "@replog/common/node";
import type { MetadataImage } from "@replog/metadata";
import { CHANNEL_OPTIONS, addHealthService, brokerServiceDefinitions } from "@replog/protocol";
import type { AlterPartitionRequest } from "../core/index.js";
import { BrokerLifecycle } from "./broker-lifecycle.js";
import { brokerAdminHandlers, brokerHandlers } from "./data/broker-service.js";
import { ControllerChannel } from "./data/controller-channel.js";
import type { Partition } from "./data/partition.js";
import { ProducerIdManager } from "./data/producer-id-manager.js";
import { FetcherManager } from "./data/replica-fetcher.js";
import { ReplicaManager } from "./data/replica-manager.js";
import { MetadataFollower, type MetadataSource } from "./metadata-follower.js";

export interface BrokerContext {
  readonly resolved: ResolvedServerConfig;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * Combined mode (process.roles=broker,controller): the node's controller already replays the
   * metadata log as a voter, so the broker reads that instead of observing the quorum itself.
   */
  readonly sharedMetadata?: MetadataSource;
}

export interface BrokerHealth {
  readonly role: "broker";
  readonly ready: boolean;
  readonly status: string;
  readonly details?: Record<string, unknown>;
}

export class BrokerRole {
  readonly follower: MetadataSource;
  readonly lifecycle: BrokerLifecycle;
  readonly replicas: ReplicaManager;
  private readonly fetchers: FetcherManager;
  private readonly controller: ControllerChannel;
  private readonly producerIds: ProducerIdManager;
  private bytesIn: Counter | undefined;
  private onIsrChange: ((kind: "shrink" | "expand", p: Partition) => void) | undefined;
  /** Set once this incarnation has been unfenced (caught up with metadata); never reset. */
  private caughtUp = false;
  private bytesOut: Counter | undefined;
  private recordsOut: Counter | undefined;
  private messagesIn: Counter | undefined;
  private produceSeconds: Histogram<"acks" | "stage"> | undefined;
  private fetchSeconds: Histogram<"kind"> | undefined;
  /** One gRPC server per broker listener (Kafka's PLAINTEXT, PLAINTEXT_HOST…): Metadata answers with that listener's endpoints. */
  private readonly servers: grpc.Server[] = [];
  private readonly logger: Logger;

  private constructor(private readonly ctx: BrokerContext) {
    const { config, voters, advertisedBrokerListeners } = ctx.resolved;
    const component = (name: string) => ctx.logger.child({ component: name });
    this.logger = component("broker");
    this.follower = ctx.sharedMetadata ?? new MetadataFollower({
      nodeId: config.nodeId as NodeId,
      clusterId: ctx.clusterId,
      voters,
      metadataLogDir: config.metadataLogDir || config.logDirs[0]!,
      electionTimeoutMs: config.controllerQuorumElectionTimeoutMs,
      requestTimeoutMs: config.controllerQuorumRequestTimeoutMs,
      maxRecordBytesBetweenSnapshots: config.metadataLogMaxRecordBytesBetweenSnapshots,
      logger: component,
    });
    this.lifecycle = new BrokerLifecycle({
      brokerId: config.nodeId,
      clusterId: ctx.clusterId,
      voters,
      // An unset advertised.listeners advertises the listeners; a wildcard host there becomes this
      // machine's name, as Kafka advertises its canonical host name.
      listeners: advertisedBrokerListeners.map((l) => ({ name: l.listener, host: l.host === "" || l.host === "0.0.0.0" ? hostname() : l.host, port: l.port })),
      heartbeatIntervalMs: config.brokerHeartbeatIntervalMs,
      requestTimeoutMs: config.controllerQuorumRequestTimeoutMs,
      appliedMetadataIndex: () => this.follower.appliedIndex,
      logger: component("broker-lifecycle"),
      onStateChange: (state) => {
        // Kafka's broker starts its replica manager and serves clients only once it has caught up
        // with the metadata log: before that its image (replayed from its own disk) may be stale,
        // and acting on it could make it lead, or serve, a partition it no longer leads.
        if (state === "running" && !this.caughtUp) {
          this.caughtUp = true;
          this.logger.info({ metadataIndex: this.follower.appliedIndex }, "caught up with metadata: hosting partitions and serving clients");
          void this.replicas.applyImage(this.follower.metadata.image);
        }
      },
    });
    this.controller = new ControllerChannel(voters, config.controllerQuorumRequestTimeoutMs);
    this.producerIds = new ProducerIdManager(this.controller, config.nodeId, () => BigInt(this.lifecycle.brokerEpoch));
    const epoch = () => brokerEpoch(BigInt(this.lifecycle.brokerEpoch));
    this.replicas = new ReplicaManager({
      brokerId: config.nodeId as NodeId,
      brokerEpoch: epoch,
      config,
      clock: systemClock,
      logger: component("replica-manager"),
      sendAlterPartition: (p, req) => void this.sendAlterPartition(p, req),
      onIsrChange: (kind, p) => this.onIsrChange?.(kind, p),
    });
    this.fetchers = new FetcherManager(
      {
        brokerId: config.nodeId as NodeId,
        brokerEpoch: () => BigInt(this.lifecycle.brokerEpoch),
        fetchWaitMaxMs: config.replicaFetchWaitMaxMs,
        fetchMinBytes: config.replicaFetchMinBytes,
        fetchMaxBytes: config.replicaFetchMaxBytes,
        responseMaxBytes: config.replicaFetchResponseMaxBytes,
        backoffMs: config.replicaFetchBackoffMs,
        socketTimeoutMs: config.replicaSocketTimeoutMs,
        logger: component("replica-fetcher"),
      },
      (id) => this.brokerAddress(id),
    );
    this.replicas.onPartitionsChanged = () => this.fetchers.update(this.replicas.partitions.values());
    const apply = (image: MetadataImage) => {
      if (this.caughtUp) void this.replicas.applyImage(image);
    };
    this.follower.metadata.addListener({ onCommitted: (_records, image) => apply(image), onSnapshotLoaded: (image) => apply(image) });
  }

  /** Where followers fetch from a leader: its endpoint on inter.broker.listener.name. */
  private brokerAddress(id: number): string | undefined {
    const b = this.follower.metadata.image.cluster.brokers.get(id as NodeId);
    const name = this.ctx.resolved.config.interBrokerListenerName.toUpperCase();
    const ep = b?.endpoints.find((e) => e.name === name);
    return ep ? `${ep.host}:${ep.port}` : undefined;
  }

  private async sendAlterPartition(partition: Partition, request: AlterPartitionRequest): Promise<void> {
    const wire = {
      brokerId: this.ctx.resolved.config.nodeId,
      brokerEpoch: this.lifecycle.brokerEpoch,
      topics: [
        {
          topicId: partition.topicId,
          partitions: [
            {
              partitionIndex: partition.index,
              leaderEpoch: request.leaderEpoch,
              partitionEpoch: request.partitionEpoch,
              newIsrWithEpochs: request.newIsrWithEpochs.map((m) => ({ brokerId: m.brokerId, brokerEpoch: String(m.brokerEpoch) })),
              leaderRecoveryState: request.leaderRecoveryState,
            },
          ],
        },
      ],
    };
    let response: Parameters<Partition["onAlterPartitionResponse"]>[1];
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- controller.proto AlterPartitionResponse
      const res: any = await this.controller.call("AlterPartition", wire);
      const p = res.topics?.[0]?.partitions?.[0];
      if (res.errorCode !== 0 || !p) response = { error: res.errorMessage?.split(":")[0] || "UNKNOWN_SERVER_ERROR" };
      else if (p.errorCode !== 0) response = { error: p.errorName };
      else response = { error: "NONE", leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isr, partitionEpoch: p.partitionEpoch };
    } catch (e) {
      response = { error: "REQUEST_TIMED_OUT" };
      this.logger.warn({ partition: partition.name, err: (e as Error).message }, "AlterPartition got no answer; will retry");
    }
    await partition.onAlterPartitionResponse(request, response);
  }

  static async start(ctx: BrokerContext): Promise<BrokerRole> {
    const role = new BrokerRole(ctx);
    await role.replicas.start();
    await role.listen();
    role.follower.start();
    role.lifecycle.start();
    role.registerMetrics();
    role.logger.info("broker started");
    return role;
  }

  health(): BrokerHealth {
    const s = this.lifecycle.state;
    const applied = this.follower.appliedIndex;
    const status =
      s === "running" ? `running (broker epoch ${this.lifecycle.brokerEpoch})`
      : s === "fenced" ? `registered, fenced until caught up with metadata (applied ${applied})`
      : s === "starting" ? `registering with the controller${this.lifecycle.lastError ? ` (${this.lifecycle.lastError})` : ""}`
      : s;
    return { role: "broker", ready: s === "running", status, details: { state: s, brokerEpoch: this.lifecycle.brokerEpoch, metadataApplied: applied } };
  }

  async stop(reason: string): Promise<void> {
    const { config } = this.ctx.resolved;
    if (config.controlledShutdownEnable) {
      this.logger.info({ reason, timeoutMs: config.controlledShutdownTimeoutMs }, "controlled shutdown: asking the controller to move leaderships away");
      const outcome = await this.lifecycle.controlledShutdown(config.controlledShutdownTimeoutMs);
      this.logger.info({ outcome }, outcome === "moved" ? "controlled shutdown complete" : "controlled shutdown did not complete; stopping anyway");
    }
    this.lifecycle.stop();
    this.fetchers.stop();
    await this.replicas.stop();
    this.follower.stop();
    this.controller.close();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              server.forceShutdown();
              resolve();
            }, 500);
            server.tryShutdown(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  private async listen(): Promise<void> {
    for (const endpoint of this.ctx.resolved.brokerListeners) await this.listenOn(endpoint);
  }

  private async listenOn(endpoint: Endpoint): Promise<void> {
    const { config } = this.ctx.resolved;
    const address = `${endpoint.host === "" ? "0.0.0.0" : endpoint.host}:${endpoint.port}`;
    const server = new grpc.Server(CHANNEL_OPTIONS);
    this.servers.push(server);
    addHealthService(server, (service) => (service === "" || service === "replog.broker" ? (this.health().ready ? "SERVING" : "NOT_SERVING") : "SERVICE_UNKNOWN"));
    const services = brokerServiceDefinitions();
    const serviceContext = {
      brokerId: config.nodeId,
      listenerName: endpoint.listener,
      clusterId: this.ctx.clusterId,
      replicas: this.replicas,
      image: (): MetadataImage => this.follower.metadata.image,
      metadataOffset: () => this.follower.appliedIndex,
      activeControllerId: () => this.follower.leaderId() ?? -1,
      controller: this.controller,
      producerIds: this.producerIds,
      fetchWaitMaxMs: 30_000,
      isServing: () => this.caughtUp && this.lifecycle.state !== "stopped",
      onBytesIn: (n: number, records: number) => {
        this.bytesIn?.inc(n);
        this.messagesIn?.inc(records);
      },
      onBytesOut: (n: number, records: number) => {
        this.bytesOut?.inc(n);
        this.recordsOut?.inc(records);
      },
      onProduceTimed: (acks: number, stage: string, seconds: number) => this.produceSeconds?.observe({ acks: acks === -1 ? "all" : String(acks), stage }, seconds),
      onFetchTimed: (kind: string, seconds: number) => this.fetchSeconds?.observe({ kind }, seconds),
    };
    server.addService(services.Broker.service, brokerHandlers(serviceContext));
    server.addService(services.BrokerAdmin.service, brokerAdminHandlers(serviceContext));
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve())),
    );
  }

  private registerMetrics(): void {
    const registry = this.ctx.registry;
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(value()); } });
    const leaders = () => [...this.replicas.partitions.values()].filter((p) => p.leaderCore !== undefined);
    const isr = (p: Partition) => p.leaderCore!.state.isr.length;
    const replicas = (p: Partition) => p.leaderCore!.state.replicas.length;
    const effectiveMinIsr = (p: Partition) => Math.min(p.minInsyncReplicas, replicas(p));
    gauge("replog_broker_fenced", "1 while the controller keeps this broker fenced.", () => (this.lifecycle.state === "running" ? 0 : 1));
    // In combined mode the controller role exports the same series for the shared image.
    if (!this.ctx.sharedMetadata) gauge("replog_metadata_applied_index", "Last metadata log index applied to this broker's image.", () => this.follower.appliedIndex);
    // Kafka's headline names (JMX exporter style), so existing alert rules work unchanged.
    gauge("kafka_server_replicamanager_underreplicatedpartitions", "Partitions led here whose ISR is smaller than their replica set.", () => leaders().filter((p) => isr(p) < replicas(p)).length);
    gauge("kafka_server_replicamanager_underminisrpartitioncount", "Partitions led here whose ISR is below min.insync.replicas (acks=all refused).", () => leaders().filter((p) => isr(p) < effectiveMinIsr(p)).length);
    gauge("kafka_server_replicamanager_atminisrpartitioncount", "Partitions led here whose ISR is exactly min.insync.replicas.", () => leaders().filter((p) => isr(p) === effectiveMinIsr(p)).length);
    gauge("kafka_server_replicamanager_partitioncount", "Partition replicas on this broker.", () => this.replicas.partitions.size);
    gauge("kafka_server_replicamanager_leadercount", "Partitions this broker leads.", () => leaders().length);
    this.bytesIn = new Counter({ name: "kafka_server_brokertopicmetrics_bytesin_total", help: "Record bytes accepted from producers.", registers: [registry] });
    this.messagesIn = new Counter({ name: "kafka_server_brokertopicmetrics_messagesin_total", help: "Records accepted from producers (counted from batch headers).", registers: [registry] });
    this.bytesOut = new Counter({ name: "kafka_server_brokertopicmetrics_bytesout_total", help: "Record bytes served to consumers.", registers: [registry] });
    this.recordsOut = new Counter({ name: "replog_broker_records_out_total", help: "Records served to consumers (counted from batch headers; Kafka has no such meter).", registers: [registry] });
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    this.produceSeconds = new Histogram({ name: "replog_produce_latency_seconds", help: "Produce request latency by acks and stage: local_append, replica_wait (acks=all purgatory), total.", labelNames: ["acks", "stage"], buckets, registers: [registry] });
    this.fetchSeconds = new Histogram({ name: "replog_fetch_latency_seconds", help: "Fetch request latency (including the long-poll wait), consumers and followers.", labelNames: ["kind"], buckets, registers: [registry] });
    const lagLabels = ["topic", "partition", "follower"] as const;
    const followerLag = (name: string, help: string, value: (leo: number, f: { logEndOffset: number; lastCaughtUpTimeMs: number }, now: number) => number) =>
      new Gauge({
        name,
        help,
        labelNames: lagLabels,
        registers: [registry],
        collect: () => {
          const g = registry.getSingleMetric(name) as Gauge<(typeof lagLabels)[number]>;
          g.reset();
          const now = systemClock.nowMs();
          for (const p of leaders()) {
            for (const f of p.leaderCore!.followerStates()) {
              g.set({ topic: p.topic, partition: String(p.index), follower: String(f.brokerId) }, value(p.log.logEndOffset, f, now));
            }
          }
        },
      });
    followerLag("replog_follower_lag_records", "Leader's log end minus the follower's last known log end (leaders only).", (leo, f) => Math.max(0, leo - Math.max(0, f.logEndOffset)));
    followerLag("replog_follower_lag_ms", "Milliseconds since the follower was last caught up (leaders only; -1 if never in this leadership).", (_leo, f, now) => (Number.isFinite(f.lastCaughtUpTimeMs) ? now - f.lastCaughtUpTimeMs : -1));
    const shrinks = new Counter({ name: "kafka_server_replicamanager_isrshrinks_total", help: "ISR shrinks committed for partitions led here.", registers: [registry] });
    const expands = new Counter({ name: "kafka_server_replicamanager_isrexpands_total", help: "ISR expansions committed for partitions led here.", registers: [registry] });
    const changes = new Counter({ name: "replog_isr_changes_total", help: "ISR changes committed for partitions led here, by kind and reason.", labelNames: ["kind", "reason", "topic"], registers: [registry] });
    this.onIsrChange = (kind, p) => {
      (kind === "shrink" ? shrinks : expands).inc();
      changes.inc({ kind, reason: kind === "shrink" ? "follower-not-caught-up" : "follower-caught-up", topic: p.topic });
    };
    const labels = ["topic", "partition"] as const;
    const perPartition = (name: string, help: string, value: (p: Partition) => number) =>
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers: [registry],
        collect: () => {
          const g = registry.getSingleMetric(name) as Gauge<(typeof labels)[number]>;
          g.reset();
          for (const p of this.replicas.partitions.values()) g.set({ topic: p.topic, partition: String(p.index) }, value(p));
        },
      });
    perPartition("replog_partition_leader", "1 if this broker leads the partition.", (p) => (p.isLeader ? 1 : 0));
    perPartition("replog_partition_high_watermark", "High watermark of the local replica.", (p) => p.highWatermark);
    perPartition("replog_partition_log_end_offset", "Log end offset of the local replica.", (p) => p.log.logEndOffset);
    perPartition("replog_partition_log_start_offset", "Log start offset of the local replica.", (p) => p.log.logStartOffset);
    perPartition("replog_partition_replicas", "Replicas assigned to the partition.", (p) => p.replicaCount);
    perPartition("replog_partition_under_min_isr", "1 when led here with an ISR below min.insync.replicas.", (p) => (p.leaderCore && isr(p) < effectiveMinIsr(p) ? 1 : 0));
    perPartition("replog_partition_isr_size", "ISR size (leader only; -1 on followers).", (p) => (p.leaderCore ? isr(p) : -1));
    perPartition("replog_partition_under_replicated", "1 when led here with an ISR smaller than the replica set.", (p) => (p.leaderCore && isr(p) < replicas(p) ? 1 : 0));
  }

}
