// Partition replication with real brokers (issue: brokers and partition replication, must-show 1
// and 2): the ISR follows Kafka's caught-up rule, and acks=all with min.insync.replicas refuses or
// accepts writes exactly as Kafka does. Timeouts are shortened by config.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

const LAG_MS = 2000;
let cluster: TestCluster;
let client: RawClient;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 3,
    brokers: 3,
    overrides: [
      "controller.quorum.election.timeout.ms=500",
      `replica.lag.time.max.ms=${LAG_MS}`,
      // Longer than the lag time, so the leader's ISR rule acts before the controller fences.
      "broker.session.timeout.ms=8000",
      "broker.heartbeat.interval.ms=1000",
      "replica.fetch.backoff.ms=200",
    ],
  });
  client = new RawClient(cluster.file().bootstrapServers.split(","));
});
afterAll(async () => {
  client?.close();
  await cluster?.destroy();
});

const isrOf = async (topic: string) => (await client.partition(topic, 0)).isr;

describe("replication: three brokers", () => {
  it("ISR by Kafka's caught-up rule: an idle caught-up follower stays; a paused one leaves within [1x, 1.5x] the lag time and rejoins", async () => {
    await client.createTopic("lag", 1, 3);
    await waitFor("ISR of 3", async () => ((await isrOf("lag")).length === 3 ? true : undefined));
    expect((await client.produceRetrying("lag", 0, ["a"], -1)).error).toBe("NONE");
    const { leader, replicas } = await client.partition("lag", 0);
    const follower = replicas.find((r: number) => r !== leader)!;

    // Caught up and idle: its log end equals the leader's, so it stays in the ISR (§1.4).
    await cluster.act(follower, "pause");
    await new Promise((r) => setTimeout(r, 2.5 * LAG_MS));
    expect(await isrOf("lag")).toContain(follower);
    await cluster.act(follower, "resume");

    // Stopped while records keep arriving: out after the lag time, before 1.5x of it.
    await waitFor("follower caught up again", async () => ((await client.produce("lag", 0, ["b"], -1)).error === "NONE" ? true : undefined));
    let writing = true;
    const written: string[] = ["a", "b"];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await client.produce("lag", 0, [`w${i}`], 1);
        if (r.error === "NONE") written.push(`w${i}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    await cluster.act(follower, "pause");
    await waitFor(`follower ${follower} out of the ISR`, async () => (!(await isrOf("lag")).includes(follower) ? true : undefined), 5 * LAG_MS);
    writing = false;
    await writer;
    const line = cluster.log(leader).split("\n").find((l) => l.includes("proposing ISR change for lag-0") && l.includes(`follower ${follower} last caught up`));
    expect(line, "the leader logs the shrink with its reason").toBeDefined();
    const agoMs = JSON.parse(line!).reason.outOfSync[0].lastCaughtUpAgoMs as number;
    expect(agoMs).toBeGreaterThanOrEqual(LAG_MS);
    expect(agoMs).toBeLessThanOrEqual(1.5 * LAG_MS + 300);

    await cluster.act(follower, "resume");
    await waitFor(`follower ${follower} back in the ISR`, async () => ((await isrOf("lag")).includes(follower) ? true : undefined), 20_000);
    expect((await client.readAll("lag", 0)).map((r) => r.value)).toEqual(written);
  });

  it("RF 3, min.insync.replicas=2, acks=all: one broker down goes on, two down refuses with nothing appended, back up resumes", async () => {
    await client.createTopic("durable", 1, 3, { "min.insync.replicas": "2" });
    await waitFor("ISR of 3", async () => ((await isrOf("durable")).length === 3 ? true : undefined));
    expect((await client.produceRetrying("durable", 0, ["one"], -1)).error).toBe("NONE");
    const { leader, replicas } = await client.partition("durable", 0);
    const [f1, f2] = replicas.filter((r: number) => r !== leader);
    await cluster.act(f1!, "kill");
    await waitFor("ISR of 2", async () => ((await isrOf("durable")).length === 2 ? true : undefined), 20_000);
    expect((await client.produce("durable", 0, ["two"], -1)).error).toBe("NONE");

    await cluster.act(f2!, "kill");
    await waitFor("ISR of 1", async () => ((await isrOf("durable")).length === 1 ? true : undefined), 20_000);
    const hwBefore = await client.offset("durable", 0, -1);
    const refused = await client.produce("durable", 0, ["three"], -1);
    expect(refused.error).toBe("NOT_ENOUGH_REPLICAS");
    // acks=1 is accepted by the leader alone, but the high watermark is frozen under min ISR:
    // consumers see nothing new.
    expect((await client.produce("durable", 0, ["four (acks=1)"], 1)).error).toBe("NONE");
    expect(await client.offset("durable", 0, -1)).toBe(hwBefore);
    expect((await client.readAll("durable", 0)).map((r) => r.value)).toEqual(["one", "two"]);

    await cluster.act(f1!, "start");
    await cluster.act(f2!, "start");
    await waitFor("ISR refilled", async () => ((await isrOf("durable")).length === 3 ? true : undefined), 30_000);
    expect((await client.produceRetrying("durable", 0, ["five"], -1)).error).toBe("NONE");
    // The refused acks=all write never reached the log; the acks=1 write did, once the ISR let the
    // high watermark move.
    expect((await client.readAll("durable", 0)).map((r) => r.value)).toEqual(["one", "two", "four (acks=1)", "five"]);
  });
});
