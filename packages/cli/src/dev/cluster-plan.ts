// Plans a local cluster: which nodes, which roles, which loopback address and ports, which files.
// Pure, so the layout can be tested and printed before anything starts.
//
// Every node gets its own loopback address (node N → <network>.<10+N>, e.g. 127.0.0.11), so the
// same port plan holds on every node (brokers 9092, controllers 9093, metrics 9404, as in Kafka's
// compose examples) and a network partition can be made per node with iptables.

import { join } from "node:path";

export interface DevOptions {
  readonly dir: string;
  readonly controllers: number;
  readonly brokers: number;
  readonly combined: boolean;
  /** The first three octets of the loopback addresses, e.g. "127.0.0". */
  readonly network: string;
  readonly overrides: readonly string[];
}

export const BROKER_PORT = 9092;
export const CONTROLLER_PORT = 9093;
export const METRICS_PORT = 9404;

export interface PlannedNode {
  readonly nodeId: number;
  readonly roles: readonly ("broker" | "controller")[];
  readonly host: string;
  /** The broker port for brokers, the controller port for controller-only nodes. */
  readonly port: number;
  readonly controllerPort: number | null;
  readonly metricsPort: number;
  readonly nodeDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly configFile: string;
}

export function hostFor(network: string, nodeId: number): string {
  return `${network}.${10 + nodeId}`;
}

export function validateDevOptions(o: DevOptions): void {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(o.network) || o.network.split(".").some((x) => Number(x) > 255)) {
    throw new Error(`--network must be three octets inside 127.0.0.0/8, like 127.0.0 (got ${o.network})`);
  }
  if (!Number.isInteger(o.controllers) || o.controllers < 1 || o.controllers > 9) throw new Error("--controllers must be 1 to 9");
  if (!Number.isInteger(o.brokers) || o.brokers < 0 || o.brokers > 50) throw new Error("--brokers must be 0 to 50");
}

export function planCluster(o: DevOptions): PlannedNode[] {
  validateDevOptions(o);
  const nodes: PlannedNode[] = [];
  const brokerOnly = o.combined ? Math.max(0, o.brokers - o.controllers) : o.brokers;
  for (let i = 1; i <= o.controllers; i++) nodes.push(planNode(o, i, o.combined ? ["broker", "controller"] : ["controller"]));
  for (let i = 1; i <= brokerOnly; i++) nodes.push(planNode(o, o.controllers + i, ["broker"]));
  return nodes;
}

export function planNode(o: Pick<DevOptions, "dir" | "network">, nodeId: number, roles: PlannedNode["roles"]): PlannedNode {
  const nodeDir = join(o.dir, `node-${nodeId}`);
  const isBroker = roles.includes("broker");
  const isController = roles.includes("controller");
  return {
    nodeId,
    roles,
    host: hostFor(o.network, nodeId),
    port: isBroker ? BROKER_PORT : CONTROLLER_PORT,
    controllerPort: isController ? CONTROLLER_PORT : null,
    metricsPort: METRICS_PORT,
    nodeDir,
    dataDir: join(nodeDir, "data"),
    logFile: join(nodeDir, "server.log"),
    configFile: join(nodeDir, "server.properties"),
  };
}

export function quorumVoters(nodes: readonly PlannedNode[]): string {
  return nodes
    .filter((n) => n.controllerPort !== null)
    .map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`)
    .join(",");
}

/** The node's server.properties: the plan, dev-friendly defaults, then the user's overrides. */
export function serverProperties(node: PlannedNode, voters: string, brokerCount: number, overrides: readonly string[]): string {
  const isBroker = node.roles.includes("broker");
  const listeners = [
    ...(isBroker ? [`PLAINTEXT://${node.host}:${BROKER_PORT}`] : []),
    ...(node.controllerPort !== null ? [`CONTROLLER://${node.host}:${node.controllerPort}`] : []),
  ];
  const lines = [
    "# Written by replog dev. Edit with --override on the replog dev command line.",
    `process.roles=${node.roles.join(",")}`,
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=${listeners.join(",")}`,
    ...(isBroker ? [`advertised.listeners=PLAINTEXT://${node.host}:${BROKER_PORT}`] : []),
    "controller.listener.names=CONTROLLER",
    `log.dirs=${node.dataDir}`,
    `replog.metrics.port=${node.metricsPort}`,
    `replog.local.address=${node.host}`,
    "# Dev-cluster defaults (Kafka's compose examples use the same).",
    `offsets.topic.replication.factor=${Math.max(1, Math.min(3, brokerCount))}`,
    "group.initial.rebalance.delay.ms=0",
    ...(overrides.length > 0 ? ["# --override", ...overrides] : []),
  ];
  return lines.join("\n") + "\n";
}
