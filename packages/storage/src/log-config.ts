// The topic-level log configs that the storage layer implements, with Kafka's names and
// defaults (Kafka: LogConfig.java, TopicConfig.java; kafka-replication.md §7). Exported so the
// controller and broker can validate and describe topic configs with the same definition.
import { defineConfig, double, int, list, long, oneOf, type ConfigValues } from "@replog/common";

/** Kafka's Long.MAX_VALUE defaults (flush.messages, flush.ms) as the largest exact JS integer. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;

const CLEANUP_POLICIES = ["delete", "compact"];

export const LOG_CONFIG = defineConfig({
  segmentBytes: int("segment.bytes", 1024 * 1024 * 1024, { min: 14, doc: "Roll a new segment when the active one would exceed this size." }),
  segmentMs: long("segment.ms", 7 * 24 * 60 * 60 * 1000, { min: 1, doc: "Roll a new segment after this long, so retention can act." }),
  segmentIndexBytes: int("segment.index.bytes", 10 * 1024 * 1024, { min: 12, doc: "Size of each segment's preallocated offset and time index." }),
  indexIntervalBytes: int("index.interval.bytes", 4096, { min: 0, doc: "Bytes of log between two offset-index entries." }),
  flushMessages: long("flush.messages", LONG_MAX, { min: 1, doc: "fsync after this many messages (Kafka relies on replication instead)." }),
  flushMs: long("flush.ms", LONG_MAX, { min: 0, doc: "fsync when the log has not been flushed for this long." }),
  retentionMs: long("retention.ms", 7 * 24 * 60 * 60 * 1000, { min: -1, doc: "Delete a segment once its newest record is older than this; -1 keeps forever." }),
  retentionBytes: long("retention.bytes", -1, { min: -1, doc: "Delete the oldest segments while the partition is larger than this; -1 for no limit." }),
  maxMessageBytes: int("max.message.bytes", 1048588, { min: 0, doc: "Largest record batch the log accepts." }),
  messageTimestampType: oneOf("message.timestamp.type", ["CreateTime", "LogAppendTime"], "CreateTime"),
  cleanupPolicy: list("cleanup.policy", ["delete"], {
    validate: (v) => (v.every((p) => CLEANUP_POLICIES.includes(p)) ? undefined : `each policy must be one of [${CLEANUP_POLICIES.join(", ")}]`),
  }),
  deleteRetentionMs: long("delete.retention.ms", 24 * 60 * 60 * 1000, { min: 0, doc: "How long tombstones survive compaction." }),
  minCleanableDirtyRatio: double("min.cleanable.dirty.ratio", 0.5, { min: 0, max: 1, doc: "Compact when dirty bytes / all cleanable bytes exceed this." }),
  fileDeleteDelayMs: long("file.delete.delay.ms", 60_000, { min: 0, doc: "Delay between retiring a segment and deleting its files." }),
});

export type LogConfig = ConfigValues<typeof LOG_CONFIG>;

/** Kafka's defaults, with `overrides` given in Kafka's names (`{ "segment.bytes": "1048576" }`). */
export function logConfig(overrides: Readonly<Record<string, string>> = {}): LogConfig {
  return LOG_CONFIG.parse(overrides);
}
