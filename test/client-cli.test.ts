// The client library through the Kafka-shaped tools, against real brokers (replog dev, three
// controllers and three brokers): `replog topics` prints Kafka's lines, console-producer and
// console-consumer round-trip keyed records to the partitions a Java client would pick, a
// producer with acks=all rides through the SIGKILL of its partition leader without losing an
// acknowledged record (nor writes one twice: the console producer is idempotent), a leader cut off
// by iptables is abandoned within a request timeout, NOT_ENOUGH_REPLICAS reaches the user by its
// Kafka name, and an offline
// partition shows as `Leader: none`. Asserted through the CLI and the network only.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPartition } from "@replog/protocol";
import { REPLOG, replog, TestCluster } from "./support/cluster.js";
import { Partitioner, iptablesAvailable } from "./support/iptables.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

const SESSION_TIMEOUT_MS = 3000;
let cluster: TestCluster;
let raw: RawClient;
let bootstrap: string;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 3,
    brokers: 3,
    overrides: ["controller.quorum.election.timeout.ms=500", `broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`, "broker.heartbeat.interval.ms=500"],
  });
  bootstrap = cluster.file().bootstrapServers;
  raw = new RawClient(bootstrap.split(","));
});
afterAll(async () => {
  raw?.close();
  await cluster?.destroy();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `replog args…`, feeding `lines` on stdin; `beforeEnd` runs after the first `splitAt` lines. */
function replogWithInput(args: readonly string[], lines: readonly string[], splitAt = lines.length, beforeEnd: () => Promise<void> = async () => {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REPLOG, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.write(lines.slice(0, splitAt).map((l) => `${l}\n`).join(""));
    beforeEnd().then(
      () => {
        child.stdin.end(lines.slice(splitAt).map((l) => `${l}\n`).join(""));
      },
      (e: unknown) => {
        child.kill("SIGKILL");
        reject(e);
      },
    );
  });
}

/** Like replog(), but resolves with the exit code instead of throwing on a non-zero one. */
async function replogExit(args: readonly string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await replog(args);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? null, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function waitUnfenced(id: number): Promise<void> {
  await waitFor(`broker ${id} back in the metadata`, async () => ((await raw.metadata()).brokers.some((b: { nodeId: number }) => b.nodeId === id) ? true : undefined), 30_000);
}

describe("client tools against real brokers", () => {
  it("topics --create, --list, --describe (text and --json) print Kafka's lines; a second create fails by name", async () => {
    const created = await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
    expect(created.stdout).toBe("Created topic orders.\n");
    expect((await replog(["topics", "--bootstrap-server", bootstrap, "--list"])).stdout.split("\n")).toContain("orders");

    // Leaders were awaited by --create; the ISR fills as followers fetch.
    const lines = await waitFor("every ISR full", async () => {
      const out = (await replog(["topics", "--bootstrap-server", bootstrap, "--describe", "--topic", "orders"])).stdout.trimEnd().split("\n");
      return out.slice(1).every((l) => /Isr: \d+,\d+,\d+$/.test(l)) ? out : undefined;
    });
    expect(lines[0]).toMatch(/^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min.insync.replicas=2$/);
    expect(lines.slice(1)).toHaveLength(3);
    lines.slice(1).forEach((l, p) => expect(l).toMatch(new RegExp(`^\\tTopic: orders\\tPartition: ${p}\\tLeader: [456]\\tReplicas: [456],[456],[456]\\tIsr: [456],[456],[456]$`)));

    const json = JSON.parse((await replog(["topics", "--bootstrap-server", bootstrap, "--describe", "--topic", "orders", "--json"])).stdout) as Array<{ topic: string; partitions: unknown[] }>;
    expect(json).toMatchObject([{ topic: "orders", partitionCount: 3, replicationFactor: 3, configs: { "min.insync.replicas": "2" } }]);
    expect(json[0]!.partitions).toHaveLength(3);

    const again = await replogExit(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "orders", "--partitions", "3"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Error: TOPIC_ALREADY_EXISTS: Topic 'orders' already exists.\n");
  });

  it("topics --alter raises the partition count; the new partition gets a leader", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "grow", "--partitions", "1", "--replication-factor", "3"]);
    await replog(["topics", "--bootstrap-server", bootstrap, "--alter", "--topic", "grow", "--partitions", "3"]);
    const lines = await waitFor("three partitions with leaders", async () => {
      const out = (await replog(["topics", "--bootstrap-server", bootstrap, "--describe", "--topic", "grow"])).stdout.trimEnd().split("\n");
      return out.length === 4 && out.slice(1).every((l) => /Leader: [456]\t/.test(l)) ? out : undefined;
    });
    expect(lines[0]).toMatch(/\tPartitionCount: 3\t/);
  });

  it("configs --alter and --describe change a topic's overrides without a restart; bad ones are refused by name", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "tuned", "--partitions", "1", "--replication-factor", "3"]);
    const altered = await replog(["configs", "--bootstrap-server", bootstrap, "--entity-type", "topics", "--entity-name", "tuned", "--alter", "--add-config", "retention.ms=60000,cleanup.policy=[delete,compact]"]);
    expect(altered.stdout).toBe("Completed updating config for topic tuned.\n");
    // Kafka's --command-config: admin client properties from a file.
    const props = join(cluster.dir, "admin.properties");
    writeFileSync(props, "request.timeout.ms=5000\nclient.id=ops\n");
    expect((await replog(["topics", "--bootstrap-server", bootstrap, "--command-config", props, "--list"])).stdout.split("\n")).toContain("tuned");
    const described = await waitFor("the override in every broker's metadata", async () => {
      const out = (await replog(["configs", "--bootstrap-server", bootstrap, "--entity-type", "topics", "--entity-name", "tuned", "--describe"])).stdout;
      return out.includes("retention.ms=60000") ? out : undefined;
    });
    expect(described).toBe(
      [
        "Dynamic configs for topic tuned are:",
        "  cleanup.policy=delete,compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=delete,compact}",
        "  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}",
        "",
      ].join("\n"),
    );
    await replog(["configs", "--bootstrap-server", bootstrap, "--entity-type", "topics", "--entity-name", "tuned", "--alter", "--delete-config", "cleanup.policy"]);
    await waitFor("cleanup.policy back to the default", async () => {
      const out = (await replog(["configs", "--bootstrap-server", bootstrap, "--entity-type", "topics", "--entity-name", "tuned", "--describe"])).stdout;
      return out.includes("cleanup.policy") ? undefined : true;
    });
    const refused = async (args: string[]) =>
      replog(["configs", "--bootstrap-server", bootstrap, "--entity-type", "topics", ...args]).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    expect(await refused(["--entity-name", "tuned", "--alter", "--add-config", "retention.ms=soon"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: INVALID_CONFIG: .*retention\.ms/) });
    expect(await refused(["--entity-name", "tuned", "--alter", "--add-config", "retention.msec=1"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: INVALID_CONFIG: .*retention\.msec/) });
    expect(await refused(["--entity-name", "missing", "--alter", "--add-config", "retention.ms=1"])).toMatchObject({ code: 1, stderr: "Error: UNKNOWN_TOPIC_OR_PARTITION: topic missing does not exist\n" });
  });

  it("console-producer and console-consumer round-trip keyed lines, each key on its murmur2 partition, in order", async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `key-${i % 7}:value-${i}`);
    const produced = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "orders", "--property", "parse.key=true", "--property", "key.separator=:"], lines);
    expect(produced).toMatchObject({ code: 0, stderr: "" });

    const consumed = await replog([
      "console-consumer", "--bootstrap-server", bootstrap, "--topic", "orders", "--from-beginning", "--max-messages", "60",
      "--property", "print.partition=true", "--property", "print.offset=true", "--property", "print.key=true",
    ]);
    expect(consumed.stderr).toContain("Processed a total of 60 messages");
    const rows = consumed.stdout.trimEnd().split("\n").map((l) => {
      const [partition, offset, key, value] = l.split("\t");
      return { partition: Number(partition!.replace("Partition:", "")), offset: Number(offset!.replace("Offset:", "")), key: key!, value: value! };
    });
    expect(rows).toHaveLength(60);
    for (const r of rows) expect(r.partition).toBe(defaultPartition(Buffer.from(r.key), 3));
    // Within a partition, offsets run from 0 and values keep the order they were typed in.
    for (const p of [0, 1, 2]) {
      const mine = rows.filter((r) => r.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(mine.map((_, i) => i));
      expect(mine.map((r) => r.value)).toEqual(lines.filter((l) => defaultPartition(Buffer.from(l.split(":")[0]!), 3) === p).map((l) => l.split(":")[1]));
    }

    const one = await replog(["console-consumer", "--bootstrap-server", bootstrap, "--topic", "orders", "--partition", "0", "--offset", "1", "--max-messages", "1", "--property", "print.offset=true"]);
    expect(one.stdout).toMatch(/^Offset:1\tvalue-\d+\n$/);
  });

  it("headers travel: console-producer parse.headers=true in, console-consumer print.headers=true out", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "headed", "--partitions", "1", "--replication-factor", "3"]);
    const run = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "headed", "--property", "parse.headers=true", "--property", "parse.key=true"], ["trace:t-1,tenant:acme\tuser-1\tclicked", "\tuser-2\tviewed"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const out = await replog(["console-consumer", "--bootstrap-server", bootstrap, "--topic", "headed", "--from-beginning", "--max-messages", "2", "--property", "print.headers=true", "--property", "print.key=true"]);
    expect(out.stdout).toBe("trace:t-1,tenant:acme\tuser-1\tclicked\nNO_HEADERS\tuser-2\tviewed\n");
  });

  it("acks=all rides through a SIGKILL of the partition leader: every line is acknowledged and reads back in order, once", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "failover", "--partitions", "1", "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
    await waitFor("ISR of 3", async () => ((await raw.partition("failover", 0)).isr.length === 3 ? true : undefined));
    const { leader } = await raw.partition("failover", 0);
    const lines = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const run = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "failover"], lines, 50, async () => {
      await waitFor("the first 50 lines acknowledged", async () => ((await raw.offset("failover", 0, -1)) >= 50 ? true : undefined));
      await cluster.act(leader, "kill");
    });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const after = await raw.partition("failover", 0);
    expect(after.leader).not.toBe(leader);

    const consumed = await replog(["console-consumer", "--bootstrap-server", bootstrap, "--topic", "failover", "--from-beginning", "--timeout-ms", "2000"]);
    const values = consumed.stdout.trimEnd().split("\n");
    // Every line once, in order: the console producer is idempotent (Kafka 3's default with
    // acks=all), so a batch retried after the kill is not stored twice.
    expect(values).toEqual(lines);

    await cluster.act(leader, "start");
    await waitUnfenced(leader);
  });

  it("a SIGSTOPped leader (no TCP reset) is noticed by keepalive or the request deadline, and the producer moves on", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "paused", "--partitions", "1", "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
    await waitFor("ISR of 3", async () => ((await raw.partition("paused", 0)).isr.length === 3 ? true : undefined));
    const { leader } = await raw.partition("paused", 0);
    const lines = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const run = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "paused", "--producer-property", "request.timeout.ms=8000"], lines, 20, async () => {
      await waitFor("the first 20 lines acknowledged", async () => ((await raw.offset("paused", 0, -1)) >= 20 ? true : undefined));
      await cluster.act(leader, "pause");
    });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const values = (await replog(["console-consumer", "--bootstrap-server", bootstrap, "--topic", "paused", "--from-beginning", "--timeout-ms", "2000"])).stdout.trimEnd().split("\n");
    expect(values).toEqual(lines);
    await cluster.act(leader, "resume");
    await waitUnfenced(leader);
  });

  it.skipIf(!iptablesAvailable())("a leader cut off by iptables (DROP, no reset) is abandoned within request.timeout.ms plus a metadata refresh", async () => {
    const REQUEST_TIMEOUT_MS = 4000;
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "cut", "--partitions", "1", "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
    await waitFor("ISR of 3", async () => ((await raw.partition("cut", 0)).isr.length === 3 ? true : undefined));
    const { leader } = await raw.partition("cut", 0);
    const lines = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const partitioner = new Partitioner();
    let cutAt = 0;
    try {
      const run = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "cut", "--producer-property", `request.timeout.ms=${REQUEST_TIMEOUT_MS}`], lines, 20, async () => {
        await waitFor("the first 20 lines acknowledged", async () => ((await raw.offset("cut", 0, -1)) >= 20 ? true : undefined));
        // The leader's address is cut from every node and from this machine's 127.0.0.1, where
        // the producer's connections come from: packets vanish, no reset tells anyone.
        const host = cluster.node(leader).host;
        partitioner.isolate(host, [...cluster.file().nodes.map((n) => n.host), "127.0.0.1"]);
        cutAt = Date.now();
      });
      const stalledMs = Date.now() - cutAt;
      expect(run).toMatchObject({ code: 0, stderr: "" });
      // Not minutes: the controller fences the cut leader after its session, and the producer
      // gives up on it after one request timeout, then finds the new leader in fresh metadata.
      expect(stalledMs).toBeLessThan(3 * (REQUEST_TIMEOUT_MS + SESSION_TIMEOUT_MS));
      console.log(`iptables-cut leader: the producer finished the remaining lines ${stalledMs} ms after the cut`);
    } finally {
      partitioner.remove();
    }
    const values = (await replog(["console-consumer", "--bootstrap-server", bootstrap, "--topic", "cut", "--from-beginning", "--timeout-ms", "2000"])).stdout.trimEnd().split("\n");
    expect(values).toEqual(lines);
    await waitUnfenced(leader);
  });

  it("NOT_ENOUGH_REPLICAS reaches the console-producer user by its Kafka name, with a non-zero exit", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "strict", "--partitions", "1", "--replication-factor", "3", "--config", "min.insync.replicas=3"]);
    await waitFor("ISR of 3", async () => ((await raw.partition("strict", 0)).isr.length === 3 ? true : undefined), 30_000);
    const { leader, replicas } = await raw.partition("strict", 0);
    const follower = replicas.find((r) => r !== leader)!;
    await cluster.act(follower, "kill");
    const underMin = await waitFor("strict-0 under min ISR", async () => {
      const out = (await replog(["topics", "--bootstrap-server", bootstrap, "--describe", "--topic", "strict", "--under-min-isr-partitions"])).stdout;
      return out.includes("Partition: 0") ? out : undefined;
    }, 30_000);
    expect(underMin).not.toMatch(/^Topic:/m);

    const run = await replogWithInput(["console-producer", "--bootstrap-server", bootstrap, "--topic", "strict", "--producer-property", "delivery.timeout.ms=1500"], ["refused"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error when sending message to topic strict: NOT_ENOUGH_REPLICAS: .*\n/);
    expect(run.stderr).toMatch(/Error: 1 message\(s\) could not be sent to strict\n$/);

    await cluster.act(follower, "start");
    await waitUnfenced(follower);
  });

  it("a partition whose only replica is down shows Leader: none and is listed by --unavailable-partitions", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "solo", "--partitions", "1", "--replication-factor", "1"]);
    // Any broker may answer first, and it may not have applied the new topic yet.
    const { leader } = await waitFor("solo-0 in the metadata", async () => raw.partition("solo", 0).catch(() => undefined));
    await cluster.act(leader, "kill");
    const unavailable = await waitFor("solo-0 offline", async () => {
      const out = (await replog(["topics", "--bootstrap-server", bootstrap, "--describe", "--unavailable-partitions"])).stdout;
      // A leader the answering broker already counts as dead is listed too, before the controller's
      // election has reached it; wait for the election's answer, "Leader: none".
      return /Topic: solo\tPartition: 0\tLeader: none/.test(out) ? out : undefined;
    }, 30_000);
    expect(unavailable).toMatch(new RegExp(`^\\tTopic: solo\\tPartition: 0\\tLeader: none\\tReplicas: ${leader}\\tIsr: \\d*$`, "m"));
    await cluster.act(leader, "start");
    await waitUnfenced(leader);
  });
});
