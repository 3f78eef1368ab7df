import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeId } from "@replog/common";
import { placeReplicas } from "./replica-placement.js";

const request = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.record({
      brokers: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }).map((bs) => bs.map(nodeId)),
      partitions: fc.integer({ min: 1, max: 60 }),
      replicationFactor: fc.integer({ min: 1, max: n }),
      startIndex: fc.nat(n - 1),
      replicaShift: fc.nat(n - 1),
      firstPartitionId: fc.nat(30),
    }),
  );

// Kafka's rack-unaware placement: distinct replicas, and leaders spread evenly (testReplicaPlacement*).
describe("placeReplicas", () => {
  it("gives each partition distinct replicas from the given brokers", () => {
    fc.assert(
      fc.property(request, (req) => {
        const placement = placeReplicas(req);
        expect(placement).toHaveLength(req.partitions);
        for (const replicas of placement) {
          expect(replicas).toHaveLength(req.replicationFactor);
          expect(new Set(replicas).size).toBe(replicas.length);
          for (const b of replicas) expect(req.brokers).toContain(b);
        }
      }),
    );
  });

  it("spreads leaders so that no broker leads more than one partition above another", () => {
    fc.assert(
      fc.property(request, (req) => {
        const leads = new Map(req.brokers.map((b) => [b, 0]));
        for (const [leader] of placeReplicas(req)) leads.set(leader!, leads.get(leader!)! + 1);
        const counts = [...leads.values()];
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("spreads all replicas within one partition's worth when partitions are a multiple of brokers", () => {
    fc.assert(
      fc.property(request, (req) => {
        const n = req.brokers.length;
        const placement = placeReplicas({ ...req, partitions: n * 3, firstPartitionId: 0 });
        const load = new Map(req.brokers.map((b) => [b, 0]));
        for (const replicas of placement) for (const b of replicas) load.set(b, load.get(b)! + 1);
        expect(new Set(load.values()).size).toBe(1);
      }),
    );
  });

  // The example table in the comment of Kafka's AdminUtils.assignReplicasToBrokers.
  it("matches Kafka's documented layout for 5 brokers, 10 partitions, RF 3 (start 0, shift 0)", () => {
    const brokers = [0, 1, 2, 3, 4].map(nodeId);
    const placement = placeReplicas({ brokers, partitions: 10, replicationFactor: 3, startIndex: 0, replicaShift: 0 });
    expect(placement.map((r) => r.join(""))).toEqual(["012", "123", "234", "340", "401", "023", "134", "240", "301", "412"]);
  });
});
