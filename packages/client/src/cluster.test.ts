// The metadata cache against the in-process fake cluster: coalesced refreshes cover every topic
// asked for, unknown topics are retried then refused by name, and brokers that just failed are
// asked last.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, nullLogger, SeededRandom } from "@replog/common";
import { CorruptRecordError } from "@replog/protocol";
import { Cluster } from "./cluster.js";
import { asReplogError } from "./errors.js";
import { systemTimers } from "./timers.js";
import { FakeCluster } from "./test-support/fake-broker.js";

let fake: FakeCluster;
let cluster: Cluster;
beforeEach(async () => {
  fake = await FakeCluster.start([1, 2]);
  fake.createTopic("a", 1);
  fake.createTopic("b", 2);
  cluster = new Cluster({
    clientId: "t",
    brokers: fake.bootstrap,
    requestTimeoutMs: 2_000,
    maxInFlightRequests: 5,
    metadataMaxAgeMs: 60_000,
    retry: { retries: 2, initialRetryTime: 5, maxRetryTime: 10, factor: 0, multiplier: 2 },
    timers: systemTimers,
    clock: new ManualClock(),
    random: new SeededRandom(1),
    logger: nullLogger,
  });
});
afterEach(async () => {
  cluster.close();
  await fake.stop();
});

describe("Cluster metadata", () => {
  it("concurrent refreshes for different topics each get their topics", async () => {
    await Promise.all([cluster.refreshSoon(["a"]), cluster.refreshSoon(["b"]), cluster.refreshSoon(["a"])]);
    expect(cluster.topic("a")?.partitions).toHaveLength(1);
    expect(cluster.topic("b")?.partitions).toHaveLength(2);
  });

  it("learns leaders and epochs, and sees a leader move after a refresh", async () => {
    await cluster.ensureTopics(["b"]);
    expect(cluster.leaderConnection("b", 1)?.info).toMatchObject({ leader: 2, leaderEpoch: 0 });
    fake.moveLeader("b", 1, 1);
    await cluster.refresh(["b"]);
    expect(cluster.leaderConnection("b", 1)?.info).toMatchObject({ leader: 1, leaderEpoch: 1 });
  });

  it("retries an unknown topic, then refuses it with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await expect(cluster.ensureTopics(["nope"])).rejects.toMatchObject({ type: "UNKNOWN_TOPIC_OR_PARTITION", name: "ReplogRetriesExhausted" });
  });

  it("asks a broker that just failed for metadata after the others", async () => {
    await cluster.refresh([]);
    const first = cluster.candidateConnections()[0]!;
    first.suspect = true;
    const order = cluster.candidateConnections();
    expect(order.at(-1)).toBe(first);
    expect(order.slice(0, -1).every((c) => !c.suspect)).toBe(true);
  });
});

describe("asReplogError", () => {
  it("keeps a protocol error's Kafka name and retriability", () => {
    expect(asReplogError(new CorruptRecordError("bad crc"))).toMatchObject({ type: "CORRUPT_MESSAGE", code: 2, retriable: true, message: "bad crc" });
    expect(asReplogError(new Error("boom"))).toMatchObject({ type: "UNKNOWN_SERVER_ERROR", retriable: false });
  });
});

describe("Cluster.updateLeader (KIP-951 hints)", () => {
  it("takes a newer leader epoch for a known broker, and nothing else", async () => {
    await cluster.ensureTopics(["b"]);
    expect(cluster.updateLeader("b", 0, 2, 0)).toBe(false);
    expect(cluster.updateLeader("b", 0, 9, 5)).toBe(false);
    expect(cluster.updateLeader("b", 0, -1, 5)).toBe(false);
    expect(cluster.updateLeader("b", 0, 2, 1)).toBe(true);
    expect(cluster.leaderConnection("b", 0)?.info).toMatchObject({ leader: 2, leaderEpoch: 1 });
  });
});
