import { describe, expect, it } from "vitest";
import { initProducerId } from "./broker-service.js";
import { ProducerIdManager } from "./producer-id-manager.js";

/** Answers AllocateProducerIds as the controller does: consecutive blocks of `len` ids. */
function controller(len: number, fail?: string) {
  let start = 0;
  const calls: object[] = [];
  return {
    calls,
    call: async <T>(method: string, request: object): Promise<T> => {
      calls.push({ method, request });
      if (fail) return { errorCode: 89, errorMessage: fail, leaderEndpoint: "", producerIdStart: "-1", producerIdLen: 0 } as T;
      const answer = { errorCode: 0, errorMessage: "", leaderEndpoint: "", producerIdStart: String(start), producerIdLen: len };
      start += len;
      return answer as T;
    },
  };
}

describe("ProducerIdManager (Kafka's RPCProducerIdManager)", () => {
  it("hands out ids from its block and asks for the next block only when it runs out", async () => {
    const c = controller(3);
    const ids = new ProducerIdManager(c, 4, () => 17n);
    const got = [];
    for (let i = 0; i < 7; i++) got.push(await ids.generate());
    expect(got).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    expect(c.calls).toHaveLength(3);
    expect(c.calls[0]).toEqual({ method: "AllocateProducerIds", request: { brokerId: 4, brokerEpoch: "17" } });
  });

  it("concurrent callers share one block request and never get the same id", async () => {
    const c = controller(1000);
    const ids = new ProducerIdManager(c, 4, () => 1n);
    const got = await Promise.all(Array.from({ length: 50 }, () => ids.generate()));
    expect(new Set(got).size).toBe(50);
    expect(c.calls).toHaveLength(1);
  });

  it("InitProducerId answers with the id at epoch 0, or the controller's error by name", async () => {
    const ok = await initProducerId({ producerIds: new ProducerIdManager(controller(10), 4, () => 1n) }, { transactionalId: "" });
    expect(ok).toMatchObject({ errorCode: 0, errorName: "NONE", producerId: "0", producerEpoch: 0 });
    const stale = await initProducerId({ producerIds: new ProducerIdManager(controller(10, "STALE_BROKER_EPOCH: broker 4 epoch 1 is not current"), 4, () => 1n) }, {});
    expect(stale).toMatchObject({ errorName: "STALE_BROKER_EPOCH", errorMessage: "broker 4 epoch 1 is not current", producerId: "-1" });
    const txn = await initProducerId({ producerIds: new ProducerIdManager(controller(10), 4, () => 1n) }, { transactionalId: "t1" });
    expect(txn).toMatchObject({ errorName: "INVALID_REQUEST", producerId: "-1" });
  });
});
