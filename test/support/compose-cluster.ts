// Runs a compose profile's services as local processes (see compose-plan.ts for what is mapped),
// in docker compose's order: a service starts once every service it depends on has started, or,
// for `condition: service_healthy`, once that service's own healthcheck command exits 0. Every
// process is SIGKILLed and the temp dir removed by destroy(), and on process exit as a last
// resort (KEEP_TEST_DIRS=1 keeps the directory for a post-mortem).

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { planLocalNodes, readCompose, readDockerfileFinalStage, servicesOfProfile, type LocalNode } from "./compose-plan.js";
import { randomNetwork } from "./cluster.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);
export const REPO_ROOT = join(import.meta.dirname, "../..");
export const COMPOSE_FILE = join(REPO_ROOT, "docker-compose.yml");
export const DOCKERFILE = join(REPO_ROOT, "deploy/Dockerfile");
/**
 * What the image's /app is here: this checkout, or the tree deploy/build-app.sh stages (the image's
 * exact contents, production dependencies only) when COMPOSE_TEST_APP_ROOT names it.
 */
export const APP_ROOT = process.env.COMPOSE_TEST_APP_ROOT || REPO_ROOT;

const live = new Set<ComposeCluster>();
process.once("exit", () => {
  for (const c of live) c.killAll();
});

interface Running {
  readonly node: LocalNode;
  readonly child: ChildProcess;
  readonly logFile: string;
}

export class ComposeCluster {
  private readonly running = new Map<string, Running>();
  private exited: ((e: Error) => void) | undefined;
  /** Rejects when any node exits while the cluster is meant to run. */
  private readonly anyExit: Promise<never>;

  private constructor(
    readonly dir: string,
    readonly nodes: readonly LocalNode[],
  ) {
    this.anyExit = new Promise<never>((_, reject) => (this.exited = reject));
    this.anyExit.catch(() => undefined);
  }

  /**
   * Plans the profile's services (null: the default ones) and starts them in dependency order.
   * `only` names services, as `docker compose --profile P up S1 S2` does.
   */
  static async start(profile: string | null, only?: readonly string[]): Promise<ComposeCluster> {
    const dir = mkdtempSync(join(tmpdir(), "replog-compose-"));
    let cluster: ComposeCluster | undefined;
    try {
      const all = readCompose(COMPOSE_FILE);
      const started = servicesOfProfile(all, profile).filter((s) => only === undefined || only.includes(s.name));
      const nodes = planLocalNodes({ all, started, image: readDockerfileFinalStage(DOCKERFILE), network: randomNetwork(), tmpDir: dir, repoRoot: APP_ROOT });
      cluster = new ComposeCluster(dir, nodes);
      live.add(cluster);
      await cluster.startInOrder();
      return cluster;
    } catch (e) {
      if (cluster) await cluster.destroy();
      else rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  node(service: string): LocalNode {
    const n = this.nodes.find((x) => x.service === service);
    if (!n) throw new Error(`no service ${service}`);
    return n;
  }

  log(service: string): string {
    const r = this.running.get(service);
    return r ? readFileSync(r.logFile, "utf8") : "";
  }

  /** Runs the service's healthcheck command (with its environment); true when it exits 0. */
  async healthy(service: string): Promise<boolean> {
    const n = this.node(service);
    try {
      await run(n.healthcheck[0]!, n.healthcheck.slice(1), { env: { ...n.env }, timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for `what`, failing at once (with the log's tail) if a node exits meanwhile. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
    return Promise.race([waitFor(what, probe, timeoutMs, everyMs), this.anyExit]);
  }

  private async startInOrder(): Promise<void> {
    const pending = new Set(this.nodes.map((n) => n.service));
    const healthy = new Set<string>();
    while (pending.size > 0) {
      const ready = this.nodes.filter((n) => pending.has(n.service) && Object.entries(n.dependsOn).every(([d, cond]) => this.dependencyMet(d, cond, healthy)));
      if (ready.length === 0) {
        const blocked = [...pending].join(", ");
        const waitingOn = new Set(this.nodes.filter((n) => pending.has(n.service)).flatMap((n) => Object.keys(n.dependsOn)));
        const toCheck = [...waitingOn].filter((d) => this.running.has(d) && !healthy.has(d));
        if (toCheck.length === 0) throw new Error(`services ${blocked} depend on services that never start`);
        await this.waitFor(`${toCheck.join(", ")} healthy (their compose healthcheck exits 0)`, async () => {
          for (const d of toCheck) if (await this.healthy(d)) healthy.add(d);
          return toCheck.every((d) => healthy.has(d)) ? true : undefined;
        });
        continue;
      }
      for (const n of ready) {
        this.spawn(n);
        pending.delete(n.service);
      }
    }
  }

  private dependencyMet(service: string, condition: string, healthy: ReadonlySet<string>): boolean {
    if (!this.nodes.some((n) => n.service === service)) throw new Error(`depends_on names ${service}, which this profile does not start`);
    if (condition === "service_healthy") return healthy.has(service);
    if (condition === "service_started") return this.running.has(service);
    throw new Error(`depends_on condition ${condition} is not modelled by this test`);
  }

  private spawn(n: LocalNode): void {
    mkdirSync(n.dataDir, { recursive: true });
    const logFile = join(this.dir, `${n.service}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(n.argv[0]!, n.argv.slice(1), { env: { ...n.env }, cwd: n.dataDir, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child.once("exit", (code, signal) => {
      if (!live.has(this)) return;
      const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
      this.exited?.(new Error(`${n.service} exited (code ${code}, signal ${signal}); last log lines:\n${tail}`));
    });
    this.running.set(n.service, { node: n, child, logFile });
  }

  killAll(): void {
    for (const r of this.running.values()) {
      try {
        r.child.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }

  async destroy(): Promise<void> {
    live.delete(this);
    const exits = [...this.running.values()].filter((r) => r.child.exitCode === null && r.child.signalCode === null).map((r) => new Promise((resolve) => r.child.once("exit", resolve)));
    this.killAll();
    await Promise.all(exits);
    if (!process.env.KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}
