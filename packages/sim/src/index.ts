// @replog/sim: the deterministic simulator. Runs the real Raft core (later the controller and
// partition cores) under a virtual clock, a seeded PRNG, a simulated network and simulated disks,
// checking safety after every event and liveness at the end. One seed replays one run exactly.
export { runRaftSimulation, plantedBugs, type PlantedBug, type RaftSimulationOptions, type RaftSimulationResult, type RaftSimulationStats } from "./raft-simulation.js";
export { InvariantViolation, SimulationFailure, type InvariantName } from "./invariant-violation.js";
export { RaftChecker, type NodeView } from "./raft-checker.js";
export { drawSwarm, describeSwarm, applyWorldPreset, worldPresets, drawNetworkFaults, drawPartitionShapes, describeNetworkFaults, type RaftSwarm, type WorldPreset } from "./swarm.js";
export { SimNetwork, perfectNetwork, type NetworkFaults, type SendOutcome } from "./sim-network.js";
export { SimDisk, LogState, type WriteOp, type CrashReport } from "./sim-disk.js";
export { EventQueue } from "./event-queue.js";
export { Trace } from "./trace.js";
export * from "./partition-shapes.js";
export {
  runDataPlaneSimulation,
  DATA_PLANE_CONTROLLER_ID,
  DATA_PLANE_PRODUCER_ID,
  type DataPlaneSimulationOptions,
  type DataPlaneSimulationResult,
  type DataPlaneSimulationStats,
} from "./data-plane-simulation.js";
export { dataPlanePlantedBugs, type DataPlanePlantedBug } from "./data-plane-broker.js";
export { DataPlaneChecker, type BrokerView } from "./data-plane-checker.js";
export { SimController, type ElectionRecord } from "./data-plane-controller.js";
export { drawDataPlaneSwarm, describeDataPlaneSwarm, applyDataPlaneWorld, dataPlaneWorlds, type DataPlaneSwarm, type DataPlaneWorld } from "./data-plane-swarm.js";
