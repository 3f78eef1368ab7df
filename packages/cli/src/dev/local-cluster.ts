// `replog dev`: a whole cluster as local processes, one loopback address per node.
// Creates the directory layout, formats every node's storage with one cluster id, starts the
// nodes, waits until every node reports ready on /healthz, and writes cluster.json.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { formatDirectory, randomUuid } from "../server/meta-properties.js";
import { bootstrapOf, readClusterFile, writeClusterFile, type ClusterFile, type ClusterNode } from "./cluster-file.js";
import { planCluster, planNode, quorumVoters, serverProperties, type DevOptions, type PlannedNode } from "./cluster-plan.js";
import { fetchHealth, isAlive, startNodeProcess, stopNodeProcess } from "./node-process.js";

export interface Progress {
  (line: string): void;
}

function toClusterNode(p: PlannedNode): ClusterNode {
  return {
    nodeId: p.nodeId,
    roles: [...p.roles],
    host: p.host,
    port: p.port,
    controllerPort: p.controllerPort,
    metricsPort: p.metricsPort,
    pid: null,
    state: "stopped",
    dataDir: p.dataDir,
    logFile: p.logFile,
    configFile: p.configFile,
  };
}

/** Lays out and formats a new cluster, or reuses the one already in the directory. */
export function prepareCluster(o: DevOptions, progress: Progress): ClusterFile {
  if (existsSync(`${o.dir}/cluster.json`)) {
    const existing = readClusterFile(o.dir);
    const running = existing.nodes.filter((n) => isAlive(n.pid));
    if (running.length > 0) {
      throw new Error(`a cluster is already running in ${o.dir} (nodes ${running.map((n) => n.nodeId).join(", ")}); stop it with replog dev stop --dir ${o.dir}`);
    }
    progress(`reusing cluster ${existing.clusterId} in ${o.dir}`);
    return existing;
  }
  const planned = planCluster(o);
  const voters = quorumVoters(planned);
  const brokerCount = planned.filter((n) => n.roles.includes("broker")).length;
  const clusterId = randomUuid();
  for (const node of planned) {
    mkdirSync(node.dataDir, { recursive: true });
    writeFileSync(node.configFile, serverProperties(node, voters, brokerCount, o.overrides));
    formatDirectory(node.dataDir, clusterId, node.nodeId);
  }
  const nodes = planned.map(toClusterNode);
  const boot = bootstrapOf(nodes);
  const cluster: ClusterFile = { clusterId, network: o.network, bootstrapServers: boot.servers, bootstrapControllers: boot.controllers, nodes };
  writeClusterFile(o.dir, cluster);
  progress(`formatted cluster ${clusterId}: ${nodes.length} nodes in ${o.dir}`);
  return cluster;
}

export function startNode(dir: string, cluster: ClusterFile, node: ClusterNode): void {
  node.pid = startNodeProcess(node);
  node.state = "running";
  writeClusterFile(dir, cluster);
}

export async function waitUntilReady(cluster: ClusterFile, timeoutMs: number, progress: Progress): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastLine = "";
  for (;;) {
    const health = await Promise.all(cluster.nodes.filter((n) => n.state === "running").map(async (n) => ({ n, h: await fetchHealth(n) })));
    const waiting = health.filter((x) => !x.h.ready);
    if (waiting.length === 0) return;
    const dead = cluster.nodes.filter((n) => n.state === "running" && !isAlive(n.pid));
    if (dead.length > 0) throw new Error(`node ${dead.map((n) => n.nodeId).join(", ")} exited during start-up; see ${dead[0]!.logFile}`);
    const line = `waiting for ${waiting
      .map(({ n, h }) => `node ${n.nodeId} (${h.body?.roles.map((r) => `${r.role}: ${r.status}`).join("; ") ?? "not answering yet"})`)
      .join(", ")}`;
    if (line !== lastLine) progress(line);
    lastLine = line;
    if (Date.now() > deadline) throw new Error(`cluster not ready after ${timeoutMs} ms: ${line}`);
    await sleep(200);
  }
}

export async function stopCluster(dir: string, cluster: ClusterFile, graceMs: number, progress: Progress): Promise<void> {
  // Brokers first (controlled shutdown needs the controllers), then controllers.
  const order = [...cluster.nodes].sort((a, b) => Number(a.roles.includes("controller")) - Number(b.roles.includes("controller")));
  for (const node of order) {
    const how = await stopNodeProcess(node.pid, graceMs);
    if (how !== "not-running") progress(`node ${node.nodeId} ${how}`);
    node.pid = null;
    node.state = "stopped";
    writeClusterFile(dir, cluster);
  }
}

export function addBrokerToPlan(dir: string, cluster: ClusterFile, overrides: readonly string[]): ClusterNode {
  const nodeId = Math.max(...cluster.nodes.map((n) => n.nodeId)) + 1;
  const planned = planNode({ dir, network: cluster.network }, nodeId, ["broker"]);
  const voters = cluster.nodes.filter((n) => n.controllerPort !== null).map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`).join(",");
  const brokerCount = cluster.nodes.filter((n) => n.roles.includes("broker")).length + 1;
  mkdirSync(planned.dataDir, { recursive: true });
  writeFileSync(planned.configFile, serverProperties(planned, voters, brokerCount, overrides));
  formatDirectory(planned.dataDir, cluster.clusterId, nodeId);
  const node = toClusterNode(planned);
  cluster.nodes.push(node);
  const boot = bootstrapOf(cluster.nodes);
  cluster.bootstrapServers = boot.servers;
  writeClusterFile(dir, cluster);
  return node;
}
