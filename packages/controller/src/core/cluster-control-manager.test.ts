// Mirrors Kafka ClusterControlManagerTest / BrokerHeartbeatManagerTest (kafka-replication.md §6.11, §5.7).
import { describe, expect, it } from "vitest";
import { logIndex, nodeId } from "@replog/common";
import { incarnationId } from "@replog/metadata";
import { CLUSTER_ID, ControllerTestContext } from "./test-support/controller-test-context.js";

const b = nodeId;
const request = (id: number, incarnation: string, clusterId = CLUSTER_ID) => ({
  brokerId: b(id), clusterId, incarnationId: incarnationId(incarnation), endpoints: [{ name: "PLAINTEXT", host: "h", port: 1 }], rack: null,
});

describe("broker registration", () => {
  it("gives a new incarnation the index of its record as epoch, fenced; the same incarnation keeps it and writes nothing", () => {
    const ctx = new ControllerTestContext();
    const first = ctx.commit(ctx.core.registerBroker(request(1, "a"), ctx.nowMs, logIndex(1)));
    expect(first).toEqual({ brokerEpoch: 1n });
    expect(ctx.image.cluster.broker(b(1))).toMatchObject({ fenced: true, brokerEpoch: 1n });
    const again = ctx.core.registerBroker(request(1, "a"), ctx.nowMs, logIndex(7));
    expect(again).toEqual({ records: [], response: { brokerEpoch: 1n } });
  });

  it("gives a restarted broker (new incarnation) a higher epoch, even if the shell's index estimate lags", () => {
    const ctx = new ControllerTestContext();
    ctx.commit(ctx.core.registerBroker(request(1, "a"), ctx.nowMs, logIndex(5)));
    const restarted = ctx.commit(ctx.core.registerBroker(request(1, "b"), ctx.nowMs, logIndex(3)));
    expect(restarted).toEqual({ brokerEpoch: 6n });
  });

  it("refuses a second live incarnation (DUPLICATE_BROKER_REGISTRATION) and another cluster (INCONSISTENT_CLUSTER_ID)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const duplicate = ctx.core.registerBroker(request(1, "other"), ctx.nowMs, logIndex(10));
    expect(duplicate.response).toMatchObject({ error: { error: "DUPLICATE_BROKER_REGISTRATION", code: 101 } });
    expect(ctx.core.registerBroker(request(2, "x", "elsewhere"), ctx.nowMs, logIndex(10)).response).toMatchObject({ error: { error: "INCONSISTENT_CLUSTER_ID" } });
    ctx.nowMs += 9_001; // the old session expired: the new incarnation may take over
    expect(ctx.core.registerBroker(request(1, "other"), ctx.nowMs, logIndex(10)).response).toEqual({ brokerEpoch: 10n });
  });

  it("takes a restarted broker out of every ISR before it registers again", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    ctx.nowMs += 10_000;
    ctx.heartbeat(2);
    ctx.register(1, "restarted");
    expect(ctx.describe("t", 0)).toBe("isr=[2] leader=2 epochs=1/1");
    expect(ctx.image.cluster.broker(b(1))).toMatchObject({ fenced: true, incarnationId: "restarted" });
  });
});

describe("heartbeats (testCalculateNextBrokerState)", () => {
  it("unfences a broker only once it has replayed its own registration", () => {
    const ctx = new ControllerTestContext();
    ctx.register(1);
    const behind = ctx.heartbeat(1, { offset: 0 });
    expect(behind).toEqual({ isCaughtUp: false, isFenced: true, shouldShutDown: false });
    const caughtUp = ctx.heartbeat(1);
    expect(caughtUp).toEqual({ isCaughtUp: true, isFenced: false, shouldShutDown: false });
    expect(ctx.image.cluster.broker(b(1))!.fenced).toBe(false);
  });

  it("keeps a broker that asks to stay fenced fenced, and fences one that asks for it", () => {
    const ctx = new ControllerTestContext();
    ctx.register(1);
    expect(ctx.heartbeat(1, { wantFence: true })).toMatchObject({ isFenced: true });
    ctx.heartbeat(1);
    expect(ctx.heartbeat(1, { wantFence: true })).toMatchObject({ isFenced: true });
    expect(ctx.image.cluster.broker(b(1))!.fenced).toBe(true);
  });

  it("answers a stale broker epoch with STALE_BROKER_EPOCH and an unknown broker with BROKER_ID_NOT_REGISTERED", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const stale = ctx.core.brokerHeartbeat({ brokerId: b(1), brokerEpoch: (ctx.epoch(1) + 1n) as never, currentMetadataOffset: logIndex(1), wantFence: false, wantShutDown: false }, ctx.nowMs);
    expect(stale).toEqual({ records: [], response: { error: expect.objectContaining({ error: "STALE_BROKER_EPOCH", code: 77 }) } });
    const unknown = ctx.core.brokerHeartbeat({ brokerId: b(9), brokerEpoch: 1n as never, currentMetadataOffset: logIndex(1), wantFence: false, wantShutDown: false }, ctx.nowMs);
    expect(unknown.response).toMatchObject({ error: { error: "BROKER_ID_NOT_REGISTERED" } });
  });

  it("lets a fenced broker that wants to shut down go at once", () => {
    const ctx = new ControllerTestContext();
    ctx.register(1);
    expect(ctx.heartbeat(1, { wantShutDown: true })).toEqual({ isCaughtUp: true, isFenced: true, shouldShutDown: true });
  });
});

describe("session expiry (testFindOneStaleBroker, testProcessExpiredBrokerHeartbeat)", () => {
  it("fences a broker after broker.session.timeout.ms without heartbeats, one broker per call", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2, 3]]);
    ctx.nowMs += 9_000;
    ctx.heartbeat(3);
    expect(ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs))).toBeUndefined(); // exactly at the timeout: still valid
    ctx.nowMs += 1;
    expect(ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs))).toBe(1);
    expect(ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs))).toBe(2);
    expect(ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs))).toBeUndefined();
    expect(ctx.describe("t", 0)).toBe("isr=[3] leader=3 epochs=2/2");
  });

  it("gives every broker a fresh session when a new controller becomes active, instead of fencing them", () => {
    const ctx = new ControllerTestContext({ brokerSessionTimeoutMs: 1_000 });
    ctx.activate(1, 2);
    ctx.nowMs += 60_000; // e.g. a long controller failover
    ctx.core.onNewActiveController(ctx.nowMs);
    expect(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs + 1_000).response).toBeUndefined();
    expect(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs + 1_001).response).toBe(1);
  });
});

describe("controlled shutdown (testProcessBrokerHeartbeatInControlledShutdown, §5.7)", () => {
  it("holds the broker in CONTROLLED_SHUTDOWN until every active broker has seen its leaders move", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2, 3);
    ctx.createTopic("t", [[1, 2, 3]]);
    expect(ctx.heartbeat(1, { wantShutDown: true })).toMatchObject({ isFenced: false, shouldShutDown: false });
    const shutdownIndex = ctx.lastIndex;
    expect(ctx.partition("t", 0).leader).toBe(2);
    ctx.heartbeat(2, { offset: shutdownIndex - 1 });
    ctx.heartbeat(3, { offset: shutdownIndex });
    // Broker 2 has not yet replayed the batch that made it leader.
    expect(ctx.heartbeat(1, { wantShutDown: true })).toMatchObject({ shouldShutDown: false });
    ctx.heartbeat(2, { offset: shutdownIndex });
    expect(ctx.heartbeat(1, { wantShutDown: true })).toEqual({ isCaughtUp: true, isFenced: true, shouldShutDown: true });
    expect(ctx.image.cluster.broker(b(1))).toMatchObject({ fenced: true, inControlledShutdown: true });
  });

  it("writes the controlled-shutdown marker only once (testControlledShutdownOffsetIsOnlyUpdatedOnce)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    ctx.heartbeat(1, { wantShutDown: true });
    ctx.heartbeat(2, { offset: 0 });
    const markers = () => ctx.log.filter((r) => r.type === "BrokerRegistrationChangeRecord" && r.inControlledShutdown === true).length;
    expect(markers()).toBe(1);
    ctx.heartbeat(1, { wantShutDown: true });
    expect(markers()).toBe(1);
  });

  it("lets a broker that leads nothing shut down at once, after leaving the ISRs", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    ctx.createTopic("t", [[1, 2]]);
    expect(ctx.heartbeat(2, { wantShutDown: true })).toMatchObject({ shouldShutDown: true, isFenced: true });
    expect(ctx.describe("t", 0)).toBe("isr=[1] leader=1 epochs=0/1");
  });
});
