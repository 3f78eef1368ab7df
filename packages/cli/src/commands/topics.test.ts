import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TopicMetadata } from "@replog/client";
import { main } from "../main.js";
import { describeTopicJson, describeTopicLines, parsePairs, topicMatcher } from "./topics.js";

const topic = (over: Partial<TopicMetadata> = {}): TopicMetadata => ({
  name: "orders",
  topicId: "q4RBkZ0aS3uWkb0bKJ6b2A",
  configs: { "min.insync.replicas": "2", "cleanup.policy": "delete" },
  partitions: [
    { partitionErrorCode: 0, partitionId: 0, leader: 4, leaderEpoch: 0, replicas: [4, 5, 6], isr: [4, 5, 6], offlineReplicas: [] },
    { partitionErrorCode: 0, partitionId: 1, leader: 5, leaderEpoch: 2, replicas: [5, 6, 4], isr: [5, 6], offlineReplicas: [] },
    { partitionErrorCode: 0, partitionId: 2, leader: -1, leaderEpoch: 3, replicas: [6, 4, 5], isr: [6], offlineReplicas: [6] },
  ],
  ...over,
});
const live = new Set([4, 5]);

describe("topics --describe output", () => {
  it("prints Kafka's topic line and one tab-led line per partition, Leader: none when offline", () => {
    expect(describeTopicLines(topic(), live)).toEqual([
      "Topic: orders\tTopicId: q4RBkZ0aS3uWkb0bKJ6b2A\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: cleanup.policy=delete,min.insync.replicas=2",
      "\tTopic: orders\tPartition: 0\tLeader: 4\tReplicas: 4,5,6\tIsr: 4,5,6",
      "\tTopic: orders\tPartition: 1\tLeader: 5\tReplicas: 5,6,4\tIsr: 5,6",
      "\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 6,4,5\tIsr: 6",
    ]);
  });

  it("with a filter prints only matching partition lines and no topic line (TopicCommand)", () => {
    const lines = (f: object) => describeTopicLines(topic(), live, f).map((l) => l.match(/Partition: (\d+)/)![1]);
    expect(lines({ underReplicated: true })).toEqual(["1", "2"]);
    // min.insync.replicas=2: partition 2 has no leader and one in-sync replica.
    expect(lines({ underMinIsr: true })).toEqual(["2"]);
    expect(lines({ atMinIsr: true })).toEqual(["1"]);
    expect(lines({ unavailable: true })).toEqual(["2"]);
    // A leader on a broker that is not live is unavailable too.
    expect(describeTopicLines(topic(), new Set([5, 6]), { unavailable: true }).map((l) => l.match(/Partition: (\d+)/)![1])).toEqual(["0", "2"]);
  });

  it("falls back to min.insync.replicas=1 without an override", () => {
    const t = topic({ configs: {} });
    expect(describeTopicLines(t, live, { atMinIsr: true }).map((l) => l.match(/Partition: (\d+)/)![1])).toEqual(["2"]);
    expect(describeTopicLines(t, live)[0]).toMatch(/\tConfigs: $/);
  });

  it("--json gives the same facts with null for no leader", () => {
    expect(describeTopicJson(topic(), live, { unavailable: true })).toEqual({
      topic: "orders",
      topicId: "q4RBkZ0aS3uWkb0bKJ6b2A",
      partitionCount: 3,
      replicationFactor: 3,
      configs: { "min.insync.replicas": "2", "cleanup.policy": "delete" },
      partitions: [{ partition: 2, leader: null, leaderEpoch: 3, replicas: [6, 4, 5], isr: [6], offlineReplicas: [6] }],
    });
  });
});

describe("topics option helpers", () => {
  it("parses key=value pairs, keeping '=' in values, and refuses a bare key", () => {
    expect(parsePairs(["a=1", "b=x=y"], "--config")).toEqual({ a: "1", b: "x=y" });
    expect(() => parsePairs(["retention.ms"], "--config")).toThrow(/--config expects key=value, got "retention.ms"/);
  });

  it("matches --topic as a name or a whole regular expression", () => {
    const m = topicMatcher("ord.*");
    expect(["orders", "ordinal", "xorders"].filter(m)).toEqual(["orders", "ordinal"]);
    expect(topicMatcher("a.b")("a.b")).toBe(true);
    expect(topicMatcher(undefined)("anything")).toBe(true);
  });
});

describe("replog topics errors", () => {
  let err: string[];
  beforeEach(() => {
    err = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it("needs exactly one action, and says so in one line", async () => {
    expect(await main(["topics", "--bootstrap-server", "127.0.0.1:1"])).toBe(1);
    expect(err.join("")).toBe("Error: exactly one of --create, --list, --describe, --alter or --delete is needed\n");
    err.length = 0;
    expect(await main(["topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--delete"])).toBe(1);
    expect(err.join("")).toMatch(/^Error: exactly one of/);
  });

  it("reports an unreachable bootstrap server as a NETWORK_EXCEPTION on one line", async () => {
    expect(await main(["topics", "--bootstrap-server", "127.0.0.1:1", "--list"])).toBe(1);
    const text = err.join("");
    expect(text).toMatch(/^Error: NETWORK_EXCEPTION: 127\.0\.0\.1:1: /);
    expect(text.trimEnd().split("\n")).toHaveLength(1);
  });
});
