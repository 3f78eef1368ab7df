// One seed, one run: the same seed twice gives a byte-identical trace, a different seed a
// different one, on the success path and on the failure path alike.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SimulationFailure, runDataPlaneSimulation, runRaftSimulation } from "./index.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function traceOf(seed: number, bug?: "commitPreviousTermByCounting"): { text: string; hash: string } {
  try {
    const r = runRaftSimulation({ seed, fullTrace: true, chaosDurationMs: 3000, ...(bug ? { plantedBug: bug } : {}) });
    return { text: r.trace.text(), hash: r.trace.hash() };
  } catch (error) {
    if (!(error instanceof SimulationFailure)) throw error;
    return { text: error.trace.text(), hash: error.trace.hash() };
  }
}

describe("determinism", () => {
  it("the same seed twice gives a byte-identical trace", () => {
    for (const seed of [1, 2, 3]) {
      const a = traceOf(seed);
      const b = traceOf(seed);
      expect(a.text.length).toBeGreaterThan(1000);
      expect(sha256(a.text)).toBe(sha256(b.text));
      expect(a.hash).toBe(b.hash);
    }
  });

  it("different seeds give different traces", () => {
    const hashes = new Set([1, 2, 3, 4].map((s) => sha256(traceOf(s).text)));
    expect(hashes.size).toBe(4);
  });

  it("a failing run replays identically too, failure line included", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const a = traceOf(seed, "commitPreviousTermByCounting");
      if (!a.text.includes("FAILED")) continue;
      expect(sha256(traceOf(seed, "commitPreviousTermByCounting").text)).toBe(sha256(a.text));
      return;
    }
    expect.fail("no seed in 1..60 failed with the planted bug; pick another bug or range");
  });
});

function dataPlaneTraceOf(seed: number, bug?: "hwOverShrinkingIsr"): { text: string; hash: string } {
  try {
    const r = runDataPlaneSimulation({ seed, fullTrace: true, chaosDurationMs: 2000, ...(bug ? { plantedBug: bug } : {}) });
    return { text: r.trace.text(), hash: r.trace.hash() };
  } catch (error) {
    if (!(error instanceof SimulationFailure)) throw error;
    return { text: error.trace.text(), hash: error.trace.hash() };
  }
}

describe("determinism of the data-plane simulation", () => {
  it("the same seed twice gives a byte-identical trace, different seeds different ones", () => {
    for (const seed of [1, 2, 3]) {
      const a = dataPlaneTraceOf(seed);
      expect(a.text.length).toBeGreaterThan(1000);
      expect(sha256(dataPlaneTraceOf(seed).text)).toBe(sha256(a.text));
    }
    expect(new Set([1, 2, 3, 4].map((s) => dataPlaneTraceOf(s).hash)).size).toBe(4);
  });

  it("a failing run replays identically too, failure line included", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const a = dataPlaneTraceOf(seed, "hwOverShrinkingIsr");
      if (!a.text.includes("FAILED")) continue;
      expect(sha256(dataPlaneTraceOf(seed, "hwOverShrinkingIsr").text)).toBe(sha256(a.text));
      return;
    }
    expect.fail("no seed in 1..100 failed with the planted bug; pick another bug or range");
  });
});
