// Random sequences of broker and admin events against the controller core, with Kafka's partition
// invariants checked after every committed result (kafka-replication.md §5, ELR off), and the
// image a broker would build from the same records compared with the controller's own state.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeId, type BrokerId } from "@replog/common";
import { loadSnapshot, writeSnapshot, type PartitionRegistration } from "@replog/metadata";
import { ControllerTestContext } from "./test-support/controller-test-context.js";

/** REPLOG_PROPERTY_RUNS=5000 for a long run. */
const RUNS = Number(process.env["REPLOG_PROPERTY_RUNS"] ?? 120);
const event = fc.record({ kind: fc.nat(11), a: fc.nat(100), b: fc.nat(100), c: fc.nat(100) });
type Event = { kind: number; a: number; b: number; c: number };

function step(ctx: ControllerTestContext, e: Event): void {
  const id = 1 + (e.a % 5);
  const registered = ctx.core.cluster.registration(nodeId(id)) !== undefined;
  const topics = ctx.core.replication.topicNames();
  const topic = topics[e.b % Math.max(topics.length, 1)];
  switch (e.kind) {
    case 0:
      if (!registered || e.b % 3 === 0) {
        ctx.nowMs += 10_000; // let an old session lapse so a new incarnation may register
        ctx.register(id, `inc-${id}-${e.c}-${ctx.lastIndex}`);
      }
      return;
    case 1:
    case 2:
      if (registered) ctx.heartbeat(id, { wantFence: e.b % 7 === 0, wantShutDown: e.b % 5 === 0, offset: e.c % 4 === 0 ? 0 : undefined });
      return;
    case 3:
      ctx.nowMs += e.b * 200;
      ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs));
      return;
    case 4:
      ctx.commit(ctx.core.createTopics([{ name: `t${e.a % 4}`, numPartitions: 1 + (e.b % 3), replicationFactor: 1 + (e.c % 3) }]));
      return;
    case 5:
    case 6:
      if (topic !== undefined) alterIsr(ctx, topic, e);
      return;
    case 7:
      if (topic !== undefined) ctx.commit(ctx.core.electLeaders(e.c % 2 === 0 ? "PREFERRED" : "UNCLEAN", [{ topic, partition: e.c % 3 }]));
      return;
    case 8:
      if (topic !== undefined) {
        const value = e.c % 2 === 0 ? "true" : "false";
        ctx.commit(ctx.core.incrementalAlterConfigs([{ resourceType: "TOPIC", resourceName: topic, configs: [{ name: "unclean.leader.election.enable", op: "SET", value }] }]));
        ctx.commit(ctx.core.replication.maybeElectUncleanLeaders());
      }
      return;
    case 9:
      if (e.c % 4 === 0 && topic !== undefined) ctx.commit(ctx.core.deleteTopics([{ name: topic }]));
      else if (e.c % 4 === 1 && registered) ctx.commit(ctx.core.unregisterBroker(nodeId(id)));
      else if (topic !== undefined) ctx.commit(ctx.core.createPartitions([{ name: topic, count: 2 + (e.c % 3) }]));
      return;
    case 10:
      ctx.core.onNewActiveController(ctx.nowMs);
      return;
    default:
      ctx.commit(ctx.core.replication.maybeBalancePartitionLeaders());
  }
}

/** The leader proposes an ISR: its current one minus or plus some replicas (may be refused). */
function alterIsr(ctx: ControllerTestContext, topic: string, e: Event): void {
  const p = ctx.partition(topic, 0);
  if (p.leader === -1) return;
  const isr = p.replicas.filter((r, i) => r === p.leader || ((e.c >> i) & 1) === 1);
  ctx.commit(ctx.core.alterPartition({
    brokerId: p.leader, brokerEpoch: ctx.epoch(p.leader),
    topics: [{
      topicId: ctx.core.replication.topicId(topic)!,
      partitions: [{
        partitionIndex: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
        leaderRecoveryState: e.b % 2 === 0 ? "RECOVERED" : p.leaderRecoveryState,
        newIsrWithEpochs: isr.map((brokerId) => ({ brokerId, brokerEpoch: ctx.epoch(brokerId) })),
      }],
    }],
  }));
}

function checkPartition(ctx: ControllerTestContext, where: string, p: PartitionRegistration): void {
  const active = (b: BrokerId): boolean => ctx.core.cluster.isActive(b);
  expect(p.isr.length, `${where}: the ISR is never empty (ELR off)`).toBeGreaterThan(0);
  expect(new Set(p.isr).size, `${where}: no duplicates`).toBe(p.isr.length);
  for (const b of p.isr) expect(p.replicas, `${where}: ISR within replicas`).toContain(b);
  if (p.leader !== -1) {
    expect(p.isr, `${where}: the leader is in the ISR`).toContain(p.leader);
    expect(active(p.leader), `${where}: the leader ${p.leader} is active`).toBe(true);
  }
  if (p.isr.length > 1) for (const b of p.isr) expect(active(b), `${where}: ISR member ${b} is active`).toBe(true);
  // KIP-704: after an unclean election the ISR is the new leader alone until it has recovered; the
  // leader may be fenced meanwhile (leader -1), and the state carries over as in Kafka.
  if (p.leaderRecoveryState === "RECOVERING") {
    expect(p.isr, `${where}: a RECOVERING partition has an ISR of one`).toHaveLength(1);
    if (p.leader !== -1) expect(p.isr, `${where}: a RECOVERING leader has an ISR of itself`).toEqual([p.leader]);
  }
}

function checkInvariants(ctx: ControllerTestContext, epochs: Map<string, [number, number]>): void {
  for (const name of ctx.core.replication.topicNames()) {
    const id = ctx.core.replication.topicId(name)!;
    for (let i = 0; i < ctx.core.replication.partitionCount(id); i++) {
      const p = ctx.core.replication.partition(id, i)!;
      const where = `${name}-${i}`;
      checkPartition(ctx, where, p);
      expect(ctx.image.topics.topic(id)!.partition(i), `${where}: brokers' image = controller state`).toEqual(p);
      const [le, pe] = epochs.get(`${id}-${i}`) ?? [0, 0];
      expect(p.leaderEpoch >= le && p.partitionEpoch >= pe, `${where}: epochs never go back`).toBe(true);
      epochs.set(`${id}-${i}`, [p.leaderEpoch, p.partitionEpoch]);
    }
  }
  expect(ctx.image.topics.topicNames()).toEqual(ctx.core.replication.topicNames());
  for (const r of ctx.core.cluster.registrations()) expect(ctx.image.cluster.broker(r.brokerId)).toEqual(r);
}

describe("ControllerCore under random events", () => {
  // A pinned counterexample: controlled shutdown, SHUTDOWN_NOW, then the same incarnation heartbeats
  // as if nothing happened; it must not be unfenced and elected while still marked as shutting down.
  it("does not bring back a broker that was told to shut down (regression, seed 22767556)", () => {
    const ctx = new ControllerTestContext();
    const events = [
      { kind: 0, a: 3, b: 0, c: 0 }, { kind: 1, a: 48, b: 11, c: 1 }, { kind: 4, a: 0, b: 0, c: 0 },
      { kind: 1, a: 3, b: 5, c: 0 }, { kind: 1, a: 48, b: 0, c: 0 }, { kind: 1, a: 8, b: 8, c: 1 },
    ];
    const epochs = new Map<string, [number, number]>();
    for (const e of events) {
      step(ctx, e);
      checkInvariants(ctx, epochs);
    }
    expect(ctx.describe("t0", 0)).toBe("isr=[4] leader=-1 epochs=1/1");
  });

  it("keeps Kafka's partition invariants and agrees with the image brokers build", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 150, size: "max" }), (events) => {
        const ctx = new ControllerTestContext();
        const epochs = new Map<string, [number, number]>();
        for (const e of events) {
          step(ctx, e);
          checkInvariants(ctx, epochs);
        }
        expect(loadSnapshot(writeSnapshot(ctx.image), ctx.image.provenance)).toEqual(ctx.image);
      }),
      { numRuns: RUNS },
    );
  }, 60_000 + RUNS * 100);
});
