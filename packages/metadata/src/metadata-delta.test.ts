import { describe, expect, it } from "vitest";
import { brokerEpoch, leaderEpoch, logIndex, nodeId, partitionEpoch, producerId, term, AssertionError } from "@replog/common";
import { MetadataDelta } from "./metadata-delta.js";
import { MetadataImage } from "./metadata-image.js";
import { isNewLeadership } from "./image/local-replica-changes.js";
import { incarnationId, topicId, type MetadataRecord } from "./records.js";

const b = nodeId;
const T = topicId("AAAAAAAAAAAAAAAAAAAAAA");
const at = (n: number) => ({ lastIndex: logIndex(n), lastTerm: term(1) });

function register(id: number, epoch: number, fenced = false): MetadataRecord {
  return {
    type: "RegisterBrokerRecord", brokerId: b(id), incarnationId: incarnationId(`inc-${id}-${epoch}`), brokerEpoch: brokerEpoch(BigInt(epoch)),
    endpoints: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9090 + id }], rack: null, fenced, inControlledShutdown: false,
  };
}

function partition(p: number, replicas: number[], leader: number): MetadataRecord {
  return {
    type: "PartitionRecord", topicId: T, partitionId: p, replicas: replicas.map(b), isr: replicas.map(b), leader: b(leader),
    leaderRecoveryState: "RECOVERED", leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0),
  };
}

function imageOf(records: MetadataRecord[], base = MetadataImage.EMPTY): MetadataImage {
  const delta = new MetadataDelta(base);
  records.forEach((r) => delta.replay(r));
  return delta.apply(at(base.provenance.lastIndex + records.length));
}

const base = imageOf([
  register(1, 10), register(2, 11), register(3, 12),
  { type: "TopicRecord", name: "orders", topicId: T },
  partition(0, [1, 2, 3], 1), partition(1, [2, 3, 1], 2),
  { type: "ConfigRecord", resourceType: "TOPIC", resourceName: "orders", name: "min.insync.replicas", value: "2" },
]);

describe("MetadataDelta", () => {
  it("builds the image from records and describes it stably", () => {
    expect(base.describe()).toBe(
      [
        "image lastIndex=7 lastTerm=1",
        "broker 1 epoch=10 active incarnation=inc-1-10 rack=- endpoints=[PLAINTEXT://127.0.0.1:9091]",
        "broker 2 epoch=11 active incarnation=inc-2-11 rack=- endpoints=[PLAINTEXT://127.0.0.1:9092]",
        "broker 3 epoch=12 active incarnation=inc-3-12 rack=- endpoints=[PLAINTEXT://127.0.0.1:9093]",
        `topic orders id=${T} partitions=2`,
        "  orders-0 replicas=[1,2,3] isr=[1,2,3] leader=1 leaderEpoch=0 partitionEpoch=0",
        "  orders-1 replicas=[2,3,1] isr=[2,3,1] leader=2 leaderEpoch=0 partitionEpoch=0",
        "config TOPIC:orders min.insync.replicas=2",
      ].join("\n"),
    );
  });

  // Kafka PartitionRegistration.merge (reference §2.6).
  it("bumps the partition epoch on every change and the leader epoch only when the leader field is set", () => {
    const isrOnly = imageOf([{ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [b(1), b(2)] }], base);
    expect(isrOnly.topics.topic(T)!.partition(0)).toMatchObject({ isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });
    const sameLeader = imageOf([{ type: "PartitionChangeRecord", topicId: T, partitionId: 0, leader: b(1) }], isrOnly);
    expect(sameLeader.topics.topic(T)!.partition(0)).toMatchObject({ leader: 1, leaderEpoch: 1, partitionEpoch: 2 });
  });

  it("records an unclean election as RECOVERING", () => {
    const unclean = imageOf(
      [{ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [b(3)], leader: b(3), leaderRecoveryState: "RECOVERING", uncleanElection: true }],
      base,
    );
    expect(unclean.topics.topic(T)!.partition(0)).toMatchObject({ leader: 3, isr: [3], leaderRecoveryState: "RECOVERING" });
    expect(unclean.topics.topic(T)!.describe()).toContain("orders-0 replicas=[1,2,3] isr=[3] leader=3 leaderEpoch=1 partitionEpoch=1 RECOVERING");
  });

  it("fences, unfences and marks controlled shutdown", () => {
    const img = imageOf(
      [
        { type: "BrokerRegistrationChangeRecord", brokerId: b(1), brokerEpoch: brokerEpoch(10n), fenced: true },
        { type: "BrokerRegistrationChangeRecord", brokerId: b(2), brokerEpoch: brokerEpoch(11n), inControlledShutdown: true },
      ],
      base,
    );
    expect(img.cluster.broker(b(1))).toMatchObject({ fenced: true, inControlledShutdown: false });
    expect(img.cluster.broker(b(2))).toMatchObject({ fenced: false, inControlledShutdown: true });
    const back = imageOf([{ type: "BrokerRegistrationChangeRecord", brokerId: b(1), brokerEpoch: brokerEpoch(10n), fenced: false }], img);
    expect(back.cluster.broker(b(1))!.fenced).toBe(false);
  });

  it("treats a change for a stale broker epoch as a broken invariant", () => {
    const delta = new MetadataDelta(base);
    expect(() => delta.replay({ type: "BrokerRegistrationChangeRecord", brokerId: b(1), brokerEpoch: brokerEpoch(9n), fenced: true })).toThrow(AssertionError);
  });

  it("removes a topic together with its configs", () => {
    const img = imageOf([{ type: "RemoveTopicRecord", topicId: T }], base);
    expect(img.topics.isEmpty()).toBe(true);
    expect(img.configs.topicConfigs("orders").size).toBe(0);
  });

  it("deletes a config key when the value is null", () => {
    const img = imageOf([{ type: "ConfigRecord", resourceType: "TOPIC", resourceName: "orders", name: "min.insync.replicas", value: null }], base);
    expect(img.configs.isEmpty()).toBe(true);
  });

  it("keeps a re-created topic of the same name when both happen in one delta", () => {
    const T2 = topicId("BBBBBBBBBBBBBBBBBBBBBB");
    const img = imageOf([{ type: "RemoveTopicRecord", topicId: T }, { type: "TopicRecord", name: "orders", topicId: T2 }], base);
    expect(img.topics.topicByName("orders")!.id).toBe(T2);
    expect(img.topics.topic(T)).toBeUndefined();
  });

  it("shares untouched sub-images with the base image", () => {
    const img = imageOf([{ type: "NoOpRecord" }], base);
    expect(img.topics).toBe(base.topics);
    expect(img.cluster).toBe(base.cluster);
    expect(img.configs).toBe(base.configs);
  });

  it("moves the next producer id forward only", () => {
    const img = imageOf([{ type: "ProducerIdsRecord", brokerId: b(1), brokerEpoch: brokerEpoch(10n), nextProducerId: producerId(1000n) }], base);
    expect(img.producerIds.nextProducerId).toBe(1000n);
    const delta = new MetadataDelta(img);
    expect(() => delta.replay({ type: "ProducerIdsRecord", brokerId: b(1), brokerEpoch: brokerEpoch(10n), nextProducerId: producerId(1000n) })).toThrow(AssertionError);
  });
});

// Kafka TopicsDelta.localChanges: the replica manager's to-do list (reference §1.8).
describe("MetadataDelta.localChanges", () => {
  it("lists the new topic's partitions as leader or follower for each broker", () => {
    const delta = new MetadataDelta(MetadataImage.EMPTY);
    [register(1, 1), register(2, 2), { type: "TopicRecord", name: "orders", topicId: T } as const, partition(0, [1, 2], 1), partition(1, [2, 1], 2)].forEach((r) => delta.replay(r));
    const changes = delta.localChanges(b(1));
    expect(changes.becomeLeader.map((c) => c.partitionId)).toEqual([0]);
    expect(changes.becomeFollower.map((c) => c.partitionId)).toEqual([1]);
    expect(changes.deletes).toEqual([]);
    expect(isNewLeadership(changes.becomeLeader[0]!)).toBe(true);
    expect(delta.localChanges(b(3))).toEqual({ becomeLeader: [], becomeFollower: [], deletes: [] });
  });

  it("reports a leader change to the new leader and to the old one as follower", () => {
    const delta = new MetadataDelta(base);
    delta.replay({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [b(2), b(3)], leader: b(2) });
    expect(delta.localChanges(b(2)).becomeLeader.map((c) => [c.partitionId, c.registration.leaderEpoch])).toEqual([[0, 1]]);
    expect(delta.localChanges(b(1)).becomeFollower.map((c) => c.partitionId)).toEqual([0]);
    expect(delta.localChanges(b(3)).becomeFollower.map((c) => c.partitionId)).toEqual([0]);
  });

  it("hands an ISR change to the leader as a change that is not a new leadership", () => {
    const delta = new MetadataDelta(base);
    delta.replay({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [b(1), b(2)] });
    const [change] = delta.localChanges(b(1)).becomeLeader;
    expect(change!.registration.isr).toEqual([1, 2]);
    expect(isNewLeadership(change!)).toBe(false);
  });

  it("deletes every local replica of a removed topic", () => {
    const delta = new MetadataDelta(base);
    delta.replay({ type: "RemoveTopicRecord", topicId: T });
    expect(delta.localChanges(b(3)).deletes).toEqual([
      { topicName: "orders", topicId: T, partitionId: 0, topicDeleted: true },
      { topicName: "orders", topicId: T, partitionId: 1, topicDeleted: true },
    ]);
  });

  it("deletes a replica that was moved off the broker", () => {
    const delta = new MetadataDelta(base);
    delta.replay({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, replicas: [b(1), b(2)], isr: [b(1), b(2)] });
    expect(delta.localChanges(b(3)).deletes).toEqual([{ topicName: "orders", topicId: T, partitionId: 0, topicDeleted: false }]);
  });
});

describe("ConfigsImage.effectiveTopicConfig", () => {
  it("layers topic configs over the cluster default over server.properties over Kafka's defaults", () => {
    const img = imageOf(
      [
        { type: "ConfigRecord", resourceType: "BROKER", resourceName: "", name: "unclean.leader.election.enable", value: "true" },
        { type: "ConfigRecord", resourceType: "BROKER", resourceName: "", name: "min.insync.replicas", value: "3" },
      ],
      base,
    );
    const config = img.configs.effectiveTopicConfig("orders", { "retention.ms": "1000", "min.insync.replicas": "1" });
    expect(config).toMatchObject({ minInsyncReplicas: 2, uncleanLeaderElectionEnable: true, retentionMs: 1000, segmentBytes: 1_073_741_824 });
    expect(img.configs.effectiveTopicConfig("other")).toMatchObject({ minInsyncReplicas: 3 });
  });
});
