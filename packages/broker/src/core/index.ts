// @replog/broker core: the pure partition core (ISR, high watermark, acks completion, follower
// truncation). No I/O, no clock, no timers: the broker shells and the simulator drive it.
export * from "./partition-error.js";
export * from "./partition-log.js";
export * from "./memory-partition-log.js";
export * from "./replica-state.js";
export * from "./partition-state.js";
export * from "./alter-partition.js";
export * from "./high-watermark.js";
export * from "./leader-epoch.js";
export * from "./partition-leader.js";
export * from "./partition-follower.js";
export * from "./consumer-fetch.js";
export * from "./delayed-produce.js";
export * from "./describe.js";
export * from "./producer-state.js";
