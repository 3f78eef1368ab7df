// @replog/storage: the segmented partition log (segments, offset and time indexes, checkpoints,
// leader-epoch cache, recovery, retention, compaction) over a swappable file-I/O layer.
export * from "./file-io.js";
export * from "./node-file-io.js";
export * from "./memory-file-io.js";
export * from "./atomic-file.js";
export * from "./checkpoint-file.js";
export * from "./leader-epoch-cache.js";
export * from "./offset-index.js";
export * from "./time-index.js";
export * from "./log-config.js";
export * from "./log-errors.js";
export * from "./log-segment.js";
export * from "./log.js";
export * from "./log-cleaner.js";
export * from "./log-directory.js";
export type { LogInternals } from "./log-internals.js";
