import { describe, expect, it } from "vitest";
import { defaultPartition, murmur2, toPositive } from "./murmur2.js";

// Expected values from Kafka's own `UtilsTest.testMurmur2` (Java client), a binary key whose hash
// was generated with the JVM client (sarama's partitioner tests), and short keys checked against
// Kafka's `Utils.murmur2` by Akka's Kafka-compatible sharding (they cover the 1-byte tail).
const javaVectors: Array<[Uint8Array, number]> = [
  [Buffer.from("21"), -973932308],
  [Buffer.from("foobar"), -790332482],
  [Buffer.from("a-little-bit-long-string"), -985981536],
  [Buffer.from("a-little-bit-longer-string"), -1486304829],
  [Buffer.from("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
  [Buffer.from("abc"), 479470107],
  [Uint8Array.from([12, 42, 56, 24, 109, 111]), 274204207],
  [Buffer.from("1"), -1993445489],
  [Buffer.from("12"), 126087238],
  [Buffer.from("123"), -267702483],
  [Buffer.from("1234"), -1614185708],
  [Buffer.from("12345"), -1188365604],
];

describe("murmur2", () => {
  it.each(javaVectors)("hashes %s as the Java client does", (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it("covers every tail length (0-3 leftover bytes)", () => {
    const lengths = new Set(javaVectors.map(([key]) => key.length % 4));
    expect([...lengths].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe("defaultPartition", () => {
  it("is toPositive(murmur2(key)) % numPartitions", () => {
    // "21" hashes to -973932308; toPositive gives 1173551340 (the JVM client's positive value).
    expect(toPositive(-973932308)).toBe(1173551340);
    expect(defaultPartition(Buffer.from("21"), 12)).toBe(1173551340 % 12);
    expect(defaultPartition(Buffer.from("foobar"), 3)).toBe(1357151166 % 3);
  });

  it("clears the sign bit rather than taking an absolute value", () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
  });

  it("refuses a non-positive partition count", () => {
    expect(() => defaultPartition(Buffer.from("k"), 0)).toThrow(RangeError);
  });
});
