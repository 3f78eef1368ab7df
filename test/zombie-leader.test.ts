// A zombie leader (issue: brokers and replication, must-show 6): the leader is paused past its
// broker session, the controller fences it and elects another; writes sent to the old leader while
// it was paused are processed when it resumes, at its stale leader epoch. None may be acknowledged
// with acks=all, and whatever it appended is truncated by leader epoch once it follows.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch, newBrokerClient } from "@replog/protocol";
import { TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

let cluster: TestCluster;
let client: RawClient;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 1,
    brokers: 3,
    overrides: ["controller.quorum.election.timeout.ms=500", "broker.session.timeout.ms=2000", "broker.heartbeat.interval.ms=400", "replica.lag.time.max.ms=10000"],
  });
  client = new RawClient(cluster.file().bootstrapServers.split(","));
});
afterAll(async () => {
  client?.close();
  await cluster?.destroy();
});

describe("zombie leader", () => {
  it("a replaced leader that wakes up cannot get an acks=all write acknowledged, and nothing it wrote survives", async () => {
    await client.createTopic("z", 1, 3, { "min.insync.replicas": "2" });
    expect((await client.produceRetrying("z", 0, ["before"], -1)).error).toBe("NONE");
    const old = await client.partition("z", 0);

    cluster.signal(old.leader, "SIGSTOP");
    // Writes that reach the old leader's socket while it sleeps.
    const c = newBrokerClient(old.address!);
    const stream = c.Produce();
    const answers: Array<{ correlationId: string; error: string }> = [];
    stream.on("data", (r: { correlationId: string; topics: Array<{ partitions: Array<{ errorName: string }> }> }) => answers.push({ correlationId: String(r.correlationId), error: r.topics[0]!.partitions[0]!.errorName }));
    stream.on("error", () => undefined);
    for (let i = 0; i < 3; i++) {
      stream.write({ correlationId: String(i), acks: -1, timeoutMs: 4000, topics: [{ name: "z", partitions: [{ index: 0, records: encodeRecordBatch({ records: [{ value: Buffer.from(`zombie-${i}`) }] }) }] }] });
    }
    const replaced = await waitFor("a new leader", async () => {
      const p = await client.partition("z", 0);
      return p.leader >= 0 && p.leader !== old.leader ? p : undefined;
    }, 20_000);
    expect(replaced.leaderEpoch).toBeGreaterThan(old.leaderEpoch);
    expect((await client.produceRetrying("z", 0, ["after"], -1)).error).toBe("NONE");

    cluster.signal(old.leader, "SIGCONT");
    await waitFor("answers from the woken leader", async () => (answers.length === 3 ? true : undefined), 20_000);
    stream.end();
    c.close();
    console.log(`zombie answers: ${answers.map((a) => `${a.correlationId}:${a.error}`).join(" ")}`);
    for (const a of answers) expect(a.error).not.toBe("NONE");

    await waitFor(`old leader ${old.leader} back in the ISR`, async () => ((await client.partition("z", 0)).isr.includes(old.leader) ? true : undefined), 30_000);
    const read = (await client.readAll("z", 0)).map((r) => r.value);
    expect(read).toEqual(["before", "after"]);
  });
});
