// The admin client against the in-process fake cluster: requests go to BrokerAdmin with the
// controller's message shapes, NOT_CONTROLLER (a controller failover) is retried, per-topic errors
// surface with their Kafka names, and offsets come from each partition's leader.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeededRandom } from "@replog/common";
import { Replog } from "./replog.js";
import { FakeCluster } from "./test-support/fake-broker.js";

let cluster: FakeCluster;
let replog: Replog;
beforeEach(async () => {
  cluster = await FakeCluster.start([1, 2, 3]);
  replog = new Replog({ brokers: cluster.bootstrap.slice(0, 1), requestTimeout: 5_000, random: new SeededRandom(5), retry: { retries: 5, initialRetryTime: 5, maxRetryTime: 20 } });
});
afterEach(async () => {
  await cluster.stop();
});

describe("admin", () => {
  it("creates topics in the controller's message shape, waits for leaders, and says false when one existed", async () => {
    const admin = replog.admin();
    await admin.connect();
    const created = await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 3, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }] });
    expect(created).toBe(true);
    expect(cluster.adminCalls[0]).toEqual({
      method: "CreateTopics",
      request: { topics: [{ name: "orders", numPartitions: 3, replicationFactor: 3, assignments: [], configs: { "min.insync.replicas": "2" } }] },
    });
    expect(await admin.listTopics()).toEqual(["orders"]);
    expect(await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 3 }] })).toBe(false);
    await admin.disconnect();
  });

  it("retries NOT_CONTROLLER during a controller failover", async () => {
    cluster.notControllerAnswers = 2;
    const admin = replog.admin();
    await admin.connect();
    await expect(admin.createTopics({ topics: [{ topic: "x", numPartitions: 1 }] })).resolves.toBe(true);
    expect(cluster.adminCalls.map((c) => c.method)).toEqual(["CreateTopics", "CreateTopics", "CreateTopics"]);
    await admin.disconnect();
  });

  it("throws a per-topic error with its Kafka name", async () => {
    const admin = replog.admin();
    await admin.connect();
    await expect(admin.deleteTopics({ topics: ["missing"] })).rejects.toMatchObject({ type: "UNKNOWN_TOPIC_OR_PARTITION", code: 3 });
    await admin.disconnect();
  });

  it("describes metadata, the cluster, and offsets (low, high, by timestamp) per partition", async () => {
    cluster.createTopic("t", 2, [2, 3]);
    const admin = replog.admin();
    await admin.connect();
    const producer = replog.producer();
    await producer.connect();
    await producer.send({ topic: "t", messages: [{ value: "a", partition: 1, timestamp: 1000 }, { value: "b", partition: 1, timestamp: 2000 }] });
    await producer.send({ topic: "t", messages: [{ value: "c", partition: 1, timestamp: 3000 }] });
    await producer.disconnect();
    const { topics } = await admin.fetchTopicMetadata({ topics: ["t"] });
    expect(topics[0]!.partitions.map((p) => [p.partitionId, p.leader])).toEqual([[0, 2], [1, 3]]);
    expect(await admin.describeCluster()).toMatchObject({ clusterId: "fake-cluster", controller: 1, brokers: [{ nodeId: 1 }, { nodeId: 2 }, { nodeId: 3 }] });
    expect(await admin.fetchTopicOffsets("t")).toEqual([
      { partition: 0, offset: "0", high: "0", low: "0" },
      { partition: 1, offset: "3", high: "3", low: "0" },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp("t", 2500)).toEqual([
      { partition: 0, offset: "0" },
      { partition: 1, offset: "2" },
    ]);
    await expect(admin.fetchTopicMetadata({ topics: ["nope"] })).rejects.toMatchObject({ type: "UNKNOWN_TOPIC_OR_PARTITION" });
    await admin.disconnect();
  });

  it("sends alterConfigs as incremental SETs and describes the quorum", async () => {
    const admin = replog.admin();
    await admin.connect();
    await admin.alterConfigs({ resources: [{ type: 2, name: "t", configEntries: [{ name: "retention.ms", value: "1000" }] }] });
    expect(cluster.adminCalls.at(-1)).toEqual({
      method: "IncrementalAlterConfigs",
      request: { resources: [{ resourceType: "TOPIC", resourceName: "t", configs: [{ name: "retention.ms", operation: "SET", value: "1000" }] }] },
    });
    expect(await admin.describeQuorum()).toMatchObject({ leaderId: 1, clusterId: "fake-cluster" });
    await admin.disconnect();
  });

  it("sends createPartitions and electLeaders in the controller's message shapes", async () => {
    const admin = replog.admin();
    await admin.connect();
    await admin.createPartitions({ topicPartitions: [{ topic: "t", count: 4, assignments: [[1, 2]] }] });
    await admin.electLeaders({ electionType: "UNCLEAN", topicPartitions: [{ topic: "t", partitions: [0, 2] }] });
    expect(cluster.adminCalls.map((c) => c.request)).toEqual([
      { topics: [{ name: "t", count: 4, assignments: [{ brokerIds: [1, 2] }] }] },
      { electionType: "UNCLEAN", partitions: [{ topic: "t", partition: 0 }, { topic: "t", partition: 2 }] },
    ]);
    await admin.disconnect();
  });
});
