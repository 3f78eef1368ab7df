// `cluster.json`: what `replog dev` started, for people, scripts and tests.
//   {clusterId, bootstrapServers, bootstrapControllers, nodes:[{nodeId, roles, host, port, metricsPort, pid, dataDir, logFile}]}
// Written atomically so a reader never sees half a file.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClusterNode {
  nodeId: number;
  roles: ("broker" | "controller")[];
  host: string;
  port: number;
  controllerPort: number | null;
  metricsPort: number;
  pid: number | null;
  state: "running" | "paused" | "stopped";
  dataDir: string;
  logFile: string;
  configFile: string;
}

export interface ClusterFile {
  clusterId: string;
  network: string;
  bootstrapServers: string;
  bootstrapControllers: string;
  nodes: ClusterNode[];
}

export const CLUSTER_FILE = "cluster.json";

export function readClusterFile(dir: string): ClusterFile {
  const path = join(dir, CLUSTER_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`no ${CLUSTER_FILE} in ${dir}: start a cluster there with replog dev --dir ${dir}`);
  }
  return JSON.parse(text) as ClusterFile;
}

export function writeClusterFile(dir: string, cluster: ClusterFile): void {
  const path = join(dir, CLUSTER_FILE);
  writeFileSync(path + ".tmp", JSON.stringify(cluster, null, 2) + "\n");
  renameSync(path + ".tmp", path);
}

export function bootstrapOf(nodes: readonly ClusterNode[]): { servers: string; controllers: string } {
  return {
    servers: nodes.filter((n) => n.roles.includes("broker")).map((n) => `${n.host}:${n.port}`).join(","),
    controllers: nodes.filter((n) => n.controllerPort !== null).map((n) => `${n.host}:${n.controllerPort}`).join(","),
  };
}
