// Observability through a scripted failure (issue: operating replog, must-show 1 and 4). Every
// node's /metrics is scraped while a follower is paused and then the partition leader is killed:
// under-replicated goes 0 → 1 → 0, ISR shrinks and expands are counted (with their reason on
// replog_isr_changes_total), exactly one controller is active whenever the quorum has settled, and
// no unclean election is counted because none happened. The JSON logs of the failover carry the
// leader change, ISR and fencing lines with their reasons.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

let cluster: TestCluster;
let client: RawClient;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 3,
    brokers: 3,
    overrides: ["controller.quorum.election.timeout.ms=500", "replica.lag.time.max.ms=1500", "broker.session.timeout.ms=6000", "broker.heartbeat.interval.ms=500"],
  });
  client = new RawClient(cluster.file().bootstrapServers.split(","));
});
afterAll(async () => {
  client?.close();
  await cluster?.destroy();
});

/** Sum of a series over every running node (labels ignored). */
async function sum(name: string, filter: (labels: string) => boolean = () => true): Promise<number> {
  let total = 0;
  for (const n of cluster.file().nodes) {
    if (n.state !== "running") continue;
    const text = await fetch(`http://${n.host}:${n.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => "");
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === name && filter(m[2] ?? "")) total += Number(m[3]);
    }
  }
  return total;
}

const until = (what: string, probe: () => Promise<boolean>, ms = 20_000) => waitFor(what, async () => ((await probe()) ? true : undefined), ms);

describe("metrics and logs through a failure", () => {
  it("under-replicated 0 → 1 → 0, ISR shrink/expand counted with reasons, one active controller, no unclean election", async () => {
    await client.createTopic("obs", 1, 3);
    expect((await client.produceRetrying("obs", 0, ["a"], -1)).error).toBe("NONE");
    await until("one active controller", async () => (await sum("kafka_controller_kafkacontroller_activecontrollercount")) === 1);
    expect(await sum("kafka_server_replicamanager_underreplicatedpartitions")).toBe(0);
    const shrinksBefore = await sum("kafka_server_replicamanager_isrshrinks_total");

    const { leader, replicas } = await client.partition("obs", 0);
    const follower = replicas.find((r: number) => r !== leader)!;
    cluster.signal(follower, "SIGSTOP");
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await client.produce("obs", 0, ["tick"], 1);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await until("under-replicated = 1", async () => (await sum("kafka_server_replicamanager_underreplicatedpartitions")) === 1);
    // The leader shows how far behind the paused follower is, in records and in time.
    expect(await sum("replog_follower_lag_records", (l) => l.includes(`follower="${follower}"`))).toBeGreaterThan(0);
    expect(await sum("replog_follower_lag_ms", (l) => l.includes(`follower="${follower}"`))).toBeGreaterThan(1500);
    expect(await sum("kafka_server_replicamanager_isrshrinks_total")).toBeGreaterThan(shrinksBefore);
    expect(await sum("replog_isr_changes_total", (l) => l.includes('kind="shrink"') && l.includes('reason="follower-not-caught-up"'))).toBeGreaterThan(0);
    cluster.signal(follower, "SIGCONT");
    await until("under-replicated = 0 again", async () => (await sum("kafka_server_replicamanager_underreplicatedpartitions")) === 0);
    expect(await sum("kafka_server_replicamanager_isrexpands_total")).toBeGreaterThan(0);
    writing = false;
    await writer;

    // Kill the partition leader: the controller fences it and elects a new leader from the ISR.
    await cluster.act(leader, "kill");
    await until("a new leader", async () => {
      const p = await client.partition("obs", 0).catch(() => undefined);
      return p !== undefined && p.leader >= 0 && p.leader !== leader;
    }, 30_000);
    await until("under-replicated counted on the new leader", async () => (await sum("kafka_server_replicamanager_underreplicatedpartitions")) === 1, 30_000);
    expect(await sum("kafka_controller_kafkacontroller_activecontrollercount")).toBe(1);
    expect(await sum("kafka_controller_kafkacontroller_offlinepartitionscount")).toBe(0);
    expect(await sum("replog_leader_elections_total", (l) => l.includes('kind="clean"'))).toBeGreaterThan(0);
    expect(await sum("kafka_controller_controllerstats_uncleanleaderelections_total")).toBe(0);
    await cluster.act(leader, "start");
    await until("under-replicated back to 0", async () => (await sum("kafka_server_replicamanager_underreplicatedpartitions")) === 0, 60_000);

    // Latency histograms: produce split into local append, waiting for the ISR and total; fetches;
    // and the controllers' election latency from their first election. (The first leader, which
    // saw the early acks=all writes, is a new process now: write once more.)
    expect((await client.produceRetrying("obs", 0, ["final"], -1)).error).toBe("NONE");
    expect(await sum("replog_produce_latency_seconds_count", (l) => l.includes('stage="replica_wait"') && l.includes('acks="all"'))).toBeGreaterThan(0);
    expect(await sum("replog_produce_latency_seconds_count", (l) => l.includes('stage="local_append"'))).toBeGreaterThan(0);
    expect(await sum("replog_produce_latency_seconds_count", (l) => l.includes('stage="total"'))).toBeGreaterThan(0);
    expect(await sum("replog_fetch_latency_seconds_count", (l) => l.includes('kind="follower"'))).toBeGreaterThan(0);
    expect(await sum("replog_raft_election_latency_seconds_count")).toBeGreaterThan(0);
    // Bytes and records in and out, counted from batch headers.
    expect((await client.readAll("obs", 0)).map((r) => r.value)).toContain("final");
    for (const series of ["kafka_server_brokertopicmetrics_bytesin_total", "kafka_server_brokertopicmetrics_messagesin_total", "kafka_server_brokertopicmetrics_bytesout_total", "replog_broker_records_out_total"])
      expect(await sum(series), series).toBeGreaterThan(0);

    // The logs tell the story with reasons (DESIGN.md section 8).
    const brokerLogs = cluster.file().nodes.filter((n) => n.roles.includes("broker")).map((n) => cluster.log(n.nodeId)).join("\n");
    const controllerLogs = cluster.file().nodes.filter((n) => n.roles.includes("controller")).map((n) => cluster.log(n.nodeId)).join("\n");
    expect(brokerLogs).toMatch(new RegExp(`proposing ISR change for obs-0: follower ${follower} last caught up [0-9.]+ s ago`));
    expect(brokerLogs).toMatch(/ISR of obs-0 is now \[/);
    expect(brokerLogs).toMatch(/became leader for obs-0 at epoch \d+ with ISR \[/);
    expect(controllerLogs).toMatch(new RegExp(`broker ${leader} fenced: no heartbeat within broker\\.session\\.timeout\\.ms`));
    for (const line of brokerLogs.split("\n").filter(Boolean)) {
      const parsed = JSON.parse(line) as { nodeId?: number; role?: string };
      expect(parsed.nodeId).toBeTypeOf("number");
      expect(parsed.role).toBeTypeOf("string");
    }
  });
});
