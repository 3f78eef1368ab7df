// Mirrors Kafka PartitionChangeBuilderTest (kafka-replication.md §5.2, §5.3, §8.3), with ELR off.
import { describe, expect, it } from "vitest";
import { leaderEpoch, nodeId, partitionEpoch, type BrokerId } from "@replog/common";
import { topicId, type PartitionRegistration } from "@replog/metadata";
import { PartitionChangeBuilder } from "./partition-change-builder.js";

const T = topicId("topic-id");
const ids = (...xs: number[]): BrokerId[] => xs.map(nodeId);

function partition(replicas: number[], isr: number[], leader: number, recovering = false): PartitionRegistration {
  return {
    replicas: ids(...replicas), isr: ids(...isr), leader: nodeId(leader), leaderRecoveryState: recovering ? "RECOVERING" : "RECOVERED",
    leaderEpoch: leaderEpoch(5), partitionEpoch: partitionEpoch(9),
  };
}

const builder = (p: PartitionRegistration, active: number[]) => new PartitionChangeBuilder(p, T, 0, (b) => active.includes(b));

describe("PartitionChangeBuilder election (testElectLeader)", () => {
  it("keeps a leader that is still valid, even when it is not the preferred replica", () => {
    expect(builder(partition([1, 2, 3], [1, 2, 3], 2), [1, 2, 3]).build()).toBeUndefined();
  });

  it("elects the first valid replica in assignment order, not ISR order", () => {
    const record = builder(partition([3, 1, 2], [2, 1, 3], 3), [1, 2]).setTargetIsr(ids(2, 1)).build();
    expect(record).toEqual({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [2, 1], leader: 1 });
  });

  it("elects no leader when no ISR member is acceptable and unclean election is off", () => {
    const record = builder(partition([1, 2, 3], [1], 1), [2, 3]).setTargetIsr([]).build();
    // The ISR is left out: the last member stays in it (ELR off; UncleanLeaderElectionTest).
    expect(record).toEqual({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, leader: -1 });
  });

  it("does not write a record when the partition is already leaderless and nobody can lead", () => {
    expect(builder(partition([1, 2, 3], [1], -1), [2, 3]).build()).toBeUndefined();
  });
});

describe("PartitionChangeBuilder unclean election (testUncleanLeaderElection, testUncleanSetsLeaderRecoveringState)", () => {
  it("falls back to an acceptable replica outside the ISR, resets the ISR to it and marks it RECOVERING", () => {
    const record = builder(partition([1, 2, 3], [1], 1), [3, 2]).setTargetIsr([]).setUncleanLeaderElectionEnabled(true).build();
    expect(record).toEqual({
      type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [2], leader: 2, leaderRecoveryState: "RECOVERING", uncleanElection: true,
    });
  });

  it("still prefers a clean leader when one exists", () => {
    const record = builder(partition([1, 2, 3], [1, 3], 1), [2, 3]).setTargetIsr(ids(3)).setUncleanLeaderElectionEnabled(true).build();
    expect(record).toEqual({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [3], leader: 3 });
  });

  it("elects nobody when no replica at all is acceptable", () => {
    const record = builder(partition([1, 2], [1], 1), []).setTargetIsr([]).setUncleanLeaderElectionEnabled(true).build();
    expect(record).toEqual({ type: "PartitionChangeRecord", topicId: T, partitionId: 0, leader: -1 });
  });
});

describe("PartitionChangeBuilder preferred election", () => {
  it("moves leadership to replicas[0] when it is in the ISR and acceptable", () => {
    expect(builder(partition([1, 2, 3], [1, 2, 3], 2), [1, 2, 3]).setElection("PREFERRED").build()).toMatchObject({ leader: 1 });
  });

  it("keeps the current leader when the preferred replica is out of the ISR", () => {
    expect(builder(partition([1, 2, 3], [2, 3], 2), [1, 2, 3]).setElection("PREFERRED").build()).toBeUndefined();
  });

  it("never falls back to unclean (testPreferredElectionDoesNotTriggerUncleanElection)", () => {
    const record = builder(partition([1, 2, 3], [1], -1), [2, 3]).setElection("PREFERRED").setUncleanLeaderElectionEnabled(true).build();
    expect(record).toBeUndefined();
  });
});

describe("PartitionChangeBuilder epochs (§2.6)", () => {
  it("does not set the leader on an ISR shrink, so the leader epoch stays (testNoLeaderEpochBumpOnIsrShrink)", () => {
    expect(builder(partition([1, 2, 3], [1, 2, 3], 1), [1, 2, 3]).setTargetIsr(ids(1, 2)).build()).toEqual({
      type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [1, 2],
    });
  });

  it("does not set the leader on an ISR expansion (testNoLeaderEpochBumpOnIsrExpansion)", () => {
    expect(builder(partition([1, 2, 3], [1], 1), [1, 2, 3]).setTargetIsr(ids(1, 2)).build()).toEqual({
      type: "PartitionChangeRecord", topicId: T, partitionId: 0, isr: [1, 2],
    });
  });

  it("writes nothing for a reordered but equal ISR", () => {
    expect(builder(partition([1, 2, 3], [1, 2], 1), [1, 2, 3]).setTargetIsr(ids(2, 1)).build()).toBeUndefined();
  });

  it("writes the recovery state when a RECOVERING leader reports RECOVERED", () => {
    expect(builder(partition([1, 2], [1], 1, true), [1, 2]).setTargetLeaderRecoveryState("RECOVERED").build()).toEqual({
      type: "PartitionChangeRecord", topicId: T, partitionId: 0, leaderRecoveryState: "RECOVERED",
    });
  });
});
