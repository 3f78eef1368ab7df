// The partition core under the data-plane simulation, over the CI seed range (issue 4, must show
// 8): brokers with the real leader and follower cores, a controller applying Kafka's election and
// AlterPartition rules, producers with acks=all and acks=1, crashes, pauses, partitions and a
// lossy network, the data-plane checker after every event, and a liveness phase at the end. A
// failure names the seed and the command that replays it with a full trace.
import { describe, expect, it } from "vitest";
import { SimulationFailure, dataPlaneWorlds, runDataPlaneSimulation, type DataPlaneSimulationStats } from "./index.js";
import { dataPlaneSeedRange, describeFailure } from "./test-support/seed-range.js";

const CHUNK = 50;
const { first, count } = dataPlaneSeedRange();

describe(`the data plane under simulation, seeds ${first}..${first + count - 1}`, () => {
  const totals = { seeds: 0, ackedAll: 0, ackedOne: 0, elections: 0, uncleanElections: 0, excusedAcks: 0, errors: {} as Record<string, number>, marks: {} as Record<string, number> };

  const add = (s: DataPlaneSimulationStats) => {
    totals.seeds++;
    totals.ackedAll += s.ackedAll;
    totals.ackedOne += s.ackedOne;
    totals.elections += s.elections;
    totals.uncleanElections += s.uncleanElections;
    totals.excusedAcks += s.excusedAcks;
    for (const [k, v] of Object.entries(s.errors)) totals.errors[k] = (totals.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.marks)) totals.marks[k] = (totals.marks[k] ?? 0) + v;
  };

  for (let from = first; from < first + count; from += CHUNK) {
    const to = Math.min(first + count, from + CHUNK) - 1;
    it(`seeds ${from}..${to}: HW monotonic, clean leaders complete, leaders from the ISR, no acknowledged acks=all write lost; all settle`, () => {
      for (let seed = from; seed <= to; seed++) {
        try {
          add(runDataPlaneSimulation({ seed }).stats);
        } catch (error) {
          if (error instanceof SimulationFailure) expect.fail(describeFailure(error, undefined, true));
          throw error;
        }
      }
    });
  }

  // The bug-hunting presets must not cry wolf: with the correct core they pass like any world.
  for (const world of dataPlaneWorlds) {
    const presetCount = Math.max(1, Math.floor(count / 4));
    it(`the ${world} world, seeds ${first}..${first + presetCount - 1}, passes`, () => {
      for (let seed = first; seed < first + presetCount; seed++) {
        try {
          runDataPlaneSimulation({ seed, world });
        } catch (error) {
          if (error instanceof SimulationFailure) expect.fail(describeFailure(error, undefined, true, ` --world ${world}`));
          throw error;
        }
      }
    });
  }

  // Coverage marks: a green range means little if the interesting paths never ran.
  it("reached the paths that matter: elections clean and unclean, shrinks, expansions, divergence, truncation, zombies, both min-ISR errors", () => {
    // Only meaningful after the whole range ran (not under a -t filter) and for a range of size.
    if (totals.seeds < count || count < 200) return;
    expect(totals.ackedAll).toBeGreaterThan(1000);
    expect(totals.ackedOne).toBeGreaterThan(1000);
    expect(totals.elections).toBeGreaterThan(count);
    expect(totals.uncleanElections).toBeGreaterThan(0);
    expect(totals.excusedAcks, "acks=all records lost to an unclean election (excused)").toBeGreaterThan(0);
    for (const error of ["NOT_ENOUGH_REPLICAS", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT"]) expect(totals.errors[error] ?? 0, error).toBeGreaterThan(0);
    for (const mark of ["truncation", "diverging-epoch", "isr-shrink-proposed", "isr-expand-proposed", "alter-partition-resent", "fetch-error", "fetch-parked", "zombie-produce",
      "leader-epoch-bumped-in-place", "alter-committed", "alter-await-metadata", "alter-ignored"]) {
      expect(totals.marks[mark] ?? 0, mark).toBeGreaterThan(0);
    }
  });
});
