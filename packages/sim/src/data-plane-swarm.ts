// Swarm testing for the data plane (see `swarm.ts`): each seed draws its own world of brokers,
// partitions, topic configs, timings and fault kinds. The network part is drawn by the same
// function as the Raft simulation's. Times are scaled down from Kafka's defaults (heartbeat 2 s,
// session 9 s, lag 30 s) so that a few virtual seconds see many fencings and ISR changes.

import type { Random } from "@replog/common";
import type { NetworkFaults } from "./sim-network.js";
import type { PartitionShape } from "./partition-shapes.js";
import { describeNetworkFaults, drawNetworkFaults, drawPartitionShapes } from "./swarm.js";

export interface DataPlaneSwarm {
  readonly brokers: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Kafka: min.insync.replicas (topic). */
  readonly minInsyncReplicas: number;
  /** Kafka: unclean.leader.election.enable (topic). */
  readonly uncleanLeaderElection: boolean;
  readonly tickMs: number;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly replicaLagTimeMaxMs: number;
  readonly fetchMaxWaitMs: number;
  readonly fetchBackoffMs: number;
  readonly fetchMaxRecords: number;
  readonly requestTimeoutMs: number;
  readonly hwCheckpointIntervalMs: number;
  readonly network: NetworkFaults;
  readonly partitionGapMeanMs: number;
  readonly partitionDurationMeanMs: number;
  readonly partitionShapes: readonly PartitionShape[];
  readonly crashGapMeanMs: number;
  readonly crashDowntimeMeanMs: number;
  readonly pauseGapMeanMs: number;
  readonly pauseDurationMeanMs: number;
  /** Probability that a crash, pause or partition aims at a partition leader. */
  readonly leaderTargetProbability: number;
  readonly produceGapMeanMs: number;
  /** Share of produces sent with acks=all (the rest acks=1). */
  readonly acksAllProbability: number;
  readonly produceTimeoutMs: number;
  /** How stale the producer's idea of the leaders may get (it refreshes on errors too). */
  readonly producerMetadataMaxAgeMs: number;
  readonly chaosDurationMs: number;
}

/** Draws one world. The order of draws is part of the seed format. */
export function drawDataPlaneSwarm(random: Random, chaosDurationMs: number): DataPlaneSwarm {
  const coin = (p = 0.5): boolean => random.next() < p;
  const between = (lo: number, hi: number): number => lo + random.int(hi - lo + 1);
  const brokers = between(3, 5);
  const replicationFactor = 3;
  const network = drawNetworkFaults(random);
  const shapes = drawPartitionShapes(random);
  const partitionsOn = coin() && shapes.length > 0;
  const crashesOn = coin(0.7);
  const pausesOn = coin(0.4);
  return {
    brokers,
    partitions: between(1, 3),
    replicationFactor,
    minInsyncReplicas: coin(0.6) ? 2 : between(1, 3),
    uncleanLeaderElection: coin(0.25),
    tickMs: 10,
    heartbeatIntervalMs: between(20, 60),
    sessionTimeoutMs: between(200, 900),
    replicaLagTimeMaxMs: between(100, 800),
    fetchMaxWaitMs: between(20, 300),
    fetchBackoffMs: between(10, 100),
    fetchMaxRecords: coin() ? between(1, 4) : 100,
    requestTimeoutMs: between(100, 500),
    hwCheckpointIntervalMs: between(50, 2000),
    network,
    partitionGapMeanMs: partitionsOn ? between(100, 2000) : 0,
    partitionDurationMeanMs: between(50, 2000),
    partitionShapes: shapes,
    crashGapMeanMs: crashesOn ? between(100, 2000) : 0,
    crashDowntimeMeanMs: between(50, 1500),
    pauseGapMeanMs: pausesOn ? between(300, 3000) : 0,
    pauseDurationMeanMs: between(100, 1500),
    leaderTargetProbability: coin() ? random.next() : 0,
    produceGapMeanMs: between(3, 60),
    acksAllProbability: 0.5 + random.next() * 0.5,
    produceTimeoutMs: between(200, 3000),
    producerMetadataMaxAgeMs: between(10, 500),
    chaosDurationMs,
  };
}

export function describeDataPlaneSwarm(s: DataPlaneSwarm): string[] {
  const off = (gap: number, text: string): string => (gap === 0 ? "off" : text);
  return [
    `cluster: ${s.brokers} brokers, ${s.partitions} partitions, RF ${s.replicationFactor}, min.insync.replicas ${s.minInsyncReplicas}, unclean.leader.election.enable ${s.uncleanLeaderElection}`,
    `timing: tick ${s.tickMs} ms, heartbeat ${s.heartbeatIntervalMs} ms, session ${s.sessionTimeoutMs} ms, replica.lag.time.max ${s.replicaLagTimeMaxMs} ms, fetch wait ${s.fetchMaxWaitMs} ms, backoff ${s.fetchBackoffMs} ms, ${s.fetchMaxRecords} records per fetch, request timeout ${s.requestTimeoutMs} ms, HW checkpoint every ${s.hwCheckpointIntervalMs} ms`,
    describeNetworkFaults(s.network),
    `partitions: ${off(s.partitionGapMeanMs, `every ~${s.partitionGapMeanMs} ms for ~${s.partitionDurationMeanMs} ms, shapes ${s.partitionShapes.join("/")}`)}`,
    `crashes: ${off(s.crashGapMeanMs, `every ~${s.crashGapMeanMs} ms, down ~${s.crashDowntimeMeanMs} ms`)}; pauses: ${off(s.pauseGapMeanMs, `every ~${s.pauseGapMeanMs} ms for ~${s.pauseDurationMeanMs} ms`)}; faults aim at a leader ${(s.leaderTargetProbability * 100).toFixed(1)}% of the time`,
    `workload: a produce every ~${s.produceGapMeanMs} ms, acks=all ${(s.acksAllProbability * 100).toFixed(0)}%, timeout ${s.produceTimeoutMs} ms, producer metadata max age ${s.producerMetadataMaxAgeMs} ms; chaos for ${s.chaosDurationMs} ms`,
  ];
}

/**
 * Worlds pinned for hunting one class of bug (see `swarm.ts`'s presets): they keep the seed's other
 * draws. `leader-crashes`: leaders crash every few hundred ms and followers copy one record per
 * fetch, so a new leader often starts with a stale HW and followers far behind it, and the next
 * crash comes before they catch up: the home of ISR-expansion bugs (§2.3).
 */
export type DataPlaneWorld = "leader-crashes";
export const dataPlaneWorlds: readonly DataPlaneWorld[] = ["leader-crashes"];

export function applyDataPlaneWorld(world: DataPlaneWorld, s: DataPlaneSwarm): DataPlaneSwarm {
  switch (world) {
    case "leader-crashes":
      return { ...s, fetchMaxRecords: 1, crashGapMeanMs: 300, crashDowntimeMeanMs: 300, leaderTargetProbability: 0.8, pauseGapMeanMs: 0, partitionGapMeanMs: 0 };
  }
}
