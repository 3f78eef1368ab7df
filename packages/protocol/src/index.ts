// @replog/protocol: Proto loading, Kafka RecordBatch v2 codec, CRC32C, murmur2 partitioner,
// Kafka error table. See README.md for the API and what is (and is not) detected as corrupt.
export * from "./kafka-errors.js";
export * from "./crc32c.js";
export * from "./varint.js";
export * from "./record-batch-layout.js";
export * from "./compression.js";
export * from "./batch-header.js";
export * from "./record-batch-builder.js";
export * from "./record-batch-decoder.js";
export * from "./produced-batch.js";
export * from "./describe-batch.js";
export * from "./partition-error.js";
export * from "./murmur2.js";
export * from "./load-protos.js";
export * from "./grpc-options.js";
export * from "./controller-client.js";
export * from "./health-service.js";
export * from "./broker-client.js";
