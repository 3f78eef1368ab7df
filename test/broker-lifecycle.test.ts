// Brokers as the controller sees them, with real processes: registration, fencing when a broker
// goes silent (broker.session.timeout.ms), controlled shutdown moving leaderships before exit, and
// re-registration with a new broker epoch after a restart. Asserted through the metadata log.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeId } from "@replog/common";
import type { MetadataImage } from "@replog/metadata";
import { callUnary, newControllerClient } from "@replog/protocol";
import { describeQuorum } from "@replog/cli";
import { TestCluster } from "./support/cluster.js";
import { readMetadataImage } from "./support/metadata-image.js";
import { waitFor } from "./support/wait.js";

const SESSION_TIMEOUT_MS = 3000;
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({
    controllers: 3,
    brokers: 3,
    overrides: ["controller.quorum.election.timeout.ms=500", `broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`, "broker.heartbeat.interval.ms=500"],
  });
});
afterAll(async () => {
  await cluster?.destroy();
});

const broker = (image: MetadataImage, id: number) => image.cluster.brokers.get(nodeId(id));
const partitionsOf = (image: MetadataImage, topic: string) => [...(image.topics.topicByName(topic)?.partitions.values() ?? [])];

async function createTopic(name: string, partitions: number, rf: number): Promise<void> {
  const q = await describeQuorum(cluster.file().bootstrapControllers);
  const c = newControllerClient(cluster.controllerAddress(q.leaderId));
  try {
    const res = (await callUnary(c, c.CreateTopics, { topics: [{ name, numPartitions: partitions, replicationFactor: rf, assignments: [], configs: {} }] }, 10_000)) as { topics: unknown[] };
    expect(res.topics[0]).toMatchObject({ errorCode: 0 });
  } finally {
    c.close();
  }
}

describe("broker lifecycle: three controllers, three brokers", () => {
  it("every broker registers and is unfenced; a topic spreads its leaders over them", async () => {
    const image = await readMetadataImage(cluster);
    for (const id of [4, 5, 6]) expect(broker(image, id)).toMatchObject({ fenced: false, inControlledShutdown: false });
    await createTopic("orders", 6, 3);
    const after = await readMetadataImage(cluster);
    const leaders = new Set(partitionsOf(after, "orders").map((p) => p.leader));
    expect(leaders).toEqual(new Set([4, 5, 6]));
    for (const p of partitionsOf(after, "orders")) expect([...p.isr].sort()).toEqual([4, 5, 6]);
  });

  it("a SIGKILLed broker is fenced after its session expires and leaves every ISR; its leaderships move", async () => {
    await cluster.act(6, "kill");
    const image = await waitFor("broker 6 fenced", async () => {
      const img = await readMetadataImage(cluster);
      return broker(img, 6)?.fenced ? img : undefined;
    }, 4 * SESSION_TIMEOUT_MS);
    for (const p of partitionsOf(image, "orders")) {
      expect(p.leader).not.toBe(6);
      expect(p.isr).not.toContain(6);
    }
    const controllerLogs = cluster.file().nodes.filter((n) => n.controllerPort !== null).map((n) => cluster.log(n.nodeId)).join("\n");
    expect(controllerLogs).toMatch(/broker 6 fenced: no heartbeat within broker\.session\.timeout\.ms/);
  });

  it("a restarted broker registers again with a higher broker epoch", async () => {
    const before = broker(await readMetadataImage(cluster), 6)!.brokerEpoch;
    await cluster.act(6, "start");
    const image = await waitFor("broker 6 unfenced again", async () => {
      const img = await readMetadataImage(cluster);
      return broker(img, 6)?.fenced === false ? img : undefined;
    }, 30_000);
    expect(broker(image, 6)!.brokerEpoch > before).toBe(true);
  });

  it("SIGTERM runs a controlled shutdown: leaderships move away before the process exits", async () => {
    const led = partitionsOf(await readMetadataImage(cluster), "orders").filter((p) => p.leader === 5).length;
    expect(led).toBeGreaterThan(0);
    await cluster.act(5, "stop");
    expect(cluster.log(5)).toMatch(/controlled shutdown complete/);
    const image = await readMetadataImage(cluster);
    for (const p of partitionsOf(image, "orders")) expect(p.leader).not.toBe(5);
  });
});
