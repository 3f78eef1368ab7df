// Topic-level configs with Kafka's names and defaults (Kafka TopicConfig.java, LogConfig.java;
// kafka-replication.md §7). The controller validates CreateTopics and IncrementalAlterConfigs with
// this definition; brokers read the effective values from it. The log keys repeat
// @replog/storage's LOG_CONFIG (same names, defaults and bounds) because neither the metadata
// package nor the controller's pure core may import storage.

import { bool, defineConfig, double, int, list, long, oneOf, type ConfigValues } from "@replog/common";

const MS_DAY = 24 * 60 * 60 * 1000;
/** Kafka's Long.MAX_VALUE defaults as the largest exact JS integer. */
const LONG_MAX = Number.MAX_SAFE_INTEGER;
const CLEANUP_POLICIES = ["delete", "compact"];

export const TOPIC_CONFIG = defineConfig({
  minInsyncReplicas: int("min.insync.replicas", 1, { min: 1, doc: "acks=all needs at least this many replicas in the ISR." }),
  uncleanLeaderElectionEnable: bool("unclean.leader.election.enable", false, {
    doc: "Allow a replica outside the ISR to become leader when no ISR member can (may lose committed data).",
  }),
  retentionMs: long("retention.ms", 7 * MS_DAY, { min: -1, doc: "Delete a segment once its newest record is older than this; -1 keeps forever." }),
  retentionBytes: long("retention.bytes", -1, { min: -1, doc: "Per partition: delete oldest segments while larger than this; -1 for no limit." }),
  segmentBytes: int("segment.bytes", 1024 * 1024 * 1024, { min: 14, doc: "Roll a new segment when the active one would exceed this size." }),
  segmentMs: long("segment.ms", 7 * MS_DAY, { min: 1, doc: "Roll a new segment after this long." }),
  segmentIndexBytes: int("segment.index.bytes", 10 * 1024 * 1024, { min: 12 }),
  indexIntervalBytes: int("index.interval.bytes", 4096, { min: 0 }),
  flushMessages: long("flush.messages", LONG_MAX, { min: 1 }),
  flushMs: long("flush.ms", LONG_MAX, { min: 0 }),
  maxMessageBytes: int("max.message.bytes", 1048588, { min: 0, doc: "Largest record batch the log accepts." }),
  messageTimestampType: oneOf("message.timestamp.type", ["CreateTime", "LogAppendTime"], "CreateTime"),
  cleanupPolicy: list("cleanup.policy", ["delete"], {
    validate: (v) => (v.length > 0 && v.every((p) => CLEANUP_POLICIES.includes(p)) ? undefined : `each policy must be one of [${CLEANUP_POLICIES.join(", ")}]`),
  }),
  deleteRetentionMs: long("delete.retention.ms", MS_DAY, { min: 0, doc: "How long tombstones survive compaction." }),
  minCleanableDirtyRatio: double("min.cleanable.dirty.ratio", 0.5, { min: 0, max: 1 }),
  minCompactionLagMs: long("min.compaction.lag.ms", 0, { min: 0 }),
  maxCompactionLagMs: long("max.compaction.lag.ms", LONG_MAX, { min: 1 }),
  fileDeleteDelayMs: long("file.delete.delay.ms", 60_000, { min: 0 }),
  compressionType: oneOf("compression.type", ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"], "producer"),
});

export type TopicConfig = ConfigValues<typeof TOPIC_CONFIG>;

/** Kafka's defaults overlaid with the given topic-level values. */
export function topicConfig(dynamic: ReadonlyMap<string, string> | Readonly<Record<string, string>>): TopicConfig {
  const raw = dynamic instanceof Map ? Object.fromEntries(dynamic) : (dynamic as Readonly<Record<string, string>>);
  return TOPIC_CONFIG.parse(raw);
}

/** Topic keys that fall back to the cluster-wide dynamic broker default (ConfigRecord BROKER ""). */
export const CLUSTER_DEFAULT_TOPIC_KEYS: readonly string[] = ["min.insync.replicas", "unclean.leader.election.enable"];

/**
 * The effective config of a topic, the same on controllers and brokers: the topic's dynamic
 * configs, else the cluster-wide dynamic default (for CLUSTER_DEFAULT_TOPIC_KEYS), else the
 * node's server.properties values (given under topic-level names), else Kafka's default.
 */
export function effectiveTopicConfig(
  topicDynamic: ReadonlyMap<string, string>,
  clusterDefault: ReadonlyMap<string, string>,
  staticTopicDefaults: Readonly<Record<string, string>> = {},
): TopicConfig {
  const merged: Record<string, string> = { ...staticTopicDefaults };
  for (const name of CLUSTER_DEFAULT_TOPIC_KEYS) {
    const value = clusterDefault.get(name);
    if (value !== undefined) merged[name] = value;
  }
  for (const [name, value] of topicDynamic) merged[name] = value;
  return TOPIC_CONFIG.parse(merged);
}
