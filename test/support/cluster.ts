// Real clusters for multi-process tests: `replog dev --detach` in a temporary directory on a loopback
// network of its own (127.<random>.<random>.x), driven through the `replog` CLI like a person would.
// Every node is killed and the directory removed at the end, also when a test fails or the test
// process exits early (set KEEP_TEST_DIRS=1 to keep the directories for a post-mortem; test knobs
// never start with REPLOG_, which is the nodes' own config namespace).

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ClusterFile, ClusterNode } from "@replog/cli";

const run = promisify(execFile);
export const REPLOG = join(import.meta.dirname, "../../packages/cli/dist/bin/replog.js");

export type { ClusterFile, ClusterNode } from "@replog/cli";

const live = new Set<TestCluster>();
process.once("exit", () => {
  for (const c of live) c.killAllSync();
});

export async function replog(args: readonly string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [REPLOG, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

export function randomNetwork(): string {
  return `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
}

export interface StartOptions {
  controllers?: number;
  brokers?: number;
  combined?: boolean;
  overrides?: readonly string[];
}

export class TestCluster {
  private constructor(
    readonly dir: string,
    readonly network: string,
  ) {}

  static async start(o: StartOptions = {}): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), "replog-e2e-"));
    const cluster = new TestCluster(dir, randomNetwork());
    live.add(cluster);
    const args = ["dev", "--dir", dir, "--detach", "--network", cluster.network, "--controllers", String(o.controllers ?? 3), "--brokers", String(o.brokers ?? 3)];
    if (o.combined) args.push("--combined");
    for (const ov of o.overrides ?? []) args.push("--override", ov);
    try {
      await replog(args);
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
    return cluster;
  }

  file(): ClusterFile {
    return JSON.parse(readFileSync(join(this.dir, "cluster.json"), "utf8")) as ClusterFile;
  }

  node(id: number): ClusterNode {
    const n = this.file().nodes.find((x) => x.nodeId === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  controllerAddress(id: number): string {
    const n = this.node(id);
    return `${n.host}:${n.controllerPort}`;
  }

  async act(id: number, action: "kill" | "stop" | "start" | "pause" | "resume"): Promise<void> {
    await replog(["dev", "node", "--dir", this.dir, "--node", String(id), action]);
  }

  /**
   * Signals a node's process directly, without a CLI round trip, for scenarios whose timing must
   * stay well inside a session or lag timeout. cluster.json is not updated: use act() to start a
   * killed node again.
   */
  signal(id: number, sig: "SIGSTOP" | "SIGCONT" | "SIGKILL"): void {
    const pid = this.node(id).pid;
    if (pid === null) throw new Error(`node ${id} is not running`);
    process.kill(pid, sig);
  }

  log(id: number): string {
    return readFileSync(this.node(id).logFile, "utf8");
  }

  /** Synchronous last resort (process exit): SIGKILL every node. */
  killAllSync(): void {
    let nodes: ClusterNode[] = [];
    try {
      nodes = this.file().nodes;
    } catch {
      return;
    }
    for (const n of nodes) {
      if (n.pid === null) continue;
      try {
        process.kill(n.pid, "SIGCONT");
        process.kill(n.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }

  async destroy(): Promise<void> {
    this.killAllSync();
    live.delete(this);
    if (!process.env.KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

