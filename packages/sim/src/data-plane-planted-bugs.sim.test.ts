// The data-plane checker must be able to fail on a real bug (issue 4, must show 8). The broker
// shell of the simulation can plant two (`DataPlanePlantedBug`); with each switched on, a seed of
// the CI range must end in a safety violation, and that seed must replay it exactly.
//
// - hwOverShrinkingIsr: the leader advances the HW over the ISR without the members of a pending
//   shrink (§2.4 says the maximal ISR keeps them until the controller confirms). When the shrink
//   does not commit (the leader is cut off from the controller) and a dropped member is elected,
//   committed and acknowledged records are gone.
// - truncateToHighWatermark: a follower truncates to its HW on recovery and on every new
//   leadership instead of by leader epoch (the KIP-101 loss of §4.1): the HW reaches followers
//   one fetch late, so committed records above a stale HW are cut, and lost if that replica leads.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "./invariant-violation.js";
import { SimulationFailure, runDataPlaneSimulation, type DataPlanePlantedBug, type InvariantName } from "./index.js";
import { dataPlaneSeedRange, describeFailure } from "./test-support/seed-range.js";

const { first, count } = dataPlaneSeedRange();
const last = first + count - 1;
const LOSS: readonly InvariantName[] = ["leader-completeness", "acked-write-lost", "committed-record-changed"];

function firstFailure(bug: DataPlanePlantedBug): SimulationFailure | undefined {
  for (let seed = first; seed <= last; seed++) {
    try {
      runDataPlaneSimulation({ seed, plantedBug: bug });
    } catch (error) {
      if (error instanceof SimulationFailure) return error;
      throw error;
    }
  }
  return undefined;
}

function replay(seed: number, bug: DataPlanePlantedBug): SimulationFailure {
  try {
    runDataPlaneSimulation({ seed, plantedBug: bug });
  } catch (error) {
    if (error instanceof SimulationFailure) return error;
    throw error;
  }
  return expect.fail(`seed ${seed} passed on replay with ${bug}`);
}

function expectCaughtAndReplayed(bug: DataPlanePlantedBug): void {
  const failure = firstFailure(bug);
  expect(failure, `no seed in ${first}..${last} caught ${bug}`).toBeDefined();
  const report = describeFailure(failure!, bug, true);
  expect(failure!.violation, report).toBeInstanceOf(InvariantViolation);
  expect(LOSS, report).toContain((failure!.violation as InvariantViolation).invariant);
  // The trace shows the planted bug at work before the violation.
  expect(failure!.trace.text(), report).toContain(`PLANTED BUG ${bug}`);
  const again = replay(failure!.seed, bug);
  expect(again.message).toBe(failure!.message);
  expect(again.trace.hash()).toBe(failure!.trace.hash());
}

describe("planted data-plane bugs are caught within the CI seed range, and their seed replays them", () => {
  it("hwOverShrinkingIsr: the HW passes a pending-shrink member, which is then elected", () => {
    expectCaughtAndReplayed("hwOverShrinkingIsr");
  });

  it("truncateToHighWatermark: a follower truncates to its stale HW, then leads without committed records", () => {
    expectCaughtAndReplayed("truncateToHighWatermark");
  });
});
