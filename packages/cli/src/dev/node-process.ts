// Starting, signalling and watching one node process of a local cluster. Nodes run in their own
// process group (detached) so that a Ctrl-C in the terminal reaches `replog dev`, which then stops
// them in order, and so that they outlive `replog dev --detach`.

import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterNode } from "./cluster-file.js";

/** The built `replog` executable (this file is dist/dev/node-process.js). */
export const REPLOG_BIN = fileURLToPath(new URL("../bin/replog.js", import.meta.url));

export function startNodeProcess(node: ClusterNode, env: NodeJS.ProcessEnv = process.env): number {
  const log = openSync(node.logFile, "a");
  try {
    const child = spawn(process.execPath, [REPLOG_BIN, "server", "--config", node.configFile], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...env, REPLOG_LOG_PRETTY: "" },
    });
    if (child.pid === undefined) throw new Error(`could not start node ${node.nodeId}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/**
 * A killed detached node is re-parented to PID 1, which in a container may not reap it at once;
 * until then kill(pid, 0) still succeeds. A zombie has exited: it is not running.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

export function signal(pid: number | null, sig: NodeJS.Signals): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the process is gone; true if it went within the time. */
export async function waitForExit(pid: number | null, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Stops a node: SIGTERM (a broker moves its leaderships away first), then SIGKILL after the
 * grace period. A paused node is resumed first, or it could not act on SIGTERM.
 */
export async function stopNodeProcess(pid: number | null, graceMs: number): Promise<"stopped" | "killed" | "not-running"> {
  if (!isAlive(pid)) return "not-running";
  signal(pid, "SIGCONT");
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, graceMs)) return "stopped";
  signal(pid, "SIGKILL");
  await waitForExit(pid, 5_000);
  return "killed";
}

export interface NodeHealth {
  readonly reachable: boolean;
  readonly ready: boolean;
  readonly body?: { ready: boolean; roles: Array<{ role: string; ready: boolean; status: string }> };
}

export async function fetchHealth(node: Pick<ClusterNode, "host" | "metricsPort">, timeoutMs = 1_000): Promise<NodeHealth> {
  try {
    const res = await fetch(`http://${node.host}:${node.metricsPort}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as NodeHealth["body"];
    return { reachable: true, ready: res.status === 200, body };
  } catch {
    return { reachable: false, ready: false };
  }
}
