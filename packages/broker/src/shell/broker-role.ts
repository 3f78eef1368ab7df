// The broker role of a `replog server` process. Today: it follows the metadata log as a Raft
// observer, registers with the active controller and heartbeats (fenced until it has caught up with
// metadata), opens its broker listener, and on SIGTERM performs a controlled shutdown before it
// exits. Partition replicas, produce and fetch arrive with the replication work (see
// docs/status.md).

import * as grpc from "@grpc/grpc-js";
import { Gauge, type Registry } from "prom-client";
import type { Logger, NodeId, ResolvedServerConfig } from "@replog/common";
import { CHANNEL_OPTIONS, addHealthService } from "@replog/protocol";
import { BrokerLifecycle } from "./broker-lifecycle.js";
import { MetadataFollower } from "./metadata-follower.js";

export interface BrokerContext {
  readonly resolved: ResolvedServerConfig;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface BrokerHealth {
  readonly role: "broker";
  readonly ready: boolean;
  readonly status: string;
  readonly details?: Record<string, unknown>;
}

export class BrokerRole {
  readonly follower: MetadataFollower;
  readonly lifecycle: BrokerLifecycle;
  private readonly server = new grpc.Server(CHANNEL_OPTIONS);
  private readonly logger: Logger;

  private constructor(private readonly ctx: BrokerContext) {
    const { config, voters, advertisedListeners, listeners } = ctx.resolved;
    const component = (name: string) => ctx.logger.child({ component: name });
    this.logger = component("broker");
    this.follower = new MetadataFollower({
      nodeId: config.nodeId as NodeId,
      clusterId: ctx.clusterId,
      voters,
      metadataLogDir: config.metadataLogDir || config.logDirs[0]!,
      electionTimeoutMs: config.controllerQuorumElectionTimeoutMs,
      requestTimeoutMs: config.controllerQuorumRequestTimeoutMs,
      maxRecordBytesBetweenSnapshots: config.metadataLogMaxRecordBytesBetweenSnapshots,
      logger: component,
    });
    const controllerNames = config.controllerListenerNames.map((n) => n.toUpperCase());
    const advertised = (advertisedListeners.length > 0 ? advertisedListeners : listeners).filter((l) => !controllerNames.includes(l.listener));
    this.lifecycle = new BrokerLifecycle({
      brokerId: config.nodeId,
      clusterId: ctx.clusterId,
      voters,
      listeners: advertised.map((l) => ({ name: l.listener, host: l.host, port: l.port })),
      heartbeatIntervalMs: config.brokerHeartbeatIntervalMs,
      requestTimeoutMs: config.controllerQuorumRequestTimeoutMs,
      appliedMetadataIndex: () => this.follower.appliedIndex,
      logger: component("broker-lifecycle"),
    });
  }

  static async start(ctx: BrokerContext): Promise<BrokerRole> {
    const role = new BrokerRole(ctx);
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
    this.follower.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async listen(): Promise<void> {
    const { listeners, config } = this.ctx.resolved;
    const controllerNames = config.controllerListenerNames.map((n) => n.toUpperCase());
    const endpoint = listeners.find((l) => !controllerNames.includes(l.listener))!;
    const address = `${endpoint.host === "" ? "0.0.0.0" : endpoint.host}:${endpoint.port}`;
    addHealthService(this.server, (service) => (service === "" || service === "replog.broker" ? (this.health().ready ? "SERVING" : "NOT_SERVING") : "SERVICE_UNKNOWN"));
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve())),
    );
  }

  private registerMetrics(): void {
    const registry = this.ctx.registry;
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(value()); } });
    gauge("replog_broker_fenced", "1 while the controller keeps this broker fenced.", () => (this.lifecycle.state === "running" ? 0 : 1));
    gauge("replog_metadata_applied_index", "Last metadata log index applied to this broker's image.", () => this.follower.appliedIndex);
  }
}
