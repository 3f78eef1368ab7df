import { describe, expect, it } from "vitest";
import { SeededRandom } from "@replog/common";
import { createDefaultPartitioner, createRoundRobinPartitioner, type PartitionerArgs } from "./partitioner.js";

// Where a Java client puts these keys: partition = toPositive(murmur2(key)) % n, with the hashes
// printed by the JVM (KafkaJS's `Test.java`, Kafka's `Utils.murmur2`), reduced by hand for 3, 6
// and 12 partitions. The placements do not go through our murmur2, so they check it end to end.
const JAVA_PLACEMENTS: Array<[key: string, p3: number, p6: number, p12: number]> = [
  ["0", 2, 2, 8],
  ["1", 0, 3, 3],
  ["128", 2, 5, 5],
  ["2187", 2, 5, 5],
  ["16384", 2, 2, 2],
  ["78125", 2, 2, 2],
  ["279936", 2, 2, 8],
  ["823543", 1, 4, 10],
  ["2097152", 0, 3, 3],
  ["4782969", 1, 1, 1],
  ["10000000", 1, 1, 7],
  ["19487171", 2, 5, 11],
  ["35831808", 1, 1, 1],
  ["62748517", 2, 2, 8],
  ["105413504", 2, 5, 5],
  ["170859375", 0, 3, 3],
];

const meta = (n: number, leaderless: number[] = []): PartitionerArgs["partitionMetadata"] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: leaderless.includes(partitionId) ? -1 : 1 }));

describe("default partitioner", () => {
  it.each(JAVA_PLACEMENTS)("puts key %s where the Java client does", (key, p3, p6, p12) => {
    const partition = createDefaultPartitioner(new SeededRandom(1), 16_384);
    expect(partition({ topic: "t", partitionMetadata: meta(3), message: { key, value: "v" } })).toBe(p3);
    expect(partition({ topic: "t", partitionMetadata: meta(6), message: { key: Buffer.from(key), value: "v" } })).toBe(p6);
    expect(partition({ topic: "t", partitionMetadata: meta(12), message: { key, value: null } })).toBe(p12);
  });

  it("hashes over all partitions, also those without a leader (Kafka keeps keyed placement stable)", () => {
    const partition = createDefaultPartitioner(new SeededRandom(1), 16_384);
    expect(partition({ topic: "t", partitionMetadata: meta(3, [2]), message: { key: "0", value: "v" } })).toBe(2);
  });

  it("an explicit partition wins, 0 included", () => {
    const partition = createDefaultPartitioner(new SeededRandom(1), 16_384);
    expect(partition({ topic: "t", partitionMetadata: meta(3), message: { key: "0", value: "v", partition: 0 } })).toBe(0);
  });

  it("sticks null keys to one available partition until batch.size bytes, then moves to another", () => {
    const partition = createDefaultPartitioner(new SeededRandom(42), 100);
    const picks: number[] = [];
    // 10-byte values count 11 bytes each: 10 records fill the 100-byte budget of one sticky choice.
    for (let i = 0; i < 40; i++) picks.push(partition({ topic: "t", partitionMetadata: meta(4, [3]), message: { value: "0123456789" } }));
    const runs: Array<{ p: number; n: number }> = [];
    for (const p of picks) {
      if (runs.at(-1)?.p === p) runs.at(-1)!.n++;
      else runs.push({ p, n: 1 });
    }
    expect(runs.map((r) => r.n)).toEqual([10, 10, 10, 10]);
    for (const r of runs) expect(r.p).not.toBe(3);
  });

  it("keeps a sticky partition per topic", () => {
    const partition = createDefaultPartitioner(new SeededRandom(3), 1_000_000);
    const a = partition({ topic: "a", partitionMetadata: meta(50), message: { value: "x" } });
    const b = partition({ topic: "b", partitionMetadata: meta(50), message: { value: "x" } });
    for (let i = 0; i < 20; i++) {
      expect(partition({ topic: "a", partitionMetadata: meta(50), message: { value: "x" } })).toBe(a);
      expect(partition({ topic: "b", partitionMetadata: meta(50), message: { value: "x" } })).toBe(b);
    }
  });
});

describe("round-robin partitioner", () => {
  it("cycles through the partitions per topic", () => {
    const partition = createRoundRobinPartitioner();
    const picks = Array.from({ length: 6 }, () => partition({ topic: "t", partitionMetadata: meta(3), message: { value: "x" } }));
    expect(picks).toEqual([0, 1, 2, 0, 1, 2]);
  });
});
