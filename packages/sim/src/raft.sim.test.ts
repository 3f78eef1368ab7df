// The Raft core under the simulator, over the CI seed range: every seed draws its own fault mix
// (swarm testing), every event is followed by the safety checks, and every run ends with the
// liveness phase. A failure names the seed and the command that replays it with a full trace.
import { describe, expect, it } from "vitest";
import { SimulationFailure, runRaftSimulation, worldPresets, type RaftSimulationStats } from "./index.js";
import { ciSeedRange, describeFailure } from "./test-support/seed-range.js";

const CHUNK = 50;
const { first, count } = ciSeedRange();

describe(`Raft under simulation, seeds ${first}..${first + count - 1}`, () => {
  const totals = { seeds: 0, crashes: 0, partitions: 0, pauses: 0, highestTerm: 0, committed: 0, marks: {} as Record<string, number> };

  const add = (s: RaftSimulationStats) => {
    totals.seeds++;
    totals.crashes += s.crashes;
    totals.partitions += s.partitions;
    totals.pauses += s.pauses;
    totals.committed += s.highestCommitted;
    totals.highestTerm = Math.max(totals.highestTerm, s.highestTerm);
    for (const [k, v] of Object.entries(s.marks)) totals.marks[k] = (totals.marks[k] ?? 0) + v;
  };

  for (let from = first; from < first + count; from += CHUNK) {
    const to = Math.min(first + count, from + CHUNK) - 1;
    it(`seeds ${from}..${to} keep every safety property and recover`, () => {
      for (let seed = from; seed <= to; seed++) {
        try {
          add(runRaftSimulation({ seed }).stats);
        } catch (error) {
          if (error instanceof SimulationFailure) expect.fail(describeFailure(error));
          throw error;
        }
      }
    });
  }

  // The bug-hunting presets must not cry wolf: with the correct core they pass like any world.
  for (const world of worldPresets) {
    const presetCount = Math.max(1, Math.floor(count / 10));
    it(`the ${world} world, seeds ${first}..${first + presetCount - 1}, passes with every check on`, () => {
      for (let seed = first; seed < first + presetCount; seed++) {
        try {
          runRaftSimulation({ seed, world });
        } catch (error) {
          if (error instanceof SimulationFailure) expect.fail(describeFailure(error) + ` --world ${world}`);
          throw error;
        }
      }
    });
  }

  // Coverage marks (TigerBeetle): a green range means little if the rare paths never ran.
  it("reached the rare paths: crashes mid-write, torn writes, truncations, snapshots sent and taken, restarts", () => {
    // Only meaningful after the whole range ran (not under a -t filter) and for a range of size.
    if (totals.seeds < count || count < 100) return;
    for (const mark of ["crash-mid-write", "torn-write", "truncation", "own-snapshot", "snapshot-received", "restart"]) {
      expect(totals.marks[mark] ?? 0, mark).toBeGreaterThan(0);
    }
    expect(totals.partitions).toBeGreaterThan(0);
    expect(totals.pauses).toBeGreaterThan(0);
    expect(totals.highestTerm).toBeGreaterThan(5);
  });
});
