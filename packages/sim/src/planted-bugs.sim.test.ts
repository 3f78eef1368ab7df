// The checker must be able to fail on a real core. The Raft core carries two planted bugs behind
// test-only flags (RaftConfig.plantedBugs); with each switched on, some seed of the CI range must
// end in a safety violation. Each search stops at its first failing seed.
//
// Twice per bug: in the swarm's own worlds with every check on (the rule checks catch it within a
// few seeds), and end to end, with the rule checks off, in a world preset made for that bug's
// outcome (two leaders in one term; Figure 8's overwritten commit), where it takes tens to a few
// hundred seeds.
import { describe, expect, it } from "vitest";
import { SimulationFailure, runRaftSimulation, type InvariantName, type PlantedBug, type WorldPreset } from "./index.js";
import { InvariantViolation } from "./invariant-violation.js";
import { ciSeedRange, describeFailure } from "./test-support/seed-range.js";

const { first, count } = ciSeedRange();
const last = first + count - 1;

/** Runs seeds until one fails; returns that failure, or undefined if the whole range passed. */
function firstFailure(bug: PlantedBug, ruleChecks: boolean, world?: WorldPreset): SimulationFailure | undefined {
  for (let seed = first; seed <= last; seed++) {
    try {
      runRaftSimulation({ seed, plantedBug: bug, ruleChecks, ...(world === undefined ? {} : { world }) });
    } catch (error) {
      if (error instanceof SimulationFailure) return error;
      throw error;
    }
  }
  return undefined;
}

function expectCaught(failure: SimulationFailure | undefined, bug: PlantedBug, caughtAs: readonly InvariantName[]): void {
  expect(failure, `no seed in ${first}..${last} caught ${bug}`).toBeDefined();
  const v = failure!.violation;
  expect(v, describeFailure(failure!, bug)).toBeInstanceOf(InvariantViolation);
  expect(caughtAs, describeFailure(failure!, bug)).toContain((v as InvariantViolation).invariant);
}

describe("planted bugs are caught within the CI seed range", () => {
  // A stale grant counted in a later term elects a leader without a majority of that term (§5.2).
  it("countVotesFromOlderTerms: caught by election-quorum in the drawn worlds", () => {
    expectCaught(firstFailure("countVotesFromOlderTerms", true), "countVotesFromOlderTerms", ["election-quorum", "election-safety"]);
  });

  it("countVotesFromOlderTerms: two leaders in one term, end to end, in the stale-votes world", () => {
    expectCaught(firstFailure("countVotesFromOlderTerms", false, "stale-votes"), "countVotesFromOlderTerms", ["election-safety", "leader-completeness"]);
  });

  // Counting replicas of an earlier term's entry breaks the §5.4.2 rule at once ...
  it("commitPreviousTermByCounting: caught by leader-commit-rule in the drawn worlds", () => {
    expectCaught(firstFailure("commitPreviousTermByCounting", true), "commitPreviousTermByCounting", ["leader-commit-rule"]);
  });

  // ... and, when the leader is cut off before its own entry spreads, Figure 8: a later leader
  // lacks (and would overwrite) an entry that was reported committed.
  it("commitPreviousTermByCounting: a committed entry lost, end to end, in the figure-8 world", () => {
    expectCaught(firstFailure("commitPreviousTermByCounting", false, "figure-8"), "commitPreviousTermByCounting", [
      "leader-completeness",
      "committed-entry-changed",
      "state-machine-safety",
      "commit-beyond-durable-majority",
    ]);
  });
});
