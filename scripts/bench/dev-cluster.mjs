// A `replog dev` cluster for the benchmarks (bench:replication, bench:client): started detached in a
// temporary directory on a random loopback /24, stopped with `replog dev stop`, and killed outright
// (SIGCONT then SIGKILL of every node in cluster.json) when a benchmark exits in a hurry.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

export const REPLOG_CLI = join(import.meta.dirname, "../../packages/cli/dist/bin/replog.js");
const run = promisify(execFile);

/** Starts `replog dev` in `dir` (which must exist); returns the brokers' addresses. */
export async function startDevCluster(dir, progress, { controllers = 3, brokers = 3 } = {}) {
  const network = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
  progress(`replog: starting ${controllers} controllers and ${brokers} brokers on ${network}.x in ${dir}`);
  await run(process.execPath, [REPLOG_CLI, "dev", "--dir", dir, "--detach", "--network", network, "--controllers", String(controllers), "--brokers", String(brokers)], { timeout: 120_000 });
  const cluster = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8"));
  return cluster.bootstrapServers.split(",");
}

/**
 * `replog dev stop`. Controlled shutdown of every broker in turn can take long on a busy box; the
 * data is thrown away, so after 30 s whatever is left is for killDevClusterSync.
 */
export async function stopDevCluster(dir, progress) {
  if (!dir || !existsSync(join(dir, "cluster.json"))) return;
  progress("stopping the replog dev cluster");
  await run(process.execPath, [REPLOG_CLI, "dev", "stop", "--dir", dir], { timeout: 30_000 }).catch((e) => progress(`replog dev stop failed: ${e.message}`));
}

/** The last resort (process exit): SIGKILL every node, continuing a paused one first. */
export function killDevClusterSync(dir) {
  if (!dir) return;
  try {
    const cluster = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8"));
    for (const n of cluster.nodes) {
      if (!n.pid) continue;
      try {
        process.kill(n.pid, "SIGCONT");
        process.kill(n.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* no cluster.json: replog dev never got as far as starting nodes */
  }
}
