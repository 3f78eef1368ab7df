// Swarm testing (Groce et al., 2012; TigerBeetle's `options_swarm`): each seed draws its own
// world. Every fault kind is switched on or off by a coin, and each switched-on kind gets its own
// intensity, so some seeds hammer one mechanism in isolation while others mix everything. This
// finds more bugs than one fixed "everything a little" mix, because some bugs only show when a
// particular fault is frequent and the others are absent.

import type { Random } from "@replog/common";
import type { NetworkFaults } from "./sim-network.js";
import { partitionShapes, type PartitionShape } from "./partition-shapes.js";

export interface RaftSwarm {
  readonly voters: number;
  readonly observers: number;
  /** Base tick interval; each node's own interval is skewed by `tickSkew`. */
  readonly tickMs: number;
  /** Per node (voters first, then observers): its tick interval is tickMs * (1 + skew). */
  readonly tickSkew: readonly number[];
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMsg: number;
  readonly maxInflightMsgs: number;
  readonly network: NetworkFaults;
  /** Mean gap between partitions, or 0 when partitions are off. */
  readonly partitionGapMeanMs: number;
  readonly partitionDurationMeanMs: number;
  readonly partitionShapes: readonly PartitionShape[];
  /** Mean gap between crashes, or 0 when crashes are off. */
  readonly crashGapMeanMs: number;
  readonly crashDowntimeMeanMs: number;
  /** Probability that a crash hits between a write and its fsync. */
  readonly crashMidWriteProbability: number;
  /** Probability that an append caught by a crash is torn (part of it survives). */
  readonly tornWriteProbability: number;
  /** Mean gap between pauses (SIGSTOP), or 0 when pauses are off. */
  readonly pauseGapMeanMs: number;
  readonly pauseDurationMeanMs: number;
  /** Probability that a crash, pause or partition aims at the current leader (Jepsen's "kill the primary"). */
  readonly leaderTargetProbability: number;
  /** Mean gap between client proposals. */
  readonly proposalGapMeanMs: number;
  /** Take a snapshot and compact every this many applied entries, or 0 for never. */
  readonly snapshotEveryEntries: number;
  /** Entries kept behind a snapshot after compaction (so slow followers can still catch up by log). */
  readonly compactionRetainEntries: number;
  /** Length of the fault phase; the liveness phase follows. */
  readonly chaosDurationMs: number;
}

/** Draws one world. The order of draws is part of the format: changing it changes every seed. */
export function drawSwarm(random: Random, chaosDurationMs: number): RaftSwarm {
  const coin = (p = 0.5): boolean => random.next() < p;
  const between = (lo: number, hi: number): number => lo + random.int(hi - lo + 1);
  const voters = coin() ? 3 : 5;
  const observers = coin(0.3) ? between(1, 2) : 0;
  const skewOn = coin();
  const tickSkew = Array.from({ length: voters + observers }, () => (skewOn ? (random.next() - 0.5) * 0.6 : 0));
  const network = drawNetworkFaults(random);
  const shapes = drawPartitionShapes(random);
  const partitionsOn = coin() && shapes.length > 0;
  const crashesOn = coin();
  const pausesOn = coin(0.4);
  return {
    voters,
    observers,
    tickMs: 10,
    tickSkew,
    electionTick: 10,
    heartbeatTick: between(1, 3),
    preVote: coin(0.75),
    checkQuorum: coin(0.75),
    maxEntriesPerMsg: coin() ? between(1, 4) : 64,
    maxInflightMsgs: coin() ? between(1, 4) : 256,
    network,
    partitionGapMeanMs: partitionsOn ? between(100, 3000) : 0,
    partitionDurationMeanMs: between(50, 3000),
    partitionShapes: shapes,
    crashGapMeanMs: crashesOn ? between(100, 4000) : 0,
    crashDowntimeMeanMs: between(50, 2000),
    crashMidWriteProbability: random.next(),
    tornWriteProbability: random.next(),
    pauseGapMeanMs: pausesOn ? between(500, 4000) : 0,
    pauseDurationMeanMs: between(100, 2000),
    leaderTargetProbability: coin() ? random.next() : 0,
    proposalGapMeanMs: between(5, 200),
    snapshotEveryEntries: coin() ? between(3, 40) : 0,
    compactionRetainEntries: between(0, 10),
    chaosDurationMs,
  };
}

/**
 * The network part of a world, shared by the Raft and the data-plane simulations. Its draws
 * come in a fixed order (part of the seed format, like `drawSwarm`'s).
 */
export function drawNetworkFaults(random: Random): NetworkFaults {
  const coin = (p = 0.5): boolean => random.next() < p;
  const between = (lo: number, hi: number): number => lo + random.int(hi - lo + 1);
  const lossy = coin();
  // A slow network (delays near or above the election timeout) makes elections churn and
  // responses arrive terms late: the home of stale-vote and stale-ack bugs.
  const slow = coin(0.3);
  return {
    dropProbability: lossy ? random.next() * 0.2 : 0,
    delayMinMs: between(1, 5),
    delayMeanMs: slow ? between(50, 150) : between(0, 30),
    delayMaxMs: slow ? between(200, 500) : between(40, 150),
    duplicateProbability: coin() ? random.next() * 0.1 : 0,
    reorderProbability: coin() ? random.next() * 0.2 : 0,
    reorderDelayMaxMs: slow ? between(200, 1000) : between(10, 300),
  };
}

/** Each partition shape switched on by its own coin. */
export function drawPartitionShapes(random: Random): PartitionShape[] {
  return partitionShapes.filter(() => random.next() < 0.6);
}

/** One line for a network draw, shared by both simulations' trace heads. */
export function describeNetworkFaults(n: NetworkFaults): string {
  const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;
  return `network: drop ${pct(n.dropProbability)}, delay ${n.delayMinMs}+exp(${n.delayMeanMs}) <= ${n.delayMaxMs} ms, duplicate ${pct(n.duplicateProbability)}, reorder ${pct(n.reorderProbability)} up to +${n.reorderDelayMaxMs} ms`;
}

/** One stable line per field group, for the head of the trace. */
export function describeSwarm(s: RaftSwarm): string[] {
  const n = s.network;
  const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;
  const off = (gap: number, text: string): string => (gap === 0 ? "off" : text);
  return [
    `cluster: ${s.voters} voters, ${s.observers} observers; tick ${s.tickMs} ms, skew [${s.tickSkew.map((k) => k.toFixed(2)).join(" ")}]`,
    `raft: electionTick ${s.electionTick}, heartbeatTick ${s.heartbeatTick}, preVote ${s.preVote}, checkQuorum ${s.checkQuorum}, maxEntriesPerMsg ${s.maxEntriesPerMsg}, maxInflightMsgs ${s.maxInflightMsgs}`,
    describeNetworkFaults(n),
    `partitions: ${off(s.partitionGapMeanMs, `every ~${s.partitionGapMeanMs} ms for ~${s.partitionDurationMeanMs} ms, shapes ${s.partitionShapes.join("/")}`)}`,
    `crashes: ${off(s.crashGapMeanMs, `every ~${s.crashGapMeanMs} ms, down ~${s.crashDowntimeMeanMs} ms, mid-write ${pct(s.crashMidWriteProbability)}, torn ${pct(s.tornWriteProbability)}`)}`,
    `pauses: ${off(s.pauseGapMeanMs, `every ~${s.pauseGapMeanMs} ms for ~${s.pauseDurationMeanMs} ms`)}; faults aim at the leader ${pct(s.leaderTargetProbability)} of the time`,
    `workload: a proposal every ~${s.proposalGapMeanMs} ms; snapshots ${s.snapshotEveryEntries === 0 ? "off" : `every ${s.snapshotEveryEntries} entries, keep ${s.compactionRetainEntries}`}; chaos for ${s.chaosDurationMs} ms`,
  ];
}

/**
 * Worlds pinned for hunting one class of bug. They keep the seed's other draws and override the
 * knobs that make the bug's outcome likely, so that an end-to-end property (not only a rule
 * check) catches it within a few hundred seeds.
 */
export type WorldPreset = "stale-votes" | "figure-8";
export const worldPresets: readonly WorldPreset[] = ["stale-votes", "figure-8"];

export function applyWorldPreset(preset: WorldPreset, s: RaftSwarm): RaftSwarm {
  const calm = { partitionGapMeanMs: 0, crashGapMeanMs: 0, pauseGapMeanMs: 0, snapshotEveryEntries: 0 };
  switch (preset) {
    // Responses arrive terms late and nothing stops a candidate from disrupting: a vote granted in
    // one term reaches its candidate in a later one, while another candidate runs in that term.
    case "stale-votes":
      return {
        ...s, ...calm, voters: 3, observers: 0, tickSkew: [0, 0, 0], preVote: false, checkQuorum: false, proposalGapMeanMs: 50,
        network: { dropProbability: 0.1, delayMinMs: 5, delayMeanMs: 80, delayMaxMs: 300, duplicateProbability: 0.05, reorderProbability: 0.3, reorderDelayMaxMs: 600 },
      };
    // Raft Figure 8: leaders are cut off right after writing, and entries travel one per message,
    // so a new leader's first acknowledgements cover only entries of earlier terms.
    case "figure-8":
      return {
        ...s, ...calm, voters: 5, observers: 0, tickSkew: [0, 0, 0, 0, 0], maxEntriesPerMsg: 1, maxInflightMsgs: 1,
        leaderTargetProbability: 0.9, partitionGapMeanMs: 150, partitionDurationMeanMs: 300, partitionShapes: ["isolate", "split"],
        crashGapMeanMs: 400, crashDowntimeMeanMs: 300, crashMidWriteProbability: 0.3, proposalGapMeanMs: 20,
      };
  }
}
