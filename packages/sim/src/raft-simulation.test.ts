// Properties of the simulation loop itself (the Raft properties are checked by the seed ranges).
import { describe, expect, it } from "vitest";
import { runRaftSimulation } from "./index.js";

describe("runRaftSimulation", () => {
  it("delivers each message held by a paused node as its own event, so checks run between them", () => {
    // Regression: seed 4236 once drained a resumed node's buffer in one event; the node voted in
    // one term and moved to the next within it, and the checker never saw the vote.
    const r = runRaftSimulation({ seed: 11, fullTrace: true, chaosDurationMs: 4000, adjustSwarm: (s) => ({ ...s, pauseGapMeanMs: 200, pauseDurationMeanMs: 400 }) });
    const held = r.trace.text().split("\n").filter((l) => l.includes("(held while paused)"));
    expect(held.length).toBeGreaterThan(5);
    const events = held.map((l) => l.split(" ").find((w) => w.startsWith("#")));
    expect(new Set(events).size).toBe(events.length);
  });

  it("reports the drawn world and its counters", () => {
    const r = runRaftSimulation({ seed: 5, chaosDurationMs: 2000 });
    expect([3, 5]).toContain(r.swarm.voters);
    expect(r.stats.events).toBeGreaterThan(100);
    expect(r.stats.highestCommitted).toBeGreaterThan(0);
    expect(r.endMs).toBeGreaterThanOrEqual(2000);
  });
});
