// The data-plane checker breaks on each property when the state is broken by hand, and stays
// quiet on a correct one; an unclean election excuses what it lost (and nothing else).
import { brokerEpoch, leaderEpoch, nodeId, offset, partitionEpoch, type NodeId } from "@replog/common";
import { DelayedProduceQueue, MemoryPartitionLog, PartitionFollower, PartitionLeader } from "@replog/broker/core";
import { describe, expect, it } from "vitest";
import type { Replica } from "./data-plane-broker.js";
import { DataPlaneChecker, type BrokerView } from "./data-plane-checker.js";
import { SimController } from "./data-plane-controller.js";
import { InvariantViolation, type InvariantName } from "./invariant-violation.js";

const BROKERS = [1, 2, 3].map(nodeId);

function controller(unclean = false): SimController {
  return new SimController({ brokers: BROKERS, assignments: [BROKERS], sessionTimeoutMs: 500, uncleanLeaderElection: unclean }, () => {});
}

/** A replica of partition 0 led by `broker` at `epoch`, alone in its ISR, with `records` appended and committed. */
function leaderReplica(broker: number, epoch: number, records: number): Replica {
  const log = new MemoryPartitionLog();
  const { leader } = PartitionLeader.becomeLeader({
    config: { localBrokerId: nodeId(broker), localBrokerEpoch: brokerEpoch(-1n), replicaLagTimeMaxMs: 1000, minInsyncReplicas: 1 },
    brokers: { brokerStatus: () => undefined },
    leaderAndIsr: { leader: nodeId(broker), leaderEpoch: leaderEpoch(epoch), partitionEpoch: partitionEpoch(epoch), replicas: BROKERS, isr: [nodeId(broker)] },
    log,
    highWatermark: offset(0),
    nowMs: 0,
  });
  log.assignEpochStartOffset(leaderEpoch(epoch), offset(0));
  if (records > 0) log.appendAsLeader(records, leaderEpoch(epoch));
  leader.appendedLocally(log, 0);
  return { partition: 0, log, checkpointedHighWatermark: offset(0), role: { kind: "leader", core: leader, purgatory: new DelayedProduceQueue(), parked: [], alter: undefined } };
}

function view(id: number, replica: Replica | undefined, up = true): BrokerView {
  return { id: nodeId(id), up, replicas: new Map(replica === undefined ? [] : [[0, replica]]) };
}

function violation(run: () => void): InvariantName | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvariantViolation) return error.invariant;
    throw error;
  }
  return undefined;
}

function keepAlive(c: SimController, ids: readonly number[], nowMs: number): void {
  for (const id of ids) c.handleHeartbeat({ type: "Heartbeat", from: nodeId(id), to: nodeId(100), life: 0, brokerEpoch: c.brokerEpochOf(nodeId(id))!, metadataOffset: 0 }, nowMs);
}

describe("DataPlaneChecker", () => {
  it("accepts a leader whose committed records are acknowledged", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    const b1 = leaderReplica(1, 0, 3);
    checker.checkAfterEvent(c, [view(1, b1), view(2, undefined), view(3, undefined)]);
    expect(checker.committedEnd(0)).toBe(3);
    checker.onAcked(0, offset(0), 3, 0);
    checker.checkAfterEvent(c, [view(1, b1)]);
  });

  it("hw-monotonic: a leader's HW goes back", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    const b1 = leaderReplica(1, 0, 3);
    checker.checkAfterEvent(c, [view(1, b1)]);
    if (b1.role.kind === "leader") b1.role.core.state.highWatermark = offset(1);
    expect(violation(() => checker.checkAfterEvent(c, [view(1, b1)]))).toBe("hw-monotonic");
  });

  it("leader-append-only: a leader truncates its own log", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    const b1 = leaderReplica(1, 0, 3);
    checker.checkAfterEvent(c, [view(1, b1)]);
    b1.log.truncateTo(offset(2));
    expect(violation(() => checker.checkAfterEvent(c, [view(1, b1)]))).toBe("leader-append-only");
  });

  it("acked-write-lost: an acks=all acknowledgement for a record no HW covers", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    checker.checkAfterEvent(c, [view(1, leaderReplica(1, 0, 3))]);
    expect(violation(() => checker.onAcked(0, offset(3), 1, 0))).toBe("acked-write-lost");
    expect(violation(() => checker.onAcked(0, offset(1), 1, 7))).toBe("acked-write-lost");
  });

  it("truncated-committed: a replica is about to truncate committed records, but may cut a divergent tail", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    checker.checkAfterEvent(c, [view(1, leaderReplica(1, 0, 3))]);
    const follower = leaderReplica(2, 0, 3);
    follower.log.appendAsLeader(2, leaderEpoch(1));
    checker.checkTruncation(nodeId(2), follower, offset(3));
    expect(violation(() => checker.checkTruncation(nodeId(2), follower, offset(2)))).toBe("truncated-committed");
  });

  it("leader-in-isr: a broker leads an epoch the controller gave to another", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    expect(violation(() => checker.checkAfterEvent(c, [view(2, leaderReplica(2, 0, 0))]))).toBe("leader-in-isr");
  });

  it("committed-record-changed: a leader's HW covers a record that differs from the committed one", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    checker.checkAfterEvent(c, [view(1, leaderReplica(1, 0, 3))]);
    keepAlive(c, [2, 3], 1000);
    c.expireSessions(1000);
    expect(violation(() => checker.checkAfterEvent(c, [view(1, undefined, false), view(2, leaderReplica(2, 1, 1))]))).toBe("committed-record-changed");
  });

  it("leader-completeness: a clean new leader lacks committed records", () => {
    const c = controller();
    const checker = new DataPlaneChecker(1);
    checker.checkAfterEvent(c, [view(1, leaderReplica(1, 0, 3))]);
    checker.onAcked(0, offset(0), 3, 0);
    // b1's session expires: b2, first in replica order among the rest of the ISR, is elected cleanly.
    keepAlive(c, [2, 3], 1000);
    c.expireSessions(1000);
    expect(c.partition(0).leader).toBe(2 as NodeId);
    expect(violation(() => checker.checkAfterEvent(c, [view(1, undefined, false), view(2, leaderReplica(2, 1, 0))]))).toBe("leader-completeness");
  });

  it("an unclean election excuses the acknowledged records it lost, and is recorded as such", () => {
    const c = controller(true);
    const checker = new DataPlaneChecker(1);
    checker.checkAfterEvent(c, [view(1, leaderReplica(1, 0, 3))]);
    checker.onAcked(0, offset(0), 3, 0);
    // b1 shrinks the ISR to itself, then dies: only an unclean election can pick b2.
    const shrink = c.handleAlterPartition(nodeId(1), c.brokerEpochOf(nodeId(1))!, 0, {
      proposalId: 1, leaderId: nodeId(1), leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0),
      newIsrWithEpochs: [{ brokerId: nodeId(1), brokerEpoch: brokerEpoch(-1n) }], leaderRecoveryState: "RECOVERED", reason: { kind: "shrink", outOfSync: [] },
    });
    expect(shrink.error).toBe("NONE");
    keepAlive(c, [2, 3], 1000);
    c.expireSessions(1000);
    expect(c.elections.at(-1)).toMatchObject({ leader: 2, leaderEpoch: 1, unclean: true });
    checker.checkAfterEvent(c, [view(1, undefined, false), view(2, leaderReplica(2, 1, 1))]);
    expect(checker.excusedAcks).toBe(3);
    // Records of the new epoch are protected again.
    checker.onAcked(0, offset(0), 1, 1);
    expect(checker.ackedCount(0)).toBe(1);
    // A follower of the old leadership may still cut them (it refetches once it learns the new
    // epoch); a follower of the new one may not.
    const follower = (epoch: number): Replica => {
      const log = new MemoryPartitionLog();
      log.appendAsLeader(1, leaderEpoch(1));
      const core = PartitionFollower.becomeFollower({ localBrokerId: nodeId(3), leaderId: nodeId(2), leaderEpoch: leaderEpoch(epoch), log, highWatermark: offset(0) }).follower;
      return { partition: 0, log, checkpointedHighWatermark: offset(0), role: { kind: "follower", core, inflight: undefined, backoffUntilMs: 0 } };
    };
    checker.checkTruncation(nodeId(3), follower(0), offset(0));
    expect(violation(() => checker.checkTruncation(nodeId(3), follower(1), offset(0)))).toBe("truncated-committed");
  });
});
