// Mirrors Kafka ReplicationControlManagerTest (kafka-replication.md §2.5, §5, §8.3).
import { describe, expect, it } from "vitest";
import { brokerEpoch, leaderEpoch, nodeId, partitionEpoch } from "@replog/common";
import type { AlterPartitionPartitionData, AlterPartitionResponse } from "./alter-partition.js";
import { ControllerTestContext } from "./test-support/controller-test-context.js";

const b = nodeId;

function errorOf(response: AlterPartitionResponse): string | undefined {
  if (response.error !== undefined) return response.error.error;
  const result = response.topics[0]!.partitions[0]!;
  return "error" in result ? result.error.error : undefined;
}

function alter(ctx: ControllerTestContext, sender: number, topic: string, isr: number[], overrides: Partial<AlterPartitionPartitionData> = {}) {
  const p = ctx.partition(topic, 0);
  return ctx.core.alterPartition({
    brokerId: b(sender),
    brokerEpoch: ctx.epoch(sender),
    topics: [{
      topicId: ctx.core.replication.topicId(topic)!,
      partitions: [{
        partitionIndex: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, leaderRecoveryState: p.leaderRecoveryState,
        newIsrWithEpochs: isr.map((id) => ({ brokerId: b(id), brokerEpoch: ctx.epoch(id) })), ...overrides,
      }],
    }],
  });
}

describe("CreateTopics", () => {
  it("places replicas on the active brokers with leaders spread and the whole replica set in the ISR", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    const [result] = ctx.commit(ctx.core.createTopics([{ name: "orders", numPartitions: 6, replicationFactor: 3 }]));
    expect(result).toMatchObject({ name: "orders", numPartitions: 6, replicationFactor: 3 });
    const leaders = [0, 1, 2, 3, 4, 5].map((p) => ctx.partition("orders", p).leader);
    expect(leaders.filter((l) => l === 1)).toHaveLength(2);
    expect(leaders.filter((l) => l === 2)).toHaveLength(2);
    for (let p = 0; p < 6; p++) expect(ctx.partition("orders", p).isr).toEqual(ctx.partition("orders", p).replicas);
    expect(result!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ctx.image.topics.topicByName("orders")!.partitions.size).toBe(6);
  });

  it("uses num.partitions and default.replication.factor when the request says -1", () => {
    const ctx = new ControllerTestContext({ defaultNumPartitions: 3, defaultReplicationFactor: 2 });
    ctx.activate(1, 2);
    const [result] = ctx.commit(ctx.core.createTopics([{ name: "t", numPartitions: -1, replicationFactor: -1 }]));
    expect(result).toMatchObject({ numPartitions: 3, replicationFactor: 2 });
  });

  it.each([
    ["", "INVALID_TOPIC_EXCEPTION"],
    [".", "INVALID_TOPIC_EXCEPTION"],
    ["..", "INVALID_TOPIC_EXCEPTION"],
    ["a/b", "INVALID_TOPIC_EXCEPTION"],
    ["x".repeat(250), "INVALID_TOPIC_EXCEPTION"],
  ])("refuses the topic name %j with %s", (name, error) => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const [result] = ctx.commit(ctx.core.createTopics([{ name }]));
    expect(result!.error?.error).toBe(error);
  });

  it("accepts a 249-character name", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    expect(ctx.commit(ctx.core.createTopics([{ name: "x".repeat(249) }]))[0]!.error).toBeUndefined();
  });

  it("refuses an existing topic, a '.'/'_' collision, and duplicates in one request", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    ctx.commit(ctx.core.createTopics([{ name: "a.b" }]));
    const results = ctx.commit(ctx.core.createTopics([{ name: "a.b" }, { name: "a_b" }, { name: "c" }, { name: "c" }]));
    expect(results.map((r) => r.error?.error)).toEqual(["TOPIC_ALREADY_EXISTS", "INVALID_TOPIC_EXCEPTION", "INVALID_REQUEST", "INVALID_REQUEST"]);
  });

  it("refuses partitions < 1 and a replication factor above the unfenced brokers", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.register(3); // registered but still fenced: not usable
    const results = ctx.commit(ctx.core.createTopics([{ name: "p0", numPartitions: 0 }, { name: "rf3", replicationFactor: 3 }, { name: "rf0", replicationFactor: 0 }]));
    expect(results.map((r) => r.error?.error)).toEqual(["INVALID_PARTITIONS", "INVALID_REPLICATION_FACTOR", "INVALID_REPLICATION_FACTOR"]);
    expect(results[1]!.error!.message).toContain("only 2 broker(s)");
    expect(ctx.core.replication.topicNames()).toEqual([]);
  });

  it("refuses an invalid config, naming the key", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const [bad, unknown] = ctx.commit(ctx.core.createTopics([
      { name: "t1", configs: { "min.insync.replicas": "0" } },
      { name: "t2", configs: { "no.such.key": "1" } },
    ]));
    expect(bad!.error).toMatchObject({ error: "INVALID_CONFIG", code: 40 });
    expect(bad!.error!.message).toContain("min.insync.replicas");
    expect(unknown!.error!.message).toContain("no.such.key");
  });

  it("writes the topic's configs with the topic", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    ctx.createTopic("t", [[1]], { "retention.ms": "1000" });
    expect(ctx.image.configs.topicConfigs("t").get("retention.ms")).toBe("1000");
    expect(ctx.core.configs.effectiveTopicConfig("t").retentionMs).toBe(1000);
  });

  it("validates manual assignments", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.register(3);
    const cases = [[[1, 1]], [[1, 9]], [[1, 2], [1]], [[3]], []].map((a) => ({ name: `t${a.length}${a.flat().join("")}`, assignments: a.map((r) => r.map(b)) }));
    const results = ctx.commit(ctx.core.createTopics(cases));
    expect(results.map((r) => r.error?.error)).toEqual([
      "INVALID_REPLICA_ASSIGNMENT", "INVALID_REPLICA_ASSIGNMENT", "INVALID_REPLICA_ASSIGNMENT", "INVALID_REPLICATION_FACTOR", "INVALID_REPLICA_ASSIGNMENT",
    ]);
  });

  it("puts only active replicas of a manual assignment in the ISR, led by the first of them", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.register(3);
    ctx.createTopic("t", [[3, 2, 1]]);
    expect(ctx.describe("t", 0)).toBe("isr=[2,1] leader=2 epochs=0/0");
  });
});

describe("DeleteTopics and CreatePartitions", () => {
  it("deletes a topic with its configs, and reports unknown ones", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const id = ctx.createTopic("t", [[1]], { "retention.ms": "5" });
    const results = ctx.commit(ctx.core.deleteTopics([{ name: "t" }, { name: "nope" }, { topicId: id }]));
    expect(results.map((r) => r.error?.error)).toEqual([undefined, "UNKNOWN_TOPIC_OR_PARTITION", "INVALID_REQUEST"]);
    expect(ctx.core.replication.topicNames()).toEqual([]);
    expect(ctx.core.configs.configsOf("TOPIC", "t").size).toBe(0);
    expect(ctx.image.topics.isEmpty()).toBe(true);
  });

  it("only increases the partition count, and says why otherwise", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2], [2, 3]]);
    const results = [{ name: "t", count: 2 }, { name: "t", count: 1 }, { name: "nope", count: 3 }].map((r) => ctx.commit(ctx.core.createPartitions([r]))[0]!);
    expect(results.map((r) => r.error?.error)).toEqual(["INVALID_PARTITIONS", "INVALID_PARTITIONS", "UNKNOWN_TOPIC_OR_PARTITION"]);
    expect(results[0]!.error!.message).toBe("Topic already has 2 partition(s).");
    expect(results[1]!.error!.message).toContain("would not be an increase");
    ctx.commit(ctx.core.createPartitions([{ name: "t", count: 5 }]));
    expect(ctx.core.replication.partitionCount(ctx.core.replication.topicId("t")!)).toBe(5);
    for (let p = 2; p < 5; p++) expect(ctx.partition("t", p).replicas).toHaveLength(2);
  });
});

describe("AlterPartition (testShrinkAndExpandIsr, testInvalidAlterPartitionRequests)", () => {
  function setup() {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2, 3]]);
    return ctx;
  }

  it("shrinks and expands the ISR without bumping the leader epoch", () => {
    const ctx = setup();
    const shrink = ctx.commit(alter(ctx, 1, "t", [1, 2]));
    expect(shrink.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0, leaderId: 1, leaderEpoch: 0, isr: [1, 2], leaderRecoveryState: "RECOVERED", partitionEpoch: 1,
    });
    expect(ctx.describe("t", 0)).toBe("isr=[1,2] leader=1 epochs=0/1");
    ctx.commit(alter(ctx, 1, "t", [1, 2, 3]));
    expect(ctx.describe("t", 0)).toBe("isr=[1,2,3] leader=1 epochs=0/2");
  });

  it("answers an unchanged ISR with the current state and writes nothing", () => {
    const ctx = setup();
    const result = alter(ctx, 1, "t", [1, 2, 3]);
    expect(result.records).toEqual([]);
    expect(errorOf(result.response)).toBeUndefined();
  });

  it("rejects stale and invalid requests with Kafka's errors, in Kafka's order", () => {
    const ctx = setup();
    const p = ctx.partition("t", 0);
    expect(errorOf(ctx.core.alterPartition({ brokerId: b(1), brokerEpoch: brokerEpoch(999n), topics: [] }).response)).toBe("STALE_BROKER_EPOCH");
    expect(errorOf(alter(ctx, 1, "t", [1, 2], { leaderEpoch: leaderEpoch(p.leaderEpoch + 1) }).response)).toBe("NOT_CONTROLLER");
    expect(errorOf(alter(ctx, 1, "t", [1, 2], { partitionEpoch: partitionEpoch(p.partitionEpoch + 1) }).response)).toBe("NOT_CONTROLLER");
    expect(errorOf(alter(ctx, 2, "t", [1, 2]).response)).toBe("INVALID_REQUEST");
    expect(errorOf(alter(ctx, 1, "t", [1, 1]).response)).toBe("INVALID_REQUEST");
    expect(errorOf(alter(ctx, 1, "t", [2, 3]).response)).toBe("INVALID_REQUEST");
    ctx.commit(alter(ctx, 1, "t", [1, 2]));
    expect(errorOf(alter(ctx, 1, "t", [1], { partitionEpoch: partitionEpoch(0) }).response)).toBe("INVALID_UPDATE_VERSION");
    const unknownTopic = ctx.core.alterPartition({ brokerId: b(1), brokerEpoch: ctx.epoch(1), topics: [{ topicId: "nope" as never, partitions: [{ ...alter(ctx, 1, "t", [1]).response, partitionIndex: 0 } as never] }] });
    expect(errorOf(unknownTopic.response)).toBe("UNKNOWN_TOPIC_ID");
  });

  it("fences a stale leader epoch (FENCED_LEADER_EPOCH)", () => {
    const ctx = setup();
    const old = ctx.partition("t", 0);
    ctx.fence(1); // leadership moves to 2 with a new leader epoch
    ctx.heartbeat(1);
    const result = ctx.core.alterPartition({
      brokerId: b(1), brokerEpoch: ctx.epoch(1),
      topics: [{ topicId: ctx.core.replication.topicId("t")!, partitions: [{ partitionIndex: 0, leaderEpoch: old.leaderEpoch, partitionEpoch: old.partitionEpoch, leaderRecoveryState: "RECOVERED", newIsrWithEpochs: [{ brokerId: b(1), brokerEpoch: ctx.epoch(1) }] }] }],
    });
    expect(errorOf(result.response)).toBe("FENCED_LEADER_EPOCH");
  });

  it("rejects fenced, shutting-down, unregistered and stale-epoch members (INELIGIBLE_REPLICA)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3, 4, 5);
    ctx.createTopic("t", [[1, 2, 3, 4, 5]]);
    ctx.createTopic("led-by-3", [[3]]);
    ctx.commit(alter(ctx, 1, "t", [1]));
    ctx.fence(2);
    expect(errorOf(alter(ctx, 1, "t", [1, 2]).response)).toMatch("INELIGIBLE_REPLICA");
    ctx.heartbeat(3, { wantShutDown: true }); // 3 leads a partition: CONTROLLED_SHUTDOWN
    expect(ctx.core.cluster.registration(b(3))).toMatchObject({ fenced: false, inControlledShutdown: true });
    expect(errorOf(alter(ctx, 1, "t", [1, 3]).response)).toBe("INELIGIBLE_REPLICA");
    ctx.commit(ctx.core.unregisterBroker(b(4)));
    expect(errorOf(alter(ctx, 1, "t", [1, 4]).response)).toBe("INELIGIBLE_REPLICA");
    const stale = alter(ctx, 1, "t", [1, 5], {
      newIsrWithEpochs: [{ brokerId: b(1), brokerEpoch: ctx.epoch(1) }, { brokerId: b(5), brokerEpoch: brokerEpoch(ctx.epoch(5) - 1n) }],
    });
    expect(errorOf(stale.response)).toBe("INELIGIBLE_REPLICA");
    const unknownEpochIsFine = alter(ctx, 1, "t", [1, 5], {
      newIsrWithEpochs: [{ brokerId: b(1), brokerEpoch: brokerEpoch(-1n) }, { brokerId: b(5), brokerEpoch: brokerEpoch(-1n) }],
    });
    expect(errorOf(unknownEpochIsFine.response)).toBeUndefined();
  });

  it("keeps a RECOVERING leader's ISR at itself until it reports RECOVERED (KIP-704)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]], { "unclean.leader.election.enable": "true" });
    ctx.commit(alter(ctx, 1, "t", [1]));
    ctx.fence(1); // 2 is not in the ISR: unclean election
    expect(ctx.describe("t", 0)).toBe("isr=[2] leader=2 epochs=1/2 RECOVERING");
    ctx.heartbeat(1);
    expect(errorOf(alter(ctx, 2, "t", [2, 1]).response)).toBe("INVALID_REQUEST");
    ctx.commit(alter(ctx, 2, "t", [2], { leaderRecoveryState: "RECOVERED" }));
    expect(errorOf(alter(ctx, 2, "t", [2], { leaderRecoveryState: "RECOVERING" }).response)).toBe("INVALID_REQUEST");
    ctx.commit(alter(ctx, 2, "t", [2, 1]));
    expect(ctx.describe("t", 0)).toBe("isr=[2,1] leader=2 epochs=1/4");
  });
});

describe("broker lifecycle (testFenceMultipleBrokers, testRemoveLeaderships, §5.6)", () => {
  it("removes a fenced broker from every ISR and moves its leaderships", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("a", [[1, 2, 3]]);
    ctx.createTopic("b", [[2, 1, 3]]);
    ctx.fence(1);
    expect(ctx.describe("a", 0)).toBe("isr=[2,3] leader=2 epochs=1/1");
    expect(ctx.describe("b", 0)).toBe("isr=[2,3] leader=2 epochs=0/1");
    expect(ctx.image.cluster.broker(b(1))!.fenced).toBe(true);
  });

  it("leaves the last ISR member in the ISR with no leader, and re-elects it cleanly when it returns", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2, 3]]);
    ctx.fence(3);
    ctx.fence(2);
    ctx.fence(1);
    expect(ctx.describe("t", 0)).toBe("isr=[1] leader=-1 epochs=1/3");
    ctx.heartbeat(2); // 2 comes back first: not in the ISR, so no leader (unclean election is off)
    expect(ctx.partition("t", 0).leader).toBe(-1);
    ctx.heartbeat(1);
    expect(ctx.describe("t", 0)).toBe("isr=[1] leader=1 epochs=2/4");
    expect(ctx.log.some((r) => r.type === "PartitionChangeRecord" && r.uncleanElection === true)).toBe(false);
  });

  it("elects uncleanly on fencing when the topic allows it, and records that it did", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]], { "unclean.leader.election.enable": "true" });
    ctx.commit(alter(ctx, 1, "t", [1]));
    ctx.fence(1);
    expect(ctx.log.at(-2)).toMatchObject({ type: "PartitionChangeRecord", leader: 2, isr: [2], uncleanElection: true, leaderRecoveryState: "RECOVERING" });
  });

  it("elects uncleanly in the periodic scan once the config is switched on (testMaybeTriggerUncleanLeaderElectionForLeaderlessPartitions)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    ctx.commit(alter(ctx, 1, "t", [1]));
    ctx.fence(1);
    expect(ctx.commit(ctx.core.replication.maybeElectUncleanLeaders())).toBe(0);
    ctx.commit(ctx.core.incrementalAlterConfigs([{ resourceType: "TOPIC", resourceName: "t", configs: [{ name: "unclean.leader.election.enable", op: "SET", value: "true" }] }]));
    expect(ctx.commit(ctx.core.replication.maybeElectUncleanLeaders())).toBe(1);
    expect(ctx.describe("t", 0)).toBe("isr=[2] leader=2 epochs=2/3 RECOVERING");
  });

  it("moves leaderships away on controlled shutdown; a sole ISR member goes offline", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("a", [[1, 2, 3]]);
    ctx.createTopic("solo", [[1]]);
    const response = ctx.heartbeat(1, { wantShutDown: true });
    expect(response).toEqual({ isCaughtUp: true, isFenced: false, shouldShutDown: false });
    expect(ctx.describe("a", 0)).toBe("isr=[2,3] leader=2 epochs=1/1");
    expect(ctx.describe("solo", 0)).toBe("isr=[1] leader=-1 epochs=1/1");
    expect(ctx.image.cluster.broker(b(1))!.inControlledShutdown).toBe(true);
  });
});

describe("UnregisterBroker (QuorumControllerTest.testUnregisterBroker)", () => {
  it("removes the broker from every ISR, moves its leaderships, then unregisters it", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    ctx.commit(ctx.core.unregisterBroker(b(1)));
    expect(ctx.describe("t", 0)).toBe("isr=[2] leader=2 epochs=1/1");
    expect(ctx.log.at(-1)).toEqual({ type: "UnregisterBrokerRecord", brokerId: 1, brokerEpoch: 1n });
    expect(ctx.image.cluster.broker(b(1))).toBeUndefined();
    expect(ctx.core.unregisterBroker(b(1)).response.error?.error).toBe("BROKER_ID_NOT_REGISTERED");
  });
});

describe("CreatePartitions with manual assignments", () => {
  it("checks the count and replication factor of the new partitions' assignments", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2]]);
    const attempts = [
      { name: "t", count: 3, assignments: [[b(2), b(3)]] },
      { name: "t", count: 2, assignments: [[b(3)]] },
      { name: "t", count: 2, assignments: [[b(3), b(1)]] },
    ];
    const results = attempts.map((a) => ctx.commit(ctx.core.createPartitions([a]))[0]!);
    expect(results.map((r) => r.error?.error)).toEqual(["INVALID_REPLICA_ASSIGNMENT", "INVALID_REPLICA_ASSIGNMENT", undefined]);
    expect(ctx.describe("t", 1)).toBe("isr=[3,1] leader=3 epochs=0/0");
  });
});

describe("requests that name the same thing twice", () => {
  it("are refused with INVALID_REQUEST for that thing, writing nothing for it", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    const partitions = ctx.core.createPartitions([{ name: "t", count: 2 }, { name: "t", count: 3 }]);
    expect(partitions.records).toEqual([]);
    expect(partitions.response.map((r) => r.error?.error)).toEqual(["INVALID_REQUEST", "INVALID_REQUEST"]);
    const elections = ctx.core.electLeaders("PREFERRED", [{ topic: "t", partition: 0 }, { topic: "t", partition: 0 }]);
    expect(elections.response.map((r) => r.error?.error)).toEqual(["INVALID_REQUEST", "INVALID_REQUEST"]);
    const twice = alter(ctx, 1, "t", [1]);
    expect(errorOf(twice.response)).toBeUndefined();
    const request = { brokerId: b(1), brokerEpoch: ctx.epoch(1), topics: [{ topicId: ctx.core.replication.topicId("t")!, partitions: [0, 0].map(() => ({
      partitionIndex: 0, leaderEpoch: ctx.partition("t", 0).leaderEpoch, partitionEpoch: ctx.partition("t", 0).partitionEpoch, leaderRecoveryState: "RECOVERED" as const,
      newIsrWithEpochs: [{ brokerId: b(1), brokerEpoch: ctx.epoch(1) }],
    })) }] };
    const result = ctx.core.alterPartition(request);
    expect(result.records).toEqual([]);
    expect(result.response.topics[0]!.partitions.map((p) => ("error" in p ? p.error.error : "ok"))).toEqual(["INVALID_REQUEST", "INVALID_REQUEST"]);
    const configs = ctx.core.incrementalAlterConfigs([
      { resourceType: "TOPIC", resourceName: "t", configs: [{ name: "retention.ms", op: "SET", value: "1" }] },
      { resourceType: "TOPIC", resourceName: "t", configs: [{ name: "retention.ms", op: "SET", value: "2" }] },
    ]);
    expect(configs.records).toEqual([]);
  });
});

describe("ElectLeaders and balancing (testElectPreferredLeaders, testBalancePartitionLeaders)", () => {
  function imbalanced() {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2, 3], [2, 3, 1]]);
    ctx.fence(1);
    ctx.heartbeat(1); // back, but not in the ISRs: its leadership stays with 2
    return ctx;
  }

  it("reports PREFERRED_LEADER_NOT_AVAILABLE until the preferred replica rejoins the ISR, then moves the leader", () => {
    const ctx = imbalanced();
    const tps = [{ topic: "t", partition: 0 }, { topic: "t", partition: 1 }, { topic: "t", partition: 9 }];
    expect(ctx.commit(ctx.core.electLeaders("PREFERRED", tps)).map((r) => r.error?.error)).toEqual(["PREFERRED_LEADER_NOT_AVAILABLE", "ELECTION_NOT_NEEDED", "UNKNOWN_TOPIC_OR_PARTITION"]);
    ctx.commit(alter(ctx, 2, "t", [2, 3, 1]));
    expect(ctx.commit(ctx.core.electLeaders("PREFERRED", tps.slice(0, 1)))[0]!.error).toBeUndefined();
    expect(ctx.describe("t", 0)).toBe("isr=[2,3,1] leader=1 epochs=2/3");
  });

  it("balances leaders to their preferred replicas", () => {
    const ctx = imbalanced();
    expect(ctx.commit(ctx.core.replication.maybeBalancePartitionLeaders())).toEqual({ elections: 0, more: false });
    ctx.commit(alter(ctx, 2, "t", [2, 3, 1]));
    expect(ctx.commit(ctx.core.replication.maybeBalancePartitionLeaders())).toEqual({ elections: 1, more: false });
    expect(ctx.partition("t", 0).leader).toBe(1);
  });

  it("answers UNCLEAN elections: not needed with a leader, eligible leaders unavailable with none", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    expect(ctx.commit(ctx.core.electLeaders("UNCLEAN", [{ topic: "t", partition: 0 }]))[0]!.error?.error).toBe("ELECTION_NOT_NEEDED");
    ctx.commit(alter(ctx, 1, "t", [1]));
    ctx.fence(1);
    ctx.fence(2);
    expect(ctx.commit(ctx.core.electLeaders("UNCLEAN", [{ topic: "t", partition: 0 }]))[0]!.error?.error).toBe("ELIGIBLE_LEADERS_NOT_AVAILABLE");
    ctx.heartbeat(2);
    expect(ctx.commit(ctx.core.electLeaders("UNCLEAN", [{ topic: "t", partition: 0 }]))[0]!.error).toBeUndefined();
    expect(ctx.describe("t", 0)).toBe("isr=[2] leader=2 epochs=2/3 RECOVERING");
  });
});
