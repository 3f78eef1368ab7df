// @replog/metadata: Pure cluster metadata: records, immutable image and delta, snapshots.
export {};
