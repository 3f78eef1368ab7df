import { describe, expect, it } from "vitest";
import { topicNameProblem, unifyCollisionChars } from "./topic-name.js";

describe("topic names (Kafka Topic.validate)", () => {
  it("accepts ASCII alphanumerics, '.', '_' and '-' up to 249 characters", () => {
    expect(topicNameProblem("orders_v2.eu-west")).toBeUndefined();
    expect(topicNameProblem("a".repeat(249))).toBeUndefined();
  });

  it("refuses empty, '.', '..', too long and illegal characters, saying why", () => {
    expect(topicNameProblem("")).toContain("empty");
    expect(topicNameProblem(".")).toContain("cannot be");
    expect(topicNameProblem("..")).toContain("cannot be");
    expect(topicNameProblem("a".repeat(250))).toContain("249");
    expect(topicNameProblem("é")).toContain("illegal");
    expect(topicNameProblem("a b")).toContain("illegal");
  });

  it("maps names that collide in metric names to the same key", () => {
    expect(unifyCollisionChars("a.b")).toBe(unifyCollisionChars("a_b"));
  });
});
