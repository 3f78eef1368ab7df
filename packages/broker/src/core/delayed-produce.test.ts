// The produce purgatory's bookkeeping (Kafka DelayedProduce, reference §3.4).

import { offset } from "@replog/common";
import { describe, expect, it } from "vitest";
import { DelayedProduceQueue, type ReplicaOffsetCheck } from "./delayed-produce.js";

const upTo =
  (hw: number, error: "NONE" | "NOT_ENOUGH_REPLICAS_AFTER_APPEND" = "NONE") =>
  (required: number): ReplicaOffsetCheck =>
    hw >= required ? { done: true, error } : { done: false };

describe("DelayedProduceQueue", () => {
  it("completes the produces the HW covers, in offset order, and keeps the rest", () => {
    const queue = new DelayedProduceQueue<string>(8);
    queue.add({ key: "b", requiredOffset: offset(20), deadlineMs: 100 });
    queue.add({ key: "a", requiredOffset: offset(10), deadlineMs: 100 });
    queue.add({ key: "c", requiredOffset: offset(30), deadlineMs: 100 });
    expect(queue.tryComplete(upTo(25)).map((c) => c.key)).toEqual(["a", "b"]);
    expect(queue.size).toBe(1);
    expect(queue.tryComplete(upTo(30, "NOT_ENOUGH_REPLICAS_AFTER_APPEND"))).toEqual([
      { key: "c", requiredOffset: 30, error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" },
    ]);
  });

  it("expires produces past their deadline with REQUEST_TIMED_OUT", () => {
    const queue = new DelayedProduceQueue<string>(8);
    queue.add({ key: "late", requiredOffset: offset(10), deadlineMs: 100 });
    queue.add({ key: "later", requiredOffset: offset(20), deadlineMs: 200 });
    expect(queue.nextDeadlineMs()).toBe(100);
    expect(queue.expire(99)).toEqual([]);
    expect(queue.expire(100)).toEqual([{ key: "late", requiredOffset: 10, error: "REQUEST_TIMED_OUT" }]);
    expect(queue.nextDeadlineMs()).toBe(200);
  });

  it("fails everything with NOT_LEADER_OR_FOLLOWER when leadership moves [testDeltaToFollowerCompletesProduce]", () => {
    const queue = new DelayedProduceQueue<number>(8);
    queue.add({ key: 1, requiredOffset: offset(10), deadlineMs: 100 });
    expect(queue.completeAll("NOT_LEADER_OR_FOLLOWER")).toEqual([{ key: 1, requiredOffset: 10, error: "NOT_LEADER_OR_FOLLOWER" }]);
    expect(queue.size).toBe(0);
  });

  it("has a bound the shell checks before appending", () => {
    const queue = new DelayedProduceQueue<number>(1);
    expect(queue.hasRoom()).toBe(true);
    queue.add({ key: 1, requiredOffset: offset(1), deadlineMs: 1 });
    expect(queue.hasRoom()).toBe(false);
    expect(() => queue.add({ key: 2, requiredOffset: offset(2), deadlineMs: 1 })).toThrow(/bound/);
  });
});
