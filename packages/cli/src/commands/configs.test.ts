import { describe, expect, it } from "vitest";
import { describeConfigLines, parseAddConfig } from "./configs.js";

describe("configs --add-config", () => {
  it("reads Kafka's k=v list, with [a,b] list values", () => {
    expect(parseAddConfig("retention.ms=60000,cleanup.policy=[delete,compact],min.insync.replicas=2")).toEqual([
      { name: "retention.ms", value: "60000" },
      { name: "cleanup.policy", value: "delete,compact" },
      { name: "min.insync.replicas", value: "2" },
    ]);
    expect(parseAddConfig("cleanup.policy=[compact]")).toEqual([{ name: "cleanup.policy", value: "compact" }]);
  });

  it("refuses what is not k=v, naming the part", () => {
    expect(() => parseAddConfig("retention.ms")).toThrow(/"retention.ms" is not key=value/);
    expect(() => parseAddConfig("cleanup.policy=[delete,compact")).toThrow(/no closing \]/);
    expect(() => parseAddConfig("=5")).toThrow(/is not a config name/);
  });
});

describe("configs --describe", () => {
  it("prints Kafka's lines for a topic's dynamic overrides, sorted", () => {
    expect(describeConfigLines("orders", { "retention.ms": "60000", "min.insync.replicas": "2" })).toEqual([
      "Dynamic configs for topic orders are:",
      "  min.insync.replicas=2 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:min.insync.replicas=2}",
      "  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}",
    ]);
  });
});
