// The controller's pure core: managers that turn requests into metadata records (ControllerResult)
// and replay committed records. No I/O, clocks or randomness of its own (time and Random come in).
export * from "./controller-errors.js";
export * from "./controller-result.js";
export * from "./partition-change-builder.js";
export * from "./replica-placement.js";
export * from "./topic-name.js";
export * from "./topic-requests.js";
export * from "./alter-partition.js";
export * from "./broker-heartbeat-manager.js";
export * from "./cluster-control-manager.js";
export * from "./configuration-control-manager.js";
export * from "./replication-control-manager.js";
export * from "./producer-id-control-manager.js";
export * from "./controller-core.js";
