// One `replog server` process: its configuration, logger, metrics registry and HTTP endpoint, and
// the roles it runs (controller, broker, or both). Roles plug in through `NodeRole`; the runtime
// starts them in order (controller first, so a combined node's broker finds its quorum) and stops
// them in reverse on SIGTERM, bounded by the controlled-shutdown timeout.

import { Registry, collectDefaultMetrics } from "prom-client";
import type { Logger, ResolvedServerConfig } from "@replog/common";
import { startHttpEndpoint, type HealthSource, type HttpEndpoint } from "./http-endpoint.js";

export interface NodeContext {
  readonly resolved: ResolvedServerConfig;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface NodeRole extends HealthSource {
  /** Stops the role; `reason` is logged. Resolves when its work is done or abandoned. */
  stop(reason: string): Promise<void>;
}

export type RoleStarter = (ctx: NodeContext) => Promise<NodeRole>;

export class NodeRuntime {
  private readonly roles: NodeRole[] = [];
  private endpoint: HttpEndpoint | undefined;
  private stopping: Promise<void> | undefined;
  private expectedRoles = 0;

  constructor(readonly ctx: NodeContext) {}

  async start(starters: readonly RoleStarter[]): Promise<void> {
    this.expectedRoles = starters.length;
    collectDefaultMetrics({ register: this.ctx.registry });
    const { config, listeners } = this.ctx.resolved;
    const host = listeners[0]?.host ?? "";
    this.endpoint = await startHttpEndpoint({
      host: host === "" ? "0.0.0.0" : host,
      port: config.metricsPort,
      nodeId: config.nodeId,
      registry: this.ctx.registry,
      // Until every role has started, /healthz lists a "starting" entry, so it is never 200 early.
      sources: () => (this.roles.length < this.expectedRoles ? [...this.roles, STARTING] : this.roles),
    });
    this.ctx.logger.info({ metricsPort: this.endpoint.port }, "serving /metrics and /healthz");
    for (const start of starters) this.roles.push(await start(this.ctx));
  }

  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.ctx.logger.info({ reason }, "node stopping");
      for (const role of [...this.roles].reverse()) await role.stop(reason);
      await this.endpoint?.close();
      this.ctx.logger.info("node stopped");
    })();
    return this.stopping;
  }
}

const STARTING: HealthSource = { health: () => ({ role: "node", ready: false, status: "starting the node's roles" }) };

export function newRegistry(nodeId: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node_id: String(nodeId) });
  return registry;
}
