import { describe, expect, it } from "vitest";
import { electionReport, partitionsFromJson } from "./leader-election.js";

const outcome = (topic: string, partition: number, errorName = "NONE", errorMessage = "") => ({ topic, partition, errorName, errorMessage });

describe("leader-election report", () => {
  it("prints Kafka's lines: elected, already elected, then one line per failure", () => {
    const r = electionReport("PREFERRED", [
      outcome("orders", 1),
      outcome("orders", 0),
      outcome("audit", 0, "ELECTION_NOT_NEEDED", "audit-0: the preferred replica 4 already leads"),
      outcome("orders", 2, "PREFERRED_LEADER_NOT_AVAILABLE", "orders-2: the preferred replica 6 is not in the ISR or not active"),
    ]);
    expect(r.lines).toEqual([
      "Successfully completed leader election (PREFERRED) for partitions orders-0, orders-1",
      "Valid replica already elected for partitions audit-0",
      "Error completing leader election (PREFERRED) for partition: orders-2: PREFERRED_LEADER_NOT_AVAILABLE: orders-2: the preferred replica 6 is not in the ISR or not active",
    ]);
    expect(r.failed).toBe(1);
  });

  it("prints nothing and fails nothing when there was nothing to elect", () => {
    expect(electionReport("UNCLEAN", [])).toEqual({ lines: [], failed: 0 });
  });
});

describe("leader-election --path-to-json-file", () => {
  it("groups Kafka's partition list by topic", () => {
    expect(partitionsFromJson('{"partitions":[{"topic":"a","partition":0},{"topic":"b","partition":2},{"topic":"a","partition":1}]}', "f.json")).toEqual([
      { topic: "a", partitions: [0, 1] },
      { topic: "b", partitions: [2] },
    ]);
  });

  it("refuses what Kafka refuses, naming the file", () => {
    expect(() => partitionsFromJson("{", "f.json")).toThrow(/f\.json is not JSON/);
    expect(() => partitionsFromJson('{"partitions":[]}', "f.json")).toThrow(/at least one partition/);
    expect(() => partitionsFromJson('{"partitions":[{"topic":"a","partition":-1}]}', "f.json")).toThrow(/non-negative integer/);
    expect(() => partitionsFromJson('{"partitions":[{"topic":"a","partition":0},{"topic":"a","partition":0}]}', "f.json")).toThrow(/a-0 is listed twice/);
  });
});
