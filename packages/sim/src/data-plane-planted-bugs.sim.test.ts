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
//   one fetch late, so committed records above a stale HW are cut (caught at the truncation by
//   `truncated-committed`), and lost if that replica leads (caught end to end with the truncation
//   checks off).
// - expandBelowEpochStart: a follower joins the ISR once it reaches the HW, without also reaching
//   the leader-epoch start offset (§2.3). A new leader's HW can lag the old one's, so the follower
//   joins missing committed records and may be elected. Likely only where leaders crash faster
//   than followers catch up: the `leader-crashes` world, which the seed-range test runs with the
//   correct core too.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "./invariant-violation.js";
import { SimulationFailure, runDataPlaneSimulation, type DataPlanePlantedBug, type DataPlaneWorld, type InvariantName } from "./index.js";
import { dataPlaneSeedRange, describeFailure } from "./test-support/seed-range.js";

const { first, count } = dataPlaneSeedRange();
const last = first + count - 1;
const LOSS: readonly InvariantName[] = ["leader-completeness", "acked-write-lost", "committed-record-changed"];

function run(seed: number, bug: DataPlanePlantedBug, truncationChecks: boolean, world?: DataPlaneWorld, fullTrace = false): SimulationFailure | undefined {
  try {
    runDataPlaneSimulation({ seed, plantedBug: bug, truncationChecks, fullTrace, ...(world === undefined ? {} : { world }) });
  } catch (error) {
    if (error instanceof SimulationFailure) return error;
    throw error;
  }
  return undefined;
}

function expectCaughtAndReplayed(bug: DataPlanePlantedBug, caughtAs: readonly InvariantName[], truncationChecks = true, world?: DataPlaneWorld): void {
  let failure: SimulationFailure | undefined;
  for (let seed = first; seed <= last && failure === undefined; seed++) failure = run(seed, bug, truncationChecks, world);
  expect(failure, `no seed in ${first}..${last} caught ${bug}`).toBeDefined();
  const flags = `${truncationChecks ? "" : " --no-truncation-checks"}${world === undefined ? "" : ` --world ${world}`}`;
  const report = describeFailure(failure!, bug, true, flags);
  expect(failure!.violation, report).toBeInstanceOf(InvariantViolation);
  expect(caughtAs, report).toContain((failure!.violation as InvariantViolation).invariant);
  // The seed replays the same failure, with the same trace (the hash covers every line, kept or
  // not), and the full trace shows the planted bug at work before the violation.
  const again = run(failure!.seed, bug, truncationChecks, world, true);
  expect(again?.message, report).toBe(failure!.message);
  expect(again!.trace.hash()).toBe(failure!.trace.hash());
  expect(again!.trace.text(), report).toContain(`PLANTED BUG ${bug}`);
}

describe("planted data-plane bugs are caught within the CI seed range, and their seed replays them", () => {
  it("hwOverShrinkingIsr: the HW passes a pending-shrink member, which is then elected", () => {
    expectCaughtAndReplayed("hwOverShrinkingIsr", [...LOSS, "truncated-committed"]);
  });

  it("truncateToHighWatermark: a follower truncates committed records away (caught at the truncation)", () => {
    expectCaughtAndReplayed("truncateToHighWatermark", ["truncated-committed"]);
  });

  it("truncateToHighWatermark, end to end: that replica later leads without committed records", () => {
    expectCaughtAndReplayed("truncateToHighWatermark", LOSS, false);
  });

  it("expandBelowEpochStart: a follower behind the new leader's epoch start joins the ISR and is elected, in the leader-crashes world", () => {
    expectCaughtAndReplayed("expandBelowEpochStart", [...LOSS, "truncated-committed"], true, "leader-crashes");
  });
});
