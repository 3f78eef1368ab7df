// The NATS JetStream peer for pnpm bench:replication, set up as shared/reference/performance.md B3
// describes: three nats-server processes on loopback (client ports 14222–14224, cluster routes
// 16222–16224, monitoring 18222–18224), each with its own store directory under one temporary
// directory, forming one JetStream cluster. Only the processes started here are ever signalled.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const NATS_CLIENT_PORTS = [14222, 14223, 14224];
const ROUTE_PORTS = [16222, 16223, 16224];
const HTTP_PORTS = [18222, 18223, 18224];

/** The nats-server binary, or undefined when it is not installed (Debian puts it in /usr/sbin). */
export function findNatsServer() {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];
  for (const d of dirs) {
    const p = join(d, "nats-server");
    if (d && existsSync(p)) {
      const r = spawnSync(p, ["--version"], { encoding: "utf8" });
      if (r.status === 0) return { path: p, version: r.stdout.trim() };
    }
  }
  return undefined;
}

function config(i, dir) {
  const routes = ROUTE_PORTS.map((p) => `nats-route://127.0.0.1:${p}`).join(", ");
  return [
    `server_name: n${i + 1}`,
    `listen: 127.0.0.1:${NATS_CLIENT_PORTS[i]}`,
    `http: 127.0.0.1:${HTTP_PORTS[i]}`,
    `jetstream { store_dir: "${join(dir, `store-n${i + 1}`)}", max_memory_store: 1GB, max_file_store: 20GB }`,
    `cluster { name: perfc, listen: 127.0.0.1:${ROUTE_PORTS[i]}, routes: [ ${routes} ] }`,
    "",
  ].join("\n");
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

async function awaitListening(port, deadline) {
  while (await portFree(port)) {
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on 127.0.0.1:${port} in time`);
    await sleep(50);
  }
}

/**
 * Starts the three servers in `dir` and resolves once each accepts connections; the caller must
 * call stop() on the answer, also on failure (processes are recorded before anything can throw).
 */
export async function startNatsCluster(binary, dir, procs) {
  for (const port of [...NATS_CLIENT_PORTS, ...ROUTE_PORTS, ...HTTP_PORTS]) {
    if (!(await portFree(port))) throw new Error(`port ${port} is already in use on 127.0.0.1 (another nats-server?)`);
  }
  for (let i = 0; i < 3; i++) {
    mkdirSync(join(dir, `store-n${i + 1}`), { recursive: true });
    const conf = join(dir, `n${i + 1}.conf`);
    writeFileSync(conf, config(i, dir));
    const out = openSync(join(dir, `n${i + 1}.log`), "a");
    const child = spawn(binary, ["-c", conf], { stdio: ["ignore", out, out] });
    procs.push(child);
  }
  const deadline = Date.now() + 20_000;
  for (const port of NATS_CLIENT_PORTS) await awaitListening(port, deadline);
}

/** SIGTERM, then SIGKILL after a grace period, for the processes startNatsCluster started. */
export async function stopNatsCluster(procs) {
  const alive = procs.filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    alive.map(
      (c) =>
        new Promise((resolve) => {
          const t = setTimeout(() => c.kill("SIGKILL"), 3_000);
          c.once("exit", () => {
            clearTimeout(t);
            resolve();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
  procs.length = 0;
}

/** Synchronous last resort on process exit. */
export function killNatsClusterSync(procs) {
  for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** The tail of the servers' logs, for an error message. */
export function natsLogTail(dir) {
  return [1, 2, 3]
    .map((i) => {
      try {
        return `n${i}: ${readFileSync(join(dir, `n${i}.log`), "utf8").trim().split("\n").slice(-3).join(" | ")}`;
      } catch {
        return `n${i}: (no log)`;
      }
    })
    .join("\n");
}
