// @replog/metadata: pure cluster metadata. Records (and their protobuf codec), the immutable
// MetadataImage, the MetadataDelta that replays records onto it, and snapshot write/load.
export * from "./records.js";
export * from "./record-codec.js";
export * from "./describe-record.js";
export * from "./metadata-image.js";
export * from "./metadata-delta.js";
export * from "./snapshot.js";
export * from "./image/partition-registration.js";
export * from "./image/cluster-image.js";
export * from "./image/cluster-delta.js";
export * from "./image/topics-image.js";
export * from "./image/topics-delta.js";
export * from "./image/configs-image.js";
export * from "./image/configs-delta.js";
export * from "./image/features-image.js";
export * from "./image/producer-ids-image.js";
export * from "./image/local-replica-changes.js";
export * from "./topic-config.js";
export * from "./metadata-entry.js";
