import { describe, expect, it } from "vitest";
import { ManualClock, SeededRandom, type Random } from "@replog/common";
import { DEFAULT_RETRY, retryDelayMs, withRetry } from "./retry.js";
import { ReplogError } from "./errors.js";

const fixed = (x: number): Random => ({ next: () => x, int: (b) => Math.floor(x * b) });

describe("retryDelayMs", () => {
  it("grows by the multiplier from initialRetryTime, within ±factor, capped at maxRetryTime", () => {
    const low = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, DEFAULT_RETRY, fixed(0)));
    const high = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, DEFAULT_RETRY, fixed(0.999999)));
    expect(low).toEqual([240, 480, 960, 1920, 3840, 7680, 15360, 24000]);
    expect(high).toEqual([360, 720, 1440, 2880, 5760, 11520, 23040, 30000]);
  });

  it("stays within its bounds for any draw", () => {
    const random = new SeededRandom(99);
    for (let n = 0; n < 12; n++) {
      for (let i = 0; i < 50; i++) {
        const d = retryDelayMs(n, DEFAULT_RETRY, random);
        const base = Math.min(30_000, 300 * 2 ** n);
        expect(d).toBeGreaterThanOrEqual(Math.round(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(30_000, Math.round(base * 1.2)));
      }
    }
  });
});

describe("withRetry", () => {
  function env(clock: ManualClock, slept: number[], deadlineMs?: number) {
    return { random: fixed(0.5), clock, deadlineMs, sleep: async (ms: number) => (slept.push(ms), clock.advance(ms)) };
  }

  it("retries retriable errors with the backoff schedule, then succeeds", async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 4) throw new ReplogError("NOT_LEADER_OR_FOLLOWER", "moved");
        return "ok";
      },
      DEFAULT_RETRY,
      env(clock, slept),
    );
    expect(result).toBe("ok");
    expect(slept).toEqual([300, 600, 1200]);
    expect(clock.nowMs()).toBe(2100);
  });

  it("gives up after `retries` with the last error as the cause and its Kafka name", async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    const error = await withRetry(async () => Promise.reject(new ReplogError("NOT_ENOUGH_REPLICAS", "isr too small")), { ...DEFAULT_RETRY, retries: 2 }, env(clock, slept)).catch((e: unknown) => e);
    expect(slept).toEqual([300, 600]);
    expect(error).toMatchObject({ name: "ReplogRetriesExhausted", type: "NOT_ENOUGH_REPLICAS", retriable: false });
    expect((error as Error).cause).toMatchObject({ type: "NOT_ENOUGH_REPLICAS" });
  });

  it("does not start an attempt past the deadline", async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    const error = await withRetry(async () => Promise.reject(new ReplogError("REQUEST_TIMED_OUT", "slow")), DEFAULT_RETRY, env(clock, slept, 1_000)).catch((e: unknown) => e);
    // 300 then 600 fit in 1000 ms; the third wait (1200) would end past it.
    expect(slept).toEqual([300, 600]);
    expect(error).toMatchObject({ name: "ReplogRetriesExhausted", type: "REQUEST_TIMED_OUT" });
  });

  it("passes a non-retriable error through at once", async () => {
    const slept: number[] = [];
    const error = await withRetry(async () => Promise.reject(new ReplogError("TOPIC_ALREADY_EXISTS", "exists")), DEFAULT_RETRY, env(new ManualClock(), slept)).catch((e: unknown) => e);
    expect(slept).toEqual([]);
    expect(error).toMatchObject({ type: "TOPIC_ALREADY_EXISTS", code: 36 });
  });
});
