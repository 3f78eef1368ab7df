import { describe, expect, it } from "vitest";
import { brokerEpoch, nodeId } from "@replog/common";
import { PRODUCER_ID_BLOCK_SIZE } from "./producer-id-control-manager.js";
import { ControllerTestContext } from "./test-support/controller-test-context.js";

describe("ProducerIdControlManager", () => {
  it("hands out consecutive blocks of 1000 ids and never the same id twice", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1, 2);
    const first = ctx.commit(ctx.core.allocateProducerIds(nodeId(1), ctx.epoch(1)));
    const second = ctx.commit(ctx.core.allocateProducerIds(nodeId(2), ctx.epoch(2)));
    expect(PRODUCER_ID_BLOCK_SIZE).toBe(1000);
    expect(first).toEqual({ assignedBrokerId: 1, firstProducerId: 0n, size: 1000 });
    expect(second).toEqual({ assignedBrokerId: 2, firstProducerId: 1000n, size: 1000 });
    expect(ctx.image.producerIds.nextProducerId).toBe(2000n);
  });

  it("refuses a stale broker epoch", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    const result = ctx.core.allocateProducerIds(nodeId(1), brokerEpoch(ctx.epoch(1) + 5n));
    expect(result.records).toEqual([]);
    expect(result.response).toMatchObject({ error: { error: "STALE_BROKER_EPOCH" } });
  });

  it("continues after the last block recorded in the log (e.g. after a failover)", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    ctx.commit(ctx.core.allocateProducerIds(nodeId(1), ctx.epoch(1)));
    const replica = new ControllerTestContext();
    for (const [i, r] of ctx.log.entries()) replica.core.replay(r, (i + 1) as never);
    expect(replica.core.allocateProducerIds(nodeId(1), ctx.epoch(1)).response).toMatchObject({ firstProducerId: 1000n });
  });
});
