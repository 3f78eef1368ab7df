import { describe, expect, it } from "vitest";
import { ticksFor } from "./raft-driver.js";

describe("ticksFor", () => {
  it("gives about 50 ticks per election timeout, ticks of 5 to 20 ms, and heartbeats at a fifth of it", () => {
    expect(ticksFor(300)).toEqual({ tickMs: 6, electionTick: 50, heartbeatTick: 10 });
    expect(ticksFor(1000)).toEqual({ tickMs: 20, electionTick: 50, heartbeatTick: 10 }); // Kafka's default.
    expect(ticksFor(5000)).toEqual({ tickMs: 20, electionTick: 250, heartbeatTick: 50 });
    expect(ticksFor(100)).toEqual({ tickMs: 5, electionTick: 20, heartbeatTick: 4 });
  });

  it("keeps the core's config valid for any positive timeout (electionTick above heartbeatTick)", () => {
    for (const ms of [1, 2, 7, 10, 49, 50, 51, 999, 60_000]) {
      const t = ticksFor(ms);
      expect(t.electionTick, `${ms} ms`).toBeGreaterThan(t.heartbeatTick);
      expect(t.heartbeatTick, `${ms} ms`).toBeGreaterThanOrEqual(1);
    }
  });
});
