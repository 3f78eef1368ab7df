// Issue: brokers and replication, must-show 7. A clean broker stop (SIGTERM) moves its leaderships
// away before it exits, so producers see only retriable errors; and killing the active controller
// in the middle of a broker failover still gets every partition a new leader.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KAFKA_ERRORS } from "@replog/protocol";
import { describeQuorum } from "@replog/cli";
import { TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

let cluster: TestCluster;
let client: RawClient;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 3,
    brokers: 3,
    overrides: ["controller.quorum.election.timeout.ms=500", "broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=500", "replica.lag.time.max.ms=5000"],
  });
  client = new RawClient(cluster.file().bootstrapServers.split(","));
});
afterAll(async () => {
  client?.close();
  await cluster?.destroy();
});

const PARTITIONS = 6;

describe("controlled shutdown and controller failover", () => {
  it("SIGTERM on a broker under load: its leaderships move first; producers see only retriable errors", async () => {
    await client.createTopic("cs", PARTITIONS, 3, { "min.insync.replicas": "2" });
    for (let p = 0; p < PARTITIONS; p++) expect((await client.produceRetrying("cs", p, ["warm-up"], -1)).error).toBe("NONE");
    const leaders = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => client.partition("cs", p)));
    const victim = leaders[0]!.leader;
    const errors = new Map<string, number>();
    let acked = 0;
    let running = true;
    const writers = Array.from({ length: PARTITIONS }, async (_, p) => {
      for (let i = 0; running; i++) {
        const r = await client.produce("cs", p, [`p${p}-${i}`], -1, 3000);
        if (r.error === "NONE") acked++;
        else errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
        await new Promise((res) => setTimeout(res, 20));
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    await cluster.act(victim, "stop");
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(writers);
    expect(cluster.log(victim)).toMatch(/controlled shutdown complete/);
    console.log(`controlled shutdown of broker ${victim}: ${acked} writes acknowledged; errors ${JSON.stringify(Object.fromEntries(errors))}`);
    for (const name of errors.keys()) {
      // Transport errors are the client's to retry too; Kafka-named errors must be retriable.
      if (name === "NETWORK_EXCEPTION" || name === "REQUEST_TIMED_OUT") continue;
      expect(KAFKA_ERRORS[name]?.retriable, `${name} is retriable`).toBe(true);
    }
    for (let p = 0; p < PARTITIONS; p++) expect((await client.partition("cs", p)).leader).not.toBe(victim);
    await cluster.act(victim, "start");
    await waitFor("three live brokers", async () => ((await client.metadata()).brokers.length === 3 ? true : undefined), 30_000);
  });

  it("the active controller dies during a broker failover: every partition still gets a new leader", async () => {
    await client.createTopic("cf", PARTITIONS, 3);
    for (let p = 0; p < PARTITIONS; p++) expect((await client.produceRetrying("cf", p, ["x"], -1)).error).toBe("NONE");
    const before = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => client.partition("cf", p)));
    const broker = before[0]!.leader;
    const led = before.map((p, i) => (p.leader === broker ? i : -1)).filter((i) => i >= 0);
    const active = (await describeQuorum(cluster.file().bootstrapControllers)).leaderId;
    cluster.signal(broker, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1500)); // inside the broker's session: fencing is pending
    cluster.signal(active, "SIGKILL");
    await waitFor("every partition led by a live broker", async () => {
      const now = await Promise.all(led.map((p) => client.partition("cf", p)));
      return now.every((p) => p.leader >= 0 && p.leader !== broker) ? true : undefined;
    }, 30_000);
    const quorum = await describeQuorum(cluster.file().nodes.filter((n) => n.controllerPort !== null && n.nodeId !== active).map((n) => `${n.host}:${n.controllerPort}`).join(","));
    expect(quorum.leaderId).not.toBe(active);
    for (const p of led) expect((await client.produceRetrying("cf", p, ["after"], -1)).error).toBe("NONE");
  });
});
