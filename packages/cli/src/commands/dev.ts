// `replog dev`: run a whole cluster on this machine as plain processes (no Docker needed), and
// kill, stop, start, pause or resume any node of it.

import { Command, Option } from "commander";
import { readClusterFile, writeClusterFile, type ClusterNode } from "../dev/cluster-file.js";
import { addBrokerToPlan, prepareCluster, startNode, stopCluster, waitUntilReady } from "../dev/local-cluster.js";
import { tailNodeLogs } from "../dev/log-tail.js";
import { isAlive, signal, startNodeProcess, stopNodeProcess } from "../dev/node-process.js";
import { collect } from "./options.js";

const DEFAULT_DIR = ".replog/dev";
const STOP_GRACE_MS = 35_000;

const progress = (line: string) => process.stderr.write(`replog dev: ${line}\n`);

function intOption(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number (got ${v})`);
    return n;
  };
}

export function devCommand(): Command {
  const dev = new Command("dev")
    .description("Start a local cluster: every node a process on its own loopback address (127.0.0.x), data under --dir.")
    .enablePositionalOptions()
    .option("--dir <dir>", "where the nodes keep their data, logs and cluster.json", DEFAULT_DIR)
    .option("--controllers <n>", "controller nodes (the Raft quorum)", intOption("--controllers"), 3)
    .option("--brokers <n>", "broker nodes", intOption("--brokers"), 3)
    .option("--combined", "run broker and controller roles in the same processes (process.roles=broker,controller)", false)
    .option("--override <key=value>", "a server config for every node, e.g. replica.lag.time.max.ms=5000 (repeatable)", collect, [])
    .option("--network <a.b.c>", "the loopback addresses' first three octets; node N gets <a.b.c>.<10+N>", "127.0.0")
    .option("--detach", "start the cluster and return; stop it later with replog dev stop", false)
    .option("--quiet", "in the foreground, do not print the nodes' logs", false)
    .addOption(new Option("--ready-timeout-ms <ms>", "how long to wait for every node to be ready").default(60_000).argParser(intOption("--ready-timeout-ms")))
    .action(async (opts: { dir: string; controllers: number; brokers: number; combined: boolean; override: string[]; network: string; detach: boolean; quiet: boolean; readyTimeoutMs: number }) => {
      const cluster = prepareCluster({ ...opts, overrides: opts.override }, progress);
      for (const node of cluster.nodes) startNode(opts.dir, cluster, node);
      progress(`started ${cluster.nodes.length} nodes; waiting until every node is ready`);
      try {
        await waitUntilReady(cluster, opts.readyTimeoutMs, progress);
      } catch (e) {
        await stopCluster(opts.dir, cluster, 5_000, progress);
        throw e;
      }
      process.stdout.write(describeCluster(opts.dir));
      if (opts.detach) return;
      progress("running in the foreground; Ctrl-C stops every node (--quiet hides the nodes' logs)");
      const tail = opts.quiet ? undefined : tailNodeLogs(cluster.nodes, process.stdout, process.stdout.isTTY === true);
      await new Promise<void>((resolve) => {
        const stop = () => {
          tail?.stop();
          progress("stopping");
          stopCluster(opts.dir, readClusterFile(opts.dir), STOP_GRACE_MS, progress).then(resolve, resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  dev
    .command("stop")
    .description("Stop every node of a cluster started with replog dev (SIGTERM, then SIGKILL after a grace period).")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      await stopCluster(opts.dir, readClusterFile(opts.dir), STOP_GRACE_MS, progress);
    });

  dev
    .command("status")
    .description("Print cluster.json with each node's process state.")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .action((opts: { dir: string }) => {
      process.stdout.write(describeCluster(opts.dir));
    });

  dev
    .command("node")
    .description("Act on one node: kill (SIGKILL), stop (SIGTERM, clean), start, pause (SIGSTOP) or resume (SIGCONT).")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .requiredOption("--node <id>", "the node id", intOption("--node"))
    .addArgument(new Command().createArgument("<action>", "kill | stop | start | pause | resume").choices(["kill", "stop", "start", "pause", "resume"]))
    .action(async (action: string, opts: { dir: string; node: number }) => {
      const cluster = readClusterFile(opts.dir);
      const node = cluster.nodes.find((n) => n.nodeId === opts.node);
      if (!node) throw new Error(`no node ${opts.node} in ${opts.dir}/cluster.json (nodes: ${cluster.nodes.map((n) => n.nodeId).join(", ")})`);
      await actOnNode(node, action);
      writeClusterFile(opts.dir, cluster);
      progress(`node ${node.nodeId}: ${action} done (pid ${node.pid ?? "-"}, ${node.state})`);
    });

  dev
    .command("add-broker")
    .description("Start one more broker that joins the running cluster.")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .option("--override <key=value>", "a server config for the new broker (repeatable)", collect, [])
    .action(async (opts: { dir: string; override: string[] }) => {
      const cluster = readClusterFile(opts.dir);
      const node = addBrokerToPlan(opts.dir, cluster, opts.override);
      startNode(opts.dir, cluster, node);
      await waitUntilReady({ ...cluster, nodes: [node] }, 60_000, progress);
      progress(`broker ${node.nodeId} joined at ${node.host}:${node.port}`);
    });
  return dev;
}

async function actOnNode(node: ClusterNode, action: string): Promise<void> {
  switch (action) {
    case "kill":
      signal(node.pid, "SIGCONT");
      signal(node.pid, "SIGKILL");
      node.pid = null;
      node.state = "stopped";
      return;
    case "stop":
      await stopNodeProcess(node.pid, STOP_GRACE_MS);
      node.pid = null;
      node.state = "stopped";
      return;
    case "start": {
      if (isAlive(node.pid)) throw new Error(`node ${node.nodeId} is already running (pid ${node.pid})`);
      node.pid = startNodeProcess(node);
      node.state = "running";
      return;
    }
    case "pause":
      if (!signal(node.pid, "SIGSTOP")) throw new Error(`node ${node.nodeId} is not running`);
      node.state = "paused";
      return;
    case "resume":
      if (!signal(node.pid, "SIGCONT")) throw new Error(`node ${node.nodeId} is not running`);
      node.state = "running";
      return;
  }
}

function describeCluster(dir: string): string {
  const cluster = readClusterFile(dir);
  const rows = cluster.nodes.map(
    (n) =>
      `  node ${n.nodeId}  ${n.roles.join(",").padEnd(17)} ${`${n.host}:${n.port}`.padEnd(18)} metrics :${n.metricsPort}  ` +
      `${isAlive(n.pid) ? `${n.state} (pid ${n.pid})` : "stopped"}  log ${n.logFile}`,
  );
  return [
    `cluster ${cluster.clusterId} (${dir}/cluster.json)`,
    `  bootstrap servers:     ${cluster.bootstrapServers}`,
    `  bootstrap controllers: ${cluster.bootstrapControllers}`,
    ...rows,
    "",
  ].join("\n");
}
