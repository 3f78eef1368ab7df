// Turns docker-compose.yml and deploy/Dockerfile into a plan of local processes, for
// test/compose.test.ts: one process per service of a profile, each on its own loopback address,
// started with exactly the service's environment and entrypoint/command. Pure apart from reading
// the two files, so a refusal here names the line of the compose file that would not run.
//
// What changes between a container and a local process, and nothing else:
//  - a service name in an environment value becomes the loopback address chosen for that service
//    (Docker's DNS answers service names with container addresses);
//  - a listener with an empty host (or 0.0.0.0) binds that address instead of every interface, since
//    all nodes share one machine;
//  - `localhost:P` in advertised.listeners (the host's view of a port the service publishes as P)
//    becomes that address and the published container port, where a local process is reached; a
//    node advertising a localhost port it does not publish is refused, as no host client could
//    reach it;
//  - the mount target of a volume becomes a directory of its own under the test's temp dir;
//  - `replog.local.address` is set to the address, as `replog dev` does, so outgoing connections
//    leave from the node's own address;
//  - the image's working directory (/app, the repository layout) becomes the repository root, and
//    `node` the running Node executable.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface ComposeService {
  readonly name: string;
  readonly profiles: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[] | undefined;
  readonly command: readonly string[] | undefined;
  readonly healthcheck: readonly string[] | undefined;
  readonly dependsOn: Readonly<Record<string, string>>;
  /** Published ports, host → container. */
  readonly ports: ReadonlyArray<{ host: number; container: number }>;
  readonly volumes: ReadonlyArray<{ source: string; target: string }>;
  readonly dockerfile: string | undefined;
}

export interface ImageDefaults {
  readonly workdir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly healthcheck: readonly string[];
}

export interface LocalNode {
  readonly service: string;
  readonly address: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  readonly healthcheck: readonly string[];
  readonly dataDir: string;
  readonly dependsOn: Readonly<Record<string, string>>;
  /** Container ports published on the host; each must be a listener of the node. */
  readonly publishedPorts: readonly number[];
}

type Raw = Record<string, unknown>;

const asStrings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === "string") throw new Error(`${what}: use the exec (list) form, not a shell string`);
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v.map(String);
};

function environmentOf(v: unknown, service: string): Record<string, string> {
  if (v === undefined) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((e) => String(e)).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  if (typeof v !== "object" || v === null) throw new Error(`${service}.environment: expected a map or a list`);
  return Object.fromEntries(Object.entries(v as Raw).map(([k, x]) => [k, x === null ? "" : String(x)]));
}

function dependsOnOf(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((d) => [String(d), "service_started"]));
  return Object.fromEntries(Object.entries(v as Record<string, { condition?: string }>).map(([k, x]) => [k, x?.condition ?? "service_started"]));
}

function portsOf(v: unknown, service: string): Array<{ host: number; container: number }> {
  return (asStrings(v, `${service}.ports`) ?? []).map((p) => {
    const m = /^(?:[\d.]+:)?(\d+):(\d+)(?:\/tcp)?$/.exec(p);
    if (!m) throw new Error(`${service}.ports: "${p}" is not HOST:CONTAINER`);
    return { host: Number(m[1]), container: Number(m[2]) };
  });
}

function volumesOf(v: unknown, service: string): Array<{ source: string; target: string }> {
  return (asStrings(v, `${service}.volumes`) ?? []).map((x) => {
    const [source, target] = x.split(":");
    if (!source || !target) throw new Error(`${service}.volumes: "${x}" is not SOURCE:TARGET`);
    return { source, target };
  });
}

export function readCompose(file: string): ComposeService[] {
  const doc = parse(readFileSync(file, "utf8"), { merge: true }) as { services?: Record<string, Raw> };
  return Object.entries(doc.services ?? {}).map(([name, s]) => {
    const healthTest = asStrings((s.healthcheck as Raw | undefined)?.test, `${name}.healthcheck.test`);
    return {
      name,
      profiles: asStrings(s.profiles, `${name}.profiles`) ?? [],
      environment: environmentOf(s.environment, name),
      entrypoint: asStrings(s.entrypoint, `${name}.entrypoint`),
      command: asStrings(s.command, `${name}.command`),
      healthcheck: healthTest,
      dependsOn: dependsOnOf(s.depends_on),
      ports: portsOf(s.ports, name),
      volumes: volumesOf(s.volumes, name),
      dockerfile: (s.build as Raw | undefined)?.dockerfile as string | undefined,
    };
  });
}

/** The services `docker compose --profile P up` starts (no profile: those without profiles). */
export function servicesOfProfile(all: readonly ComposeService[], profile: string | null): ComposeService[] {
  return all.filter((s) => s.profiles.length === 0 || (profile !== null && s.profiles.includes(profile)));
}

const jsonList = (text: string, what: string): string[] => {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v)) throw new Error(`Dockerfile ${what} must use the exec (JSON list) form`);
  return v.map(String);
};

/** ENTRYPOINT, CMD, WORKDIR, ENV and HEALTHCHECK of the Dockerfile's last stage. */
export function readDockerfileFinalStage(file: string): ImageDefaults {
  const joined = readFileSync(file, "utf8").replace(/\\\n/g, " ");
  const lines = joined.split("\n").map((l) => l.trim());
  const lastFrom = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
  let workdir = "/";
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom + 1)) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, op, rest] = m as unknown as [string, string, string];
    if (op === "WORKDIR") workdir = rest;
    if (op === "ENTRYPOINT") entrypoint = jsonList(rest, "ENTRYPOINT");
    if (op === "CMD") cmd = jsonList(rest, "CMD");
    if (op === "HEALTHCHECK") healthcheck = jsonList(rest.slice(rest.indexOf("CMD ") + 4), "HEALTHCHECK CMD");
    if (op === "ENV") {
      for (const kv of rest.split(/\s+/)) {
        const i = kv.indexOf("=");
        if (i <= 0) throw new Error(`Dockerfile ENV must use KEY=VALUE (got "${rest}")`);
        env[kv.slice(0, i)] = kv.slice(i + 1);
      }
    }
  }
  return { workdir, entrypoint, cmd, env, healthcheck };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface PlanOptions {
  readonly all: readonly ComposeService[];
  readonly started: readonly ComposeService[];
  readonly image: ImageDefaults;
  /** The first three octets of the loopback addresses, e.g. "127.133.7". */
  readonly network: string;
  readonly tmpDir: string;
  readonly repoRoot: string;
}

/** Maps a command from the image (node + paths under the workdir) onto this checkout. */
export function localCommand(argv: readonly string[], image: ImageDefaults, repoRoot: string, what: string): string[] {
  if (argv[0] !== "node") throw new Error(`${what}: expected to start with "node" (got ${JSON.stringify(argv)})`);
  const prefix = image.workdir.endsWith("/") ? image.workdir : `${image.workdir}/`;
  return [
    process.execPath,
    ...argv.slice(1).map((a) => {
      if (!a.startsWith(prefix)) return a;
      const local = join(repoRoot, a.slice(prefix.length));
      if (!existsSync(local)) throw new Error(`${what}: ${a} would be ${local} in this checkout, which does not exist`);
      return local;
    }),
  ];
}

/** The container port a service publishes on host port `hostPort`; a refusal names the service. */
function publishedAs(s: ComposeService, hostPort: number, where: string): number {
  const p = s.ports.find((x) => x.host === hostPort);
  if (!p) throw new Error(`${where}: advertises localhost:${hostPort}, but publishes no host port ${hostPort} (ports: ${s.ports.map((x) => `${x.host}:${x.container}`).join(", ") || "none"})`);
  return p.container;
}

export function planLocalNodes(o: PlanOptions): LocalNode[] {
  const addresses = new Map(o.started.map((s, i) => [s.name, `${o.network}.${10 + i}`]));
  const names = o.all.map((s) => s.name).sort((a, b) => b.length - a.length);
  const hostPattern = new RegExp(`(?<![\\w.-])(${names.map(escapeRegExp).join("|")})(?![\\w-])`, "g");
  return o.started.map((s) => {
    const address = addresses.get(s.name)!;
    const where = `docker-compose.yml services.${s.name}`;
    if (s.dockerfile !== "deploy/Dockerfile") throw new Error(`${where}: build.dockerfile must be deploy/Dockerfile (got ${s.dockerfile})`);
    const dataDir = join(o.tmpDir, s.name);
    const env: Record<string, string> = {};
    for (const [k, raw] of Object.entries({ ...o.image.env, ...s.environment })) {
      let v = raw.replace(hostPattern, (name) => {
        const a = addresses.get(name);
        if (a === undefined) throw new Error(`${where}.environment.${k} names ${name}, which this profile does not start`);
        return a;
      });
      for (const vol of s.volumes) v = v.split(vol.target).join(join(dataDir, vol.target));
      if (k === "REPLOG_LISTENERS") v = v.replace(/:\/\/(0\.0\.0\.0)?:/g, `://${address}:`);
      if (k === "REPLOG_ADVERTISED_LISTENERS") v = v.replace(/:\/\/localhost:(\d+)/g, (_m, port: string) => `://${address}:${publishedAs(s, Number(port), where)}`);
      env[k] = v;
    }
    if ("REPLOG_REPLOG_LOCAL_ADDRESS" in env) throw new Error(`${where}: REPLOG_REPLOG_LOCAL_ADDRESS is for local runs only`);
    env.REPLOG_REPLOG_LOCAL_ADDRESS = address;
    const argv = localCommand([...(s.entrypoint ?? o.image.entrypoint), ...(s.command ?? o.image.cmd)], o.image, o.repoRoot, `${where} entrypoint/command`);
    const hc = s.healthcheck ?? ["CMD", ...o.image.healthcheck];
    if (hc[0] !== "CMD") throw new Error(`${where}.healthcheck.test must use the ["CMD", …] form`);
    return {
      service: s.name,
      address,
      env,
      argv,
      healthcheck: localCommand(hc.slice(1), o.image, o.repoRoot, `${where}.healthcheck`),
      dataDir,
      dependsOn: s.dependsOn,
      publishedPorts: s.ports.map((p) => p.container),
    };
  });
}
